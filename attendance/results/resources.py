"""Spreadsheet kinds of study hours and completion, exported only (`core.imports`): the
study-hours ledger per trainee and cohort (学时台账) and the completion certificates (结业证书)."""

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy
from import_export import widgets

from bookings.models import Cohort, Session
from bookings.resources import PERSONAL_DATA_PERMISSION
from core.imports.kinds import ImportKind
from core.imports.resources import AcademyResource, LocalDateTimeWidget, column, searched

from ..models import Attendance, Certificate
from ..resources import DateWidget, filtered
from .admin import VIEW_CERTIFICATES, VIEW_LEDGER, CertificateFilterSet, StudyHoursFilterSet
from .hours import HOURS, ZERO, format_hours, ledger_entries, sum_hours

Status = Attendance.Status


class HoursWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return format_hours(value)


def count_of(*statuses) -> Count:
    return Count("pk", filter=Q(status__in=statuses))


class StudyHoursResource(AcademyResource):
    """学时台账: one row per trainee and cohort (a registration), with the study hours the
    ledger credits them and the sessions behind them; narrowed as the ledger's listing is."""

    name = column("name", "姓名")
    phone = column("phone", "手机号")
    unit = column("unit", "单位")
    code = column("code", "报名码")
    cohort = column("cohort", "班次")
    attended = column("attended", "出勤课次")
    late = column("late", "其中迟到")
    excused = column("excused", "请假课次")
    absent = column("absent", "缺勤课次")
    hours = column("hours", "获得学时", HoursWidget())
    scheduled = column("cohort_id", "班次总学时", HoursWidget())

    personal_fields = ("phone",)
    personal_permission = PERSONAL_DATA_PERMISSION
    filename = "学时台账"
    export_params = ("phone", "cohort", "year", "status", "q")

    class Meta(AcademyResource.Meta):
        model = Attendance
        fields = (
            "name",
            "phone",
            "unit",
            "code",
            "cohort",
            "attended",
            "late",
            "excused",
            "absent",
            "hours",
            "scheduled",
        )

    def __init__(self, *, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.scheduled_hours = {}

    def dehydrate_cohort(self, row):
        return f"{row['programme']} {row['cohort_title']}"

    def dehydrate_scheduled(self, row):
        """The study hours of the cohort's sessions not cancelled (one query per cohort)."""
        cohort_id = row["cohort_id"]
        if cohort_id not in self.scheduled_hours:
            self.scheduled_hours[cohort_id] = (
                Session.objects.scheduled()
                .filter(cohort_id=cohort_id)
                .aggregate(hours=Coalesce(Sum("study_hours"), Value(ZERO), output_field=HOURS))[
                    "hours"
                ]
            )
        return format_hours(self.scheduled_hours[cohort_id])

    @classmethod
    def export_queryset(cls, params):
        entries = filtered(StudyHoursFilterSet, params, ledger_entries(), cls.export_params)
        entries = searched(entries, params, "registration__name", "registration__code")
        return (
            entries.order_by()
            .values("registration_id")
            .annotate(
                name=F("registration__name"),
                phone=F("registration__phone"),
                unit=F("registration__unit"),
                code=F("registration__code"),
                cohort_id=F("registration__cohort_id"),
                programme=F("registration__cohort__programme__title"),
                cohort_title=F("registration__cohort__title"),
                starts_on=F("registration__cohort__starts_on"),
                hours=sum_hours(),
                attended=count_of(*Attendance.ATTENDED),
                late=count_of(Status.LATE),
                excused=count_of(Status.EXCUSED),
                absent=count_of(Status.ABSENT),
            )
            .order_by("-starts_on", "cohort_id", "name", "registration_id")
        )

    @classmethod
    def filename_parts(cls, params) -> list[str]:
        cohort = str(params.get("cohort") or "")
        if cohort.isdigit():
            found = Cohort.objects.filter(pk=cohort).first()
            if found:
                return [found.title]
        return []


class CertificateResource(AcademyResource):
    """结业证书: every certificate as it was printed, and whether and why it was revoked."""

    serial = column("serial", "证书编号")
    name = column("name", "姓名")
    programme = column("programme_title", "培训班")
    cohort = column("cohort_title", "班次")
    starts_on = column("starts_on", "开班日期", DateWidget())
    ends_on = column("ends_on", "结业日期", DateWidget())
    hours = column("hours", "学时", HoursWidget())
    status = column("status", "状态")
    issued_at = column("issued_at", "颁发时间", LocalDateTimeWidget())
    issued_by = column("issued_by", "颁发人")
    revoked_at = column("revoked_at", "撤销时间", LocalDateTimeWidget())
    revoked_by = column("revoked_by", "撤销人")
    revoke_reason = column("revoke_reason", "撤销原因")

    filename = "结业证书"
    export_params = ("cohort", "valid", "q")

    class Meta(AcademyResource.Meta):
        model = Certificate
        fields = (
            "serial",
            "name",
            "programme",
            "cohort",
            "starts_on",
            "ends_on",
            "hours",
            "status",
            "issued_at",
            "issued_by",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
        )

    @classmethod
    def export_queryset(cls, params):
        queryset = Certificate.objects.select_related("issued_by", "revoked_by").order_by(
            "-issued_at", "-pk"
        )
        queryset = filtered(CertificateFilterSet, params, queryset, cls.export_params)
        return searched(queryset, params, "serial", "name")


def hours_kind() -> ImportKind:
    return ImportKind(
        slug="hours",
        label=gettext_lazy("Study hours ledger"),
        resource_class=StudyHoursResource,
        permission=VIEW_LEDGER,
        export_only=True,
        listing_url_name="study_hours:index",
    )


def certificates_kind() -> ImportKind:
    return ImportKind(
        slug="certificates",
        label=gettext_lazy("Completion certificates"),
        resource_class=CertificateResource,
        permission=VIEW_CERTIFICATES,
        export_only=True,
        listing_url_name="attendance_certificates:index",
    )
