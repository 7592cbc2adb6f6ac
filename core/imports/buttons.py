"""The "导入" and export buttons of an admin listing, for the listing's import kind.

A snippet or model listing puts them in its header (`ImportExportButtonsMixin`, or
`kind_buttons` in its `header_buttons`); the page explorer takes them from Wagtail's
`register_page_header_buttons` hook, in the "…" menu of the kind's index page
(`index_page_buttons`).
"""

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets.button import Button, HeaderButton

from .kinds import get_kind


def kind_buttons(
    kind_slug: str, user, params=None, *, button_class=HeaderButton, priority=15
) -> list[Button]:
    """The buttons the user may use: import, then the exports of the listing as filtered
    (`params`, the query the kind's `export_queryset` reads)."""
    kind = get_kind(kind_slug)
    if kind is None:
        return []
    buttons = []
    if kind.user_can_import(user):
        buttons.append(
            button_class(
                _("Import"),
                url=reverse("core_imports:upload", args=[kind.slug]),
                icon_name="upload",
                priority=priority,
            )
        )
    if kind.user_can_export(user):
        query = ("?" + urlencode(params)) if params else ""
        for fmt, label, after in (("xlsx", _("Export Excel"), 5), ("csv", _("Export CSV"), 15)):
            buttons.append(
                button_class(
                    label,
                    url=reverse("core_imports:export", args=[kind.slug, fmt]) + query,
                    icon_name="download",
                    priority=priority + after,
                )
            )
    return buttons


def index_page_buttons(kind_slug: str, index_model):
    """A `register_page_header_buttons` hook: the kind's buttons in the "…" menu of the page
    explorer's listing of an `index_model` page (the pages of the kind are its children), after
    Wagtail's own; not on the page's edit view, nor on any other listing."""

    def hook(page, user, view_name, next_url=None):
        if view_name != "index" or page.specific_class is not index_model:
            return []
        return kind_buttons(kind_slug, user, button_class=Button, priority=80)

    return hook


class ImportExportButtonsMixin:
    """For a listing's index view: `import_kind` names the kind; its import and export buttons
    replace Wagtail's own export ones. The exports pass on the query parameters the kind's
    export reads (its resource's `export_params`: the listing's filters and search), so they
    list what it shows."""

    import_kind = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # The listing exports through its kind (masked, neutralised, every field); Wagtail's
        # own `?export=csv` is no second way out: it shows the listing.
        self.is_export = False

    def export_params(self) -> dict:
        kind = get_kind(self.import_kind)
        names = kind.resource_class.export_params if kind else ()
        query = self.request.GET
        return {name: query[name] for name in names if query.get(name)}

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
