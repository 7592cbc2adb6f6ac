"""Spreadsheet kinds of attendance, on `core.imports`: rosters (考勤, written through
`services.mark`, as the roster form writes), study visits (来烟学习交流, through
`services_visits.record_visit`) and the evaluations (评教), exported only. The study hours and
certificates are in `attendance/results/resources.py`."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets

from bases.models import TrainingBasePage
from bookings.models import Cohort, Registration, Session
from bookings.resources import PERSONAL_DATA_PERMISSION, cohort_widget
from core.imports.kinds import ImportKind
from core.imports.resources import (
    AcademyResource,
    BooleanWidget,
    ChoiceWidget,
    LocalDateTimeWidget,
    MobileWidget,
    ReferencesWidget,
    column,
    searched,
    suggestion,
)
from core.locking import LockTimeout
from lecturers.models import LecturerPage

from .admin.roster import AttendanceFilterSet
from .admin_evaluations import VIEW_ALL as VIEW_ALL_EVALUATIONS
from .admin_evaluations import VIEW_OWN as VIEW_OWN_EVALUATIONS
from .admin_evaluations import EvaluationFilterSet, visible_evaluations
from .admin_visits import VIEW_ALL as VIEW_ALL_VISITS
from .admin_visits import StudyVisitFilterSet, visible_visits
from .models import TAKE_ATTENDANCE, Attendance, Evaluation, StudyVisit
from .services import AttendanceError, mark
from .services_visits import CONFIRM_PERMISSION, record_visit

# The column a refusal of `services.mark` belongs to (the roster form says it beside the row).
REFUSAL_COLUMNS = {
    "invalid_code": "code",
    "not_in_cohort": "code",
    "not_confirmed": "code",
    "session_cancelled": "session",
    "reason_required": "reason",
    "bad_status": "status",
}


def listing_params(params, names) -> dict:
    """The listing's filters (and search) among an export's query parameters."""
    return {name: params.get(name) for name in names if params.get(name)}


def filtered(filterset_class, params, queryset, names):
    """`queryset` as the listing's filter set narrows it for the `names` among `params`."""
    return filterset_class(listing_params(params, names), queryset).qs


def session_label(session: Session) -> str:
    """A session as a roster sheet names it, unique in its cohort: its local start and its
    title, "2026-12-01 09:00 党史专题"."""
    starts_at = timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")
    return f"{starts_at} {session.display_title}"


class SessionWidget(widgets.Widget):
    """A session of the row's cohort (the 班次 column), by its label or by its start alone."""

    def __init__(self, cohort_column: str, **kwargs):
        super().__init__(**kwargs)
        self.cohort_column = cohort_column
        self.cohorts = cohort_widget()
        self.tables = {}

    def table(self, cohort: Cohort) -> dict[str, Session]:
        if cohort.pk not in self.tables:
            table = {}
            sessions = list(Session.objects.filter(cohort=cohort).select_related("course"))
            for session in sessions:
                table.setdefault(session_label(session), session)
            for session in sessions:
                table.setdefault(session_label(session)[:16], session)
            self.tables[cohort.pk] = table
        return self.tables[cohort.pk]

    def clean(self, value, row=None, **kwargs):
        value = " ".join(str(value or "").split())
        if not value:
            return None
        cohort = self.cohorts.clean((row or {}).get(self.cohort_column))
        if cohort is None:
            raise ValueError(_("Name the cohort."))
        table = self.table(cohort)
        found = table.get(value)
        if found is None:
            raise ValueError(
                _("“%(value)s” was not found.%(hint)s")
                % {"value": value, "hint": suggestion(value, table)}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else session_label(value)


class RosterResource(AcademyResource):
    """考勤: one row per trainee and session, found by the session and the registration code.

    Each changed row is marked through `services.mark`, as the roster form marks it: the same
    refusals (not this cohort's, not confirmed, a cancelled session, an excused absence
    without a reason), each change logged with who and from what to what. A row as it already
    is changes nothing and logs nothing. The check-in time and the source are the scan's:
    exported, never imported."""

    cohort = column("session__cohort", "班次", cohort_widget())
    session = column("session", "课次", SessionWidget("班次"))
    code = column("registration__code", "报名码")
    name = column("registration__name", "姓名", readonly=True)
    unit = column("registration__unit", "单位", readonly=True)
    status = column("status", "考勤状态", ChoiceWidget(Attendance.Status))
    checked_in_at = column("checked_in_at", "签到时间", LocalDateTimeWidget(), readonly=True)
    reason = column("reason", "请假原因")
    source = column("source", "签到方式", ChoiceWidget(Attendance.Source), readonly=True)

    required = ("cohort", "status")
    filename = "考勤"
    export_params = ("cohort", "session", "status", "source", "q")

    class Meta(AcademyResource.Meta):
        model = Attendance
        import_id_fields = ("session", "code")
        fields = (
            "cohort",
            "session",
            "code",
            "name",
            "unit",
            "status",
            "checked_in_at",
            "reason",
            "source",
        )

    def __init__(self, *, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.rows = {}
        self.registrations = {}
        self.session_columns = {}

    def labels(self, session_id: int) -> tuple[str, str]:
        """The cohort's and the session's names, read once per session: a roster export has
        many rows per session, and a programme is a page, costly to build for each."""
        if session_id not in self.session_columns:
            session = Session.objects.select_related("cohort__programme", "course").get(
                pk=session_id
            )
            self.session_columns[session_id] = (str(session.cohort), session_label(session))
        return self.session_columns[session_id]

    def dehydrate_cohort(self, attendance):
        return self.labels(attendance.session_id)[0] if attendance.session_id else ""

    def dehydrate_session(self, attendance):
        return self.labels(attendance.session_id)[1] if attendance.session_id else ""

    def example_row(self):
        return {"status": str(Attendance.Status.PRESENT.label), "reason": ""}

    def recorded(self, session: Session) -> dict[str, Attendance]:
        """The session's attendance by registration code (one query per session)."""
        if session.pk not in self.rows:
            self.rows[session.pk] = {
                attendance.registration.code: attendance
                for attendance in Attendance.objects.filter(session=session).select_related(
                    "registration", "session__cohort__programme", "session__course"
                )
            }
        return self.rows[session.pk]

    def registration(self, session: Session, code: str) -> Registration | None:
        """The registration of that code: the cohort's (one query per cohort), or another
        cohort's (which `mark` refuses), or None."""
        cohort_id = session.cohort_id
        if cohort_id not in self.registrations:
            self.registrations[cohort_id] = {
                registration.code: registration
                for registration in Registration.objects.filter(cohort_id=cohort_id)
            }
        found = self.registrations[cohort_id].get(code)
        return found or Registration.objects.filter(code=code).first()

    def get_instance(self, instance_loader, row):
        session = self.key_value("session", row)
        code = self.key_value("code", row)
        if session is None or not code:
            return None
        return self.recorded(session).get(code)

    def import_instance(self, instance, row, **kwargs):
        """The row's session, registration, status and reason, as the roster form takes them;
        the other columns are for people reading the sheet."""
        errors = {}
        values = {}
        for name in ("session", "code", "status", "reason"):
            field = self.fields[name]
            if field.column_name not in row:
                continue
            try:
                values[name] = field.clean(row)
            except ValueError as error:
                errors[name] = ValidationError(str(error))
        if errors:
            raise ValidationError(errors)
        if instance.pk is None:
            session, code = values.get("session"), values.get("code")
            if session is None:
                raise ValidationError({"session": _("This field cannot be blank.")})
            registration = self.registration(session, code) if code else None
            if registration is None:
                raise ValidationError({"code": AttendanceError("invalid_code").message})
            instance.session = session
            instance.registration = registration
        status = values.get("status", instance.status)
        reason = " ".join(str(values.get("reason", instance.reason) or "").split())
        instance.status = status
        # `mark` keeps a reason only for an excused absence.
        instance.reason = reason if status == Attendance.Status.EXCUSED else ""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)
        if not instance.status:
            raise ValidationError({"status": AttendanceError("bad_status").message})

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if instance.pk is None or import_validation_errors:
            return False
        return (instance.status, instance.reason) == (original.status, original.reason)

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            mark(
                instance.session,
                instance.registration,
                instance.status,
                reason=instance.reason,
                by=self.user,
            )
        except AttendanceError as refusal:
            name = REFUSAL_COLUMNS.get(refusal.code, NON_FIELD_ERRORS)
            raise ValidationError({name: str(refusal.message)}) from refusal
        except LockTimeout as busy:
            raise ValidationError(str(busy.message)) from busy

    def save_m2m(self, instance, row, **kwargs):
        return

    @classmethod
    def export_queryset(cls, params):
        queryset = (
            Attendance.objects.select_related("registration")
            .only(
                "session",
                "status",
                "reason",
                "source",
                "checked_in_at",
                "registration__code",
                "registration__name",
                "registration__unit",
            )
            .order_by("session__starts_at", "session_id", "registration__name", "pk")
        )
        queryset = filtered(AttendanceFilterSet, params, queryset, cls.export_params)
        return searched(queryset, params, "registration__name", "registration__code")

    @classmethod
    def filename_parts(cls, params) -> list[str]:
        session = str(params.get("session") or "")
        if session.isdigit():
            found = Session.objects.select_related("course", "cohort").filter(pk=session).first()
            if found:
                return [found.cohort.title, session_label(found)[:10]]
        cohort = str(params.get("cohort") or "")
        if cohort.isdigit():
            found = Cohort.objects.filter(pk=cohort).first()
            if found:
                return [found.title]
        return []


class DateWidget(widgets.DateWidget):
    """A date as "2026-11-28" in and out (also 2026/11/28 and 2026年11月28日 in)."""

    def __init__(self):
        super().__init__(format="%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        for separator in ("/", "年", "月", "."):
            text = text.replace(separator, "-")
        text = text.rstrip("日").split(" ")[0]
        try:
            return super().clean(text, row=row, **kwargs)
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not a date; write it as 2026-11-28.") % {"value": value}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%Y-%m-%d") if value else ""


class CountWidget(widgets.Widget):
    """A whole number of people (empty: not known)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        if not text.isdigit():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


def base_widget():
    return ReferencesWidget(
        TrainingBasePage, field="title", queryset=TrainingBasePage.objects.all()
    )


class StudyVisitResource(AcademyResource):
    """来烟学习交流: one row per visit, found by the visiting organisation and the date; saved
    through `services_visits.record_visit` (validated, logged). Whether a base confirmed it is
    the base's to say: exported, never imported."""

    organisation = column("organisation", "来访单位")
    province = column("province", "省份")
    city = column("city", "城市")
    contact_name = column("contact_name", "联系人")
    contact_phone = column("contact_phone", "联系人手机", MobileWidget())
    visited_on = column("visited_on", "来访日期", DateWidget())
    # Set through `record_visit`; not an attribute the import sets.
    bases = column(None, "参观的实训基地", base_widget())
    planned_headcount = column("planned_headcount", "计划人数", CountWidget())
    actual_headcount = column("actual_headcount", "实到人数", CountWidget())
    notes = column("notes", "备注")
    confirmed = column("is_confirmed", "是否确认", BooleanWidget(), readonly=True)
    confirmed_at = column("confirmed_at", "确认时间", LocalDateTimeWidget(), readonly=True)

    required = ("province", "contact_name", "contact_phone", "planned_headcount")
    personal_fields = ("contact_phone",)
    personal_permission = PERSONAL_DATA_PERMISSION
    filename = "来烟学习交流"
    export_params = (
        "visited_on_after",
        "visited_on_before",
        "province",
        "base",
        "district",
        "confirmed",
        "q",
    )

    class Meta(AcademyResource.Meta):
        model = StudyVisit
        import_id_fields = ("organisation", "visited_on")
        fields = (
            "organisation",
            "province",
            "city",
            "contact_name",
            "contact_phone",
            "visited_on",
            "bases",
            "planned_headcount",
            "actual_headcount",
            "notes",
            "confirmed",
            "confirmed_at",
        )

    def example_row(self):
        return {
            "organisation": "江苏省南京市鼓楼区委组织部",
            "province": "江苏省",
            "city": "南京市",
            "contact_name": "周科长",
            "contact_phone": "13800000000",
            "visited_on": "2026-12-01",
            "planned_headcount": "30",
        }

    def get_instance(self, instance_loader, row):
        organisation = self.key_value("organisation", row)
        visited_on = self.key_value("visited_on", row)
        if not organisation or visited_on is None:
            return None
        organisation = StudyVisit.INPUT["organisation"].normalize(organisation)
        return (
            StudyVisit.objects.filter(organisation=organisation, visited_on=visited_on)
            .order_by("pk")
            .first()
        )

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        instance._import_bases = None
        if self.fields["bases"].column_name in row:
            try:
                instance._import_bases = self.fields["bases"].clean(row)
            except ValueError as error:
                raise ValidationError({"bases": str(error)}) from error

    def dehydrate_bases(self, visit):
        return self.fields["bases"].widget.render(visit.bases.all())

    def skip_row(self, instance, original, row, import_validation_errors=None):
        bases = getattr(instance, "_import_bases", None)
        changed = (
            bases is not None
            and instance.pk
            and {base.pk for base in bases} != {base.pk for base in instance.bases.all()}
        )
        if changed:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        bases = instance._import_bases
        if bases is None:
            bases = list(instance.bases.all()) if instance.pk else []
        record_visit(instance, bases=bases, by=self.user)

    def save_m2m(self, instance, row, **kwargs):
        return  # record_visit set them

    def export_queryset(self, params):
        """The visits the user's listing shows (a base contact: those to their bases)."""
        queryset = (
            visible_visits(self.user)
            .prefetch_related(Prefetch("bases", queryset=TrainingBasePage.objects.only("title")))
            .order_by("-visited_on", "-pk")
        )
        queryset = filtered(StudyVisitFilterSet, params, queryset, self.export_params)
        return searched(queryset, params, "organisation", "contact_name", "province", "city")


class EvaluationResource(AcademyResource):
    """评教, exported only: scores and comments per session, never who gave them (the
    listing does not show it either)."""

    cohort = column("session__cohort", "班次", cohort_widget())
    session = column("session", "课次", SessionWidget("班次"))
    course = column("session__course__title", "课程")
    lecturers = column(None, "讲师")
    content = column("content", "课程内容")
    delivery = column("delivery", "讲授水平")
    usefulness = column("usefulness", "实用性")
    organisation = column("organisation", "组织服务")
    average = column("average", "平均分")
    comment = column("comment", "意见建议")
    created_at = column("created_at", "评价时间", LocalDateTimeWidget())

    filename = "评教"
    export_params = (
        "cohort",
        "course",
        "lecturer",
        "created_at_after",
        "created_at_before",
        "with_comment",
    )

    class Meta(AcademyResource.Meta):
        model = Evaluation
        fields = (
            "cohort",
            "session",
            "course",
            "lecturers",
            "content",
            "delivery",
            "usefulness",
            "organisation",
            "average",
            "comment",
            "created_at",
        )

    def dehydrate_lecturers(self, evaluation):
        return "、".join(lecturer.title for lecturer in evaluation.session.lecturers.all())

    def export_queryset(self, params):
        """What the user's listing shows (a lecturer: their own sessions'), newest first."""
        queryset = (
            visible_evaluations(self.user)
            .select_related("session__cohort__programme", "session__course")
            .prefetch_related(
                Prefetch("session__lecturers", queryset=LecturerPage.objects.only("title"))
            )
            .order_by("-created_at", "-pk")
        )
        return filtered(EvaluationFilterSet, params, queryset, self.export_params)


def may_import_visits(user) -> bool:
    return user.has_perm("attendance.add_studyvisit") and user.has_perm(
        "attendance.change_studyvisit"
    )


def may_export_visits(user) -> bool:
    return user.has_perm(VIEW_ALL_VISITS) or user.has_perm(CONFIRM_PERMISSION)


def may_export_evaluations(user) -> bool:
    return user.has_perm(VIEW_ALL_EVALUATIONS) or user.has_perm(VIEW_OWN_EVALUATIONS)


def attendance_kind() -> ImportKind:
    return ImportKind(
        slug="attendance",
        label=gettext_lazy("Attendance"),
        resource_class=RosterResource,
        permission=TAKE_ATTENDANCE,
        export_permission="attendance.view_attendance",
        listing_url_name="wagtailsnippets_attendance_attendance:list",
    )


def visits_kind() -> ImportKind:
    return ImportKind(
        slug="visits",
        label=gettext_lazy("Study visits"),
        resource_class=StudyVisitResource,
        permission=may_import_visits,
        export_permission=may_export_visits,
        listing_url_name="study_visits:index",
    )


def evaluations_kind() -> ImportKind:
    return ImportKind(
        slug="evaluations",
        label=gettext_lazy("Evaluations"),
        resource_class=EvaluationResource,
        permission=may_export_evaluations,
        export_only=True,
        listing_url_name="evaluations:index",
    )
