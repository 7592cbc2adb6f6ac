"""Spreadsheet kinds of training: registrations (through `register`) and cohort sessions
(through the timetable service), on `core.imports`; and the notice log's export."""

from collections import defaultdict
from itertools import islice

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.models import DBTaskResult
from wagtail.log_actions import log

from bases.models import TrainingBasePage
from core.imports.kinds import ImportKind
from core.imports.resources import (
    AcademyResource,
    ChoiceWidget,
    DecimalWidget,
    IdNumberWidget,
    LocalDateTimeWidget,
    MobileWidget,
    ReferencesWidget,
    ReferenceWidget,
    column,
)
from core.locking import LockTimeout
from courses.models import CoursePage
from lecturers.models import LecturerPage

from .admin.notices import (
    CHANNEL_LABELS,
    NOTICE_LABELS,
    STATUS_LABELS,
    NoticeTaskFilterSet,
    NoticeTaskPermissionPolicy,
    error_text,
    message_args,
    notice_registrations,
    notice_tasks,
)
from .models import Cohort, Registration, Session
from .notifications import recipient
from .services import Applicant, BookingError, register
from .services.registrations import check_registration
from .services.timetable import SchedulingError, schedule_session

PERSONAL_DATA_PERMISSION = "bookings.view_personal_data"


def cohort_widget():
    return ReferenceWidget(Cohort, queryset=Cohort.objects.select_related("programme"), label=str)


def cohort_filename_parts(params) -> list[str]:
    """The title of the cohort an export is filtered by (报名_第3期_20261128.xlsx)."""
    cohort = params.get("cohort", "")
    if str(cohort).isdigit():
        found = Cohort.objects.filter(pk=cohort).first()
        if found:
            return [found.title]
    return []


class RegistrationResource(AcademyResource):
    """报名: one row per trainee; a phone already active in the cohort is updated (its details,
    never its status), new ones are registered together per cohort through `register`: they all
    get seats, or all go on the waiting list, or the import is refused. The preview asks
    `check_registration` the same of each cohort and writes nothing."""

    cohort = column("cohort", "班次", cohort_widget())
    name = column("name", "姓名")
    phone = column("phone", "手机号", MobileWidget())
    unit = column("unit", "单位")
    position = column("position", "职务")
    party_organisation = column("party_organisation", "所在党组织")
    origin_province = column("origin_province", "省份")
    origin_city = column("origin_city", "城市")
    email = column("email", "电子邮箱")
    id_number = column("id_number", "身份证号", IdNumberWidget())
    status = column("status", "状态", ChoiceWidget(Registration.Status), readonly=True)
    source = column("source", "来源", ChoiceWidget(Registration.Source), readonly=True)
    group = column("group__unit", "团体", readonly=True)
    code = column("code", "报名码", readonly=True)
    created_at = column("created_at", "报名时间", LocalDateTimeWidget(), readonly=True)
    decided_at = column("decided_at", "审核时间", LocalDateTimeWidget(), readonly=True)
    cancelled_at = column("cancelled_at", "取消时间", LocalDateTimeWidget(), readonly=True)

    required = ("name", "unit")
    # Set by `register`, which also keeps one active registration per phone.
    not_validated = ("status", "source", "code", "token", "consented_at", "group")
    personal_fields = ("phone", "id_number")
    personal_permission = PERSONAL_DATA_PERMISSION
    filename = "报名"

    class Meta(AcademyResource.Meta):
        model = Registration
        import_id_fields = ("cohort", "phone")
        # No savepoint per row (two statements each): the import is one transaction, applied
        # whole or rolled back whole; rows are saved by `save_instance` below, not in bulk.
        use_bulk = True
        # No deep copy of each row's instance (with the cohort and programme it holds) for the
        # unchanged check: `AcademyResource.skip_row` compares `original_values` instead.
        skip_diff = True
        fields = (
            "cohort",
            *Registration.TRAINEE_FIELDS,
            "status",
            "source",
            "group",
            "code",
            "created_at",
            "decided_at",
            "cancelled_at",
        )

    def __init__(self, *, user=None, group=None, cohort=None, **kwargs):
        super().__init__(user=user, **kwargs)
        # The public group upload: one cohort, one unit's contact, no staff.
        self.group_contact = group
        self.fixed_cohort = cohort
        self.pending = defaultdict(list)
        self.active = {}
        self.registrations = []

    def example_row(self):
        return {
            "name": "张三",
            "phone": "13800000000",
            "unit": "烟台市某某局",
            "position": "科员",
            "party_organisation": "某某局机关党支部",
            "origin_province": "山东省",
            "origin_city": "烟台市",
            "email": "zhangsan@example.com",
            "id_number": "",
        }

    def left_to_the_form(self) -> set[str]:
        """Columns a public group upload does not take: the page names the cohort, the
        contact's form the unit."""
        left = set()
        if self.fixed_cohort is not None:
            left.add("cohort")
        if self.group_contact is not None:
            left.add("unit")
        return left

    def required_columns(self):
        left = {self.fields[name].column_name for name in self.left_to_the_form()}
        return [column for column in super().required_columns() if column not in left]

    def template_fields(self):
        left = {self.fields[name].column_name for name in self.left_to_the_form()}
        return [field for field in super().template_fields() if field.column_name not in left]

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        for name in self.left_to_the_form():
            column_name = self.fields[name].column_name
            if column_name not in dataset.headers:
                value = str(self.fixed_cohort) if name == "cohort" else self.group_contact.unit
                dataset.append_col([value] * len(dataset), header=column_name)

    def before_import_row(self, row, **kwargs):
        if self.fixed_cohort is not None:
            row[self.fields["cohort"].column_name] = str(self.fixed_cohort)
        if self.group_contact is not None:
            row[self.fields["unit"].column_name] = self.group_contact.unit

    def active_in(self, cohort_id: int) -> dict:
        if cohort_id not in self.active:
            self.active[cohort_id] = {
                registration.phone: registration
                for registration in Registration.objects.filter(
                    cohort_id=cohort_id, status__in=Registration.ACTIVE_STATUSES
                )
            }
        return self.active[cohort_id]

    def get_instance(self, instance_loader, row):
        cohort = self.key_value("cohort", row)
        phone = self.key_value("phone", row)
        if cohort is None:
            return None
        found = self.active_in(cohort.pk).get(phone)
        if found is not None and self.group_contact is not None:
            raise ValidationError({"phone": _("This mobile number is already registered here.")})
        return found

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.cohort_id is None:
            raise ValidationError({"cohort": _("Name the cohort.")})
        if instance.cohort.asks_id_number and not instance.id_number:
            raise ValidationError({"id_number": _("This cohort asks for the ID number.")})

    def save_instance(self, instance, is_create, row, **kwargs):
        if is_create:
            self.pending[instance.cohort_id].append(
                Applicant(**{name: getattr(instance, name) for name in Registration.TRAINEE_FIELDS})
            )
            return
        instance.save()
        log(instance, "wagtail.edit", user=self.user, content_changed=True)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if result.has_validation_errors() or result.has_errors():
            return
        for cohort_id, applicants in sorted(self.pending.items()):
            try:
                if kwargs.get("dry_run"):
                    # The preview asks what `register` would refuse (window, numbers already
                    # registered, seats) under the same lock, and writes nothing to roll back.
                    check_registration(cohort_id, applicants=applicants)
                    continue
                self.registrations += register(
                    cohort_id,
                    applicants=applicants,
                    source=(
                        Registration.Source.GROUP
                        if self.group_contact
                        else Registration.Source.STAFF
                    ),
                    group=self.group_contact,
                    by=self.user,
                    notify=self.group_contact is not None,
                )
            except (BookingError, LockTimeout) as refusal:
                cohort = Cohort.objects.select_related("programme").get(pk=cohort_id)
                raise ValidationError(f"{cohort}：{refusal.message}") from refusal

    @classmethod
    def export_queryset(cls, params):
        queryset = Registration.objects.select_related("cohort__programme", "group").order_by(
            "cohort_id", "created_at", "pk"
        )
        cohort = params.get("cohort", "")
        return queryset.filter(cohort_id=cohort) if str(cohort).isdigit() else queryset

    @classmethod
    def filename_parts(cls, params) -> list[str]:
        return cohort_filename_parts(params)


class SessionResource(AcademyResource):
    """课表: a cohort's sessions, saved through `schedule_session` (double bookings refused).
    A row is the same session as one of its cohort's starting at the same time."""

    cohort = column("cohort", "班次", cohort_widget())
    starts_at = column("starts_at", "开始时间", LocalDateTimeWidget())
    ends_at = column("ends_at", "结束时间", LocalDateTimeWidget())
    title = column("title", "标题")
    course = column(
        "course",
        "课程",
        ReferenceWidget(CoursePage, field="title", queryset=CoursePage.objects.all()),
    )
    # Set through `schedule_session`, which books them; not an attribute the import sets.
    lecturers = column(
        None,
        "讲师",
        ReferencesWidget(LecturerPage, field="title", queryset=LecturerPage.objects.all()),
    )
    base = column("base", "实训基地", ReferenceWidget(TrainingBasePage, field="title"))
    room = column("room", "教室")
    study_hours = column("study_hours", "学时", DecimalWidget())

    required = ("ends_at",)
    filename = "课表"

    class Meta(AcademyResource.Meta):
        model = Session
        import_id_fields = ("cohort", "starts_at")
        fields = (
            "cohort",
            "starts_at",
            "ends_at",
            "title",
            "course",
            "lecturers",
            "base",
            "room",
            "study_hours",
        )

    def example_row(self):
        return {
            "starts_at": "2026-12-01 09:00",
            "ends_at": "2026-12-01 11:00",
            "room": "学院301教室",
            "study_hours": "2.0",
        }

    def get_instance(self, instance_loader, row):
        cohort = self.key_value("cohort", row)
        starts_at = self.key_value("starts_at", row)
        if cohort is None or starts_at is None:
            return None
        return Session.objects.filter(cohort=cohort, starts_at=starts_at).first()

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        instance._import_lecturers = None
        if self.fields["lecturers"].column_name in row:
            try:
                instance._import_lecturers = self.fields["lecturers"].clean(row)
            except ValueError as error:
                raise ValidationError({"lecturers": str(error)}) from error

    def dehydrate_lecturers(self, session):
        return self.fields["lecturers"].widget.render(session.lecturers.all())

    def skip_row(self, instance, original, row, import_validation_errors=None):
        lecturers = getattr(instance, "_import_lecturers", None)
        changed = (
            lecturers is not None
            and instance.pk
            and {lecturer.pk for lecturer in lecturers}
            != set(instance.lecturers.values_list("pk", flat=True))
        )
        if changed:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        lecturers = instance._import_lecturers
        if lecturers is None:
            lecturers = list(instance.lecturers.all()) if instance.pk else []
        try:
            schedule_session(instance, lecturers=lecturers, by=self.user)
        except (SchedulingError, LockTimeout) as refusal:
            messages = getattr(refusal, "messages", None) or [str(refusal)]
            raise ValidationError([str(message) for message in messages]) from refusal

    def save_m2m(self, instance, row, **kwargs):
        return  # schedule_session set them

    @classmethod
    def export_queryset(cls, params):
        queryset = Session.objects.select_related(
            "cohort__programme", "course", "base"
        ).prefetch_related("lecturers")
        cohort = params.get("cohort", "")
        return queryset.filter(cohort_id=cohort) if str(cohort).isdigit() else queryset

    @classmethod
    def filename_parts(cls, params) -> list[str]:
        return cohort_filename_parts(params)


class NoticeResource(AcademyResource):
    """通知发送记录, export only: one row per notice message, as the notice log lists them (the
    registration's code, the recipient's phone masked without the personal-data permission,
    phone and ID numbers in the error text always masked)."""

    queued_at = column(None, "时间")
    code = column(None, "报名码")
    phone = column(None, "手机号")
    notice = column(None, "通知")
    channel = column(None, "渠道")
    status = column(None, "状态")
    error = column(None, "失败原因")

    personal_fields = ("phone",)
    personal_permission = PERSONAL_DATA_PERMISSION
    filename = "通知发送记录"

    class Meta(AcademyResource.Meta):
        model = DBTaskResult
        fields = ("queued_at", "code", "phone", "notice", "channel", "status", "error")

    @classmethod
    def export_queryset(cls, params):
        """The log's rows as its listing filters them (by status), newest first."""
        return NoticeTaskFilterSet(params, queryset=notice_tasks()).qs.order_by("-enqueued_at")

    def export_instances(self, queryset, *, chunk_size: int):
        # A row names its registration by id inside its JSON arguments: fetched per chunk.
        results = queryset.iterator(chunk_size=chunk_size)
        while chunk := list(islice(results, chunk_size)):
            registrations = notice_registrations().in_bulk(
                {message_args(result)[0] for result in chunk} - {None}
            )
            for result in chunk:
                result.registration = registrations.get(message_args(result)[0])
                yield result

    def dehydrate_queued_at(self, result):
        return timezone.localtime(result.enqueued_at).strftime("%Y-%m-%d %H:%M")

    def dehydrate_code(self, result):
        return result.registration.code if result.registration else ""

    def dehydrate_phone(self, result):
        if result.registration is None:
            return ""
        return recipient(result.registration, message_args(result)[1])[0]

    def dehydrate_notice(self, result):
        return str(NOTICE_LABELS.get(message_args(result)[1], ""))

    def dehydrate_channel(self, result):
        return str(CHANNEL_LABELS.get(message_args(result)[2], ""))

    def dehydrate_status(self, result):
        return str(STATUS_LABELS.get(result.status, result.status))

    def dehydrate_error(self, result):
        return error_text(result)


def may_see_notices(user) -> bool:
    return NoticeTaskPermissionPolicy(DBTaskResult).user_has_permission(user, "view")


def registration_kind() -> ImportKind:
    return ImportKind(
        slug="registrations",
        label=gettext_lazy("Registrations"),
        resource_class=RegistrationResource,
        permission="bookings.add_registration",
        export_permission="bookings.view_registration",
        listing_url_name="wagtailsnippets_bookings_registration:list",
    )


def session_kind() -> ImportKind:
    return ImportKind(
        slug="sessions",
        label=gettext_lazy("Sessions"),
        resource_class=SessionResource,
        permission="bookings.add_session",
        export_permission="bookings.view_session",
        listing_url_name="wagtailsnippets_bookings_session:list",
    )


def notice_kind() -> ImportKind:
    return ImportKind(
        slug="notices",
        label=gettext_lazy("Notice log"),
        resource_class=NoticeResource,
        permission=may_see_notices,
        export_only=True,
        listing_url_name="notices:index",
    )
