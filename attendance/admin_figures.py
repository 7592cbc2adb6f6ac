"""The staff's figures page (数据统计): visitors by month, origin and district, attendance
rates per cohort, and an Excel workbook of the same tables with every session's rate."""

from io import BytesIO

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.generic import TemplateView
from openpyxl import Workbook
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from core.exports import neutralise

from . import figures

FIGURES_PERMISSION = "attendance.view_figures"


class FiguresView(WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("Figures")
    header_icon = "table"
    template_name = "attendance/admin/figures.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(FIGURES_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return []

    def tables(self) -> dict:
        sessions = figures.session_attendance()
        return {
            "headline": figures.headline(),
            "by_month": figures.visitors_by_month(),
            "by_origin": figures.visitors_by_origin(),
            "by_district": figures.visitors_by_district(),
            "sessions": sessions,
            "cohorts": figures.cohort_attendance(sessions),
        }

    def get(self, request, *args, **kwargs):
        tables = self.tables()
        if request.GET.get("export") == "xlsx":
            return workbook_response(tables)
        return self.render_to_response(self.get_context_data(**tables))


def visitor_sheet(book, title: str, label: str, rows) -> None:
    sheet = book.create_sheet(title)
    sheet.append([label, _("Trainees"), _("Delegation visitors"), _("Visitors")])
    for row in rows:
        sheet.append([neutralise(row.label), row.trainees, row.delegation_visitors, row.visitors])


def percent(value):
    return float(value) if value is not None else None


def workbook_response(tables) -> HttpResponse:
    """The figures as an Excel workbook: one sheet per table."""
    book = Workbook()
    summary = book.active
    summary.title = _("Figures")
    headline = tables["headline"]
    for key, label in HEADLINE_LABELS.items():
        value = headline[key]
        summary.append([str(label), float(value) if key == "study_hours" else value])
    visitor_sheet(book, _("By month"), _("Month"), tables["by_month"])
    visitor_sheet(book, _("By origin"), _("Province and city"), tables["by_origin"])
    visitor_sheet(book, _("By district"), _("District"), tables["by_district"])
    sheet = book.create_sheet(_("Cohorts"))
    sheet.append(
        [
            _("Cohort"),
            _("Sessions held"),
            _("Attendances expected"),
            _("Attended"),
            _("Attendance rate (per cent)"),
        ]
    )
    for row in tables["cohorts"]:
        sheet.append(
            [
                neutralise(str(row.cohort)),
                row.sessions,
                row.expected,
                row.attended,
                percent(row.rate),
            ]
        )
    sheet = book.create_sheet(_("Sessions"))
    sheet.append(
        [
            _("Session"),
            _("Cohort"),
            _("Starts"),
            _("Expected"),
            _("Attended"),
            pgettext("attendance", "Late"),
            pgettext("attendance", "Excused"),
            pgettext("attendance", "Absent"),
            _("Attendance rate (per cent)"),
        ]
    )
    for session in tables["sessions"]:
        sheet.append(
            [
                neutralise(session.display_title),
                neutralise(str(session.cohort)),
                timezone.make_naive(session.starts_at),
                session.expected,
                session.attended,
                session.late,
                session.excused,
                session.absent,
                percent(session.rate),
            ]
        )
    output = BytesIO()
    book.save(output)
    response = HttpResponse(
        output.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="figures.xlsx"'
    return response


HEADLINE_LABELS = {
    "visitors": gettext_lazy("Visitors"),
    "trainees": gettext_lazy("Trainees who attended"),
    "delegation_visitors": gettext_lazy("Delegation visitors"),
    "courses": gettext_lazy("Courses"),
    "lecturers": gettext_lazy("Lecturers"),
    "bases": gettext_lazy("Training bases"),
    "sessions_held": gettext_lazy("Sessions held"),
    "study_hours": gettext_lazy("Study hours"),
}


class FiguresMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(FIGURES_PERMISSION)


class FiguresViewSet(ViewSet):
    name = "figures"
    icon = "table"
    menu_label = gettext_lazy("Figures")
    menu_name = "figures"
    menu_item_class = FiguresMenuItem

    def get_urlpatterns(self):
        return [path("", FiguresView.as_view(), name="index")]
