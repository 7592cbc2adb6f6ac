"""The "导入" and export buttons of an admin listing, for the listing's import kind."""

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets.button import HeaderButton

from .kinds import get_kind


def kind_buttons(kind_slug: str, user, params=None) -> list[HeaderButton]:
    kind = get_kind(kind_slug)
    if kind is None:
        return []
    buttons = []
    if kind.user_can_import(user):
        buttons.append(
            HeaderButton(
                _("Import"),
                url=reverse("core_imports:upload", args=[kind.slug]),
                icon_name="upload",
                priority=15,
            )
        )
    if kind.user_can_export(user):
        query = ("?" + urlencode(params)) if params else ""
        for fmt, label, priority in (("xlsx", _("Export Excel"), 20), ("csv", _("Export CSV"), 30)):
            buttons.append(
                HeaderButton(
                    label,
                    url=reverse("core_imports:export", args=[kind.slug, fmt]) + query,
                    icon_name="download",
                    priority=priority,
                )
            )
    return buttons


class ImportExportButtonsMixin:
    """For a listing's index view: `import_kind` names the kind; its import and export buttons
    replace Wagtail's own export ones."""

    import_kind = ""

    def export_params(self) -> dict:
        return {}

    @cached_property
    def header_buttons(self):
        buttons = [
            button
            for button in super().header_buttons
            if getattr(button, "url", None)
            not in {getattr(self, "xlsx_export_url", None), getattr(self, "csv_export_url", None)}
        ]
        return buttons + kind_buttons(self.import_kind, self.request.user, self.export_params())

    @cached_property
    def header_more_buttons(self):
        exports = {getattr(self, "xlsx_export_url", None), getattr(self, "csv_export_url", None)}
        return [button for button in super().header_more_buttons if button.url not in exports]
