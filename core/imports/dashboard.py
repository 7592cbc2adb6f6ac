"""The staff dashboard's panel of recent imports, failed ones first."""

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from core.dashboard import IMPORTS_ORDER, DashboardPanel

from .kinds import import_kinds
from .models import ImportRecord


class RecentImportsPanel(DashboardPanel):
    name = "recent_imports"
    order = IMPORTS_ORDER
    template_name = "core/imports/dashboard_panel.html"
    title = _("Recent imports")

    def render_html(self, parent_context=None):
        user = parent_context["request"].user
        self.kinds = {
            slug: kind for slug, kind in import_kinds().items() if kind.user_can_import(user)
        }
        if not self.kinds:
            return ""
        return super().render_html(parent_context)

    def get_context_data(self, parent_context=None):
        records = list(
            ImportRecord.objects.filter(kind__in=list(self.kinds))
            .select_related("user")
            .annotate(
                failed_first=Case(
                    When(status=ImportRecord.Status.FAILED, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("failed_first", "-created_at", "-pk")[:10]
        )
        for record in records:
            record.kind_label = self.kinds[record.kind].label
        return {"records": records, "title": self.title}
