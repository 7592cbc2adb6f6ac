"""Every state change of training is in Wagtail's audit log: what, on which object, who, when,
written in the transaction of the change, so a change that fails leaves no entry."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import pre_save
from django.utils import timezone, translation
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

from bookings.models import Cohort, Registration, Session
from bookings.services import (
    CapacityBelowSeatsTaken,
    approve_registrations,
    cancel_registration,
    reject_registrations,
    rotate_token,
    update_cohort,
)
from bookings.services.timetable import (
    DeleteRefused,
    DoubleBooking,
    cancel_session,
    delete_timetable_items,
    restore_session,
    schedule_session,
)
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    SessionFactory,
    at_local,
    register_trainees,
)
from tests.bookings.helpers import messages_of
from tests.factories import LecturerPageFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


@pytest.fixture
def programme(site_tree):
    ProgrammeIndexPageFactory()
    return ProgrammePageFactory(title="基层党组织书记培训班")


@pytest.fixture
def cohort(programme):
    return CohortFactory(programme=programme, title="第1期", capacity=1)


@pytest.fixture
def staff():
    return UserFactory(username="zhang", is_staff=True)


def entries(instance) -> list[tuple[str, int | None]]:
    """(action, user id) of the instance's log entries, oldest first."""
    return list(
        ModelLogEntry.objects.for_instance(instance).order_by("pk").values_list("action", "user_id")
    )


def entry(instance, action: str) -> ModelLogEntry:
    return ModelLogEntry.objects.for_instance(instance).get(action=action)


class FailOnLogEntry:
    """Makes the audit entry for `action` fail to save, as a full disk or a lost connection
    would, to show that the change it records is undone with it."""

    def __init__(self, action: str):
        self.action = action

    def __call__(self, sender, instance, **kwargs):
        if instance.action == self.action:
            raise RuntimeError(f"cannot write {self.action}")

    def __enter__(self):
        pre_save.connect(self, sender=ModelLogEntry)
        return self

    def __exit__(self, *exc_info):
        pre_save.disconnect(self, sender=ModelLogEntry)


# Registrations


def test_approval_is_logged_with_who_and_when(cohort, staff):
    cohort.requires_approval = True
    cohort.capacity = 2
    cohort.save()
    approved, left = register_trainees(cohort, 2)

    assert approve_registrations([approved.pk], by=staff) == 1

    approved.refresh_from_db()
    assert entries(approved) == [("bookings.registration.approve", staff.pk)]
    assert entry(approved, "bookings.registration.approve").timestamp == approved.decided_at
    assert entries(left) == []


def test_rejection_is_logged_and_the_promotion_it_allows_too(cohort, staff):
    cohort.requires_approval = True
    cohort.save()
    rejected, waiting = register_trainees(cohort, 2)

    assert reject_registrations([rejected.pk], by=staff) == 1

    rejected.refresh_from_db()
    waiting.refresh_from_db()
    assert (rejected.status, waiting.status) == (Status.REJECTED, Status.PENDING)
    assert entries(rejected) == [("bookings.registration.reject", staff.pk)]
    assert entries(waiting) == [("bookings.registration.promote", staff.pk)]
    assert entry(rejected, "bookings.registration.reject").timestamp == rejected.decided_at


def test_cancellation_by_the_trainee_is_logged_without_a_user(cohort):
    seated, waiting = register_trainees(cohort, 2)

    assert cancel_registration(seated, by=None) == [waiting.pk]

    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert entries(seated) == [("bookings.registration.cancel", None)]
    assert entry(seated, "bookings.registration.cancel").timestamp == seated.cancelled_at
    assert entries(waiting) == [("bookings.registration.promote", None)]
    assert entry(waiting, "bookings.registration.promote").timestamp == waiting.decided_at


def test_cancellation_by_staff_is_logged_with_the_staff_member(cohort, staff):
    [seated] = register_trainees(cohort, 1)

    assert cancel_registration(seated, by=staff) == []

    seated.refresh_from_db()
    assert entries(seated) == [("bookings.registration.cancel", staff.pk)]
    assert entry(seated, "bookings.registration.cancel").timestamp == seated.cancelled_at


def test_each_promotion_gets_its_own_entry(cohort, staff):
    seated, first, second = register_trainees(cohort, 3)
    cohort.capacity = 3

    assert update_cohort(cohort, by=staff) == [first.pk, second.pk]

    assert entries(first) == [("bookings.registration.promote", staff.pk)]
    assert entries(second) == [("bookings.registration.promote", staff.pk)]
    assert entries(seated) == []


def test_a_link_reset_is_logged_without_the_tokens(cohort):
    [registration] = register_trainees(cohort, 1)
    old_token = registration.token

    rotate_token(registration, by=None)

    registration.refresh_from_db()
    reset = entry(registration, "bookings.registration.reset_link")
    assert entries(registration) == [("bookings.registration.reset_link", None)]
    assert reset.timestamp == registration.updated_at
    assert old_token not in str(reset.data) and registration.token not in str(reset.data)


def test_bulk_updates_keep_updated_at_true(cohort, staff):
    cohort.requires_approval = True
    cohort.capacity = 2
    cohort.save()
    approved, rejected = register_trainees(cohort, 2)
    registered_at = {approved.pk: approved.updated_at, rejected.pk: rejected.updated_at}

    approve_registrations([approved.pk], by=staff)
    reject_registrations([rejected.pk], by=staff)

    approved.refresh_from_db()
    rejected.refresh_from_db()
    assert approved.updated_at == approved.decided_at > registered_at[approved.pk]
    assert rejected.updated_at == rejected.decided_at > registered_at[rejected.pk]


# Cohorts


def test_a_capacity_change_is_logged_with_the_old_and_new_seats(cohort, staff):
    before = timezone.now()
    cohort.capacity = 5

    update_cohort(cohort, by=staff)

    changed = entry(cohort, "bookings.cohort.capacity")
    assert entries(cohort) == [("wagtail.edit", staff.pk), ("bookings.cohort.capacity", staff.pk)]
    assert (changed.data, changed.user_id) == ({"old": 1, "new": 5}, staff.pk)
    assert before <= changed.timestamp <= timezone.now()
    assert Cohort.objects.get(pk=cohort.pk).capacity == 5


def test_an_edit_that_keeps_the_capacity_logs_only_the_edit(cohort, staff):
    cohort.location = "烟台城市党建学院二楼"

    update_cohort(cohort, by=staff)

    assert entries(cohort) == [("wagtail.edit", staff.pk)]


def test_a_refused_capacity_change_leaves_no_entry(cohort, staff):
    register_trainees(cohort, 1)
    cohort.capacity = 0

    with pytest.raises(CapacityBelowSeatsTaken):
        update_cohort(cohort, by=staff)

    assert entries(cohort) == []
    assert Cohort.objects.get(pk=cohort.pk).capacity == 1


def test_the_admin_logs_a_cohort_edit_once(admin_client, cohort):
    *_seated, waiting = register_trainees(cohort, 2)
    admin = admin_client.session["_auth_user_id"]
    form = {
        "programme": cohort.programme_id,
        "title": cohort.title,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "capacity": 2,
        "registration_opens_at": timezone.localtime(cohort.registration_opens_at).strftime(
            "%Y-%m-%d %H:%M"
        ),
        "registration_closes_at": timezone.localtime(cohort.registration_closes_at).strftime(
            "%Y-%m-%d %H:%M"
        ),
        "waitlist_enabled": "on",
    }

    response = admin_client.post(f"/admin/snippets/bookings/cohort/edit/{cohort.pk}/", form)

    assert response.status_code == 302
    assert entries(cohort) == [
        ("wagtail.edit", int(admin)),
        ("bookings.cohort.capacity", int(admin)),
    ]
    assert entries(waiting) == [("bookings.registration.promote", int(admin))]


# Sessions


@pytest.fixture
def session(cohort):
    return SessionFactory(cohort=cohort, title="党史专题报告")


def test_a_session_cancel_is_logged_with_who_and_when(session, staff):
    cancel_session(session.pk, by=staff)

    session.refresh_from_db()
    assert entries(session) == [("bookings.session.cancel", staff.pk)]
    assert entry(session, "bookings.session.cancel").timestamp == session.cancelled_at


def test_a_session_restore_is_logged_with_who_and_when(session, staff):
    cancel_session(session.pk, by=staff)
    before = timezone.now()

    restore_session(session.pk, by=staff)

    restored = entry(session, "bookings.session.restore")
    assert entries(session) == [
        ("bookings.session.cancel", staff.pk),
        ("bookings.session.restore", staff.pk),
    ]
    assert before <= restored.timestamp <= timezone.now()


def test_a_refused_restore_leaves_no_entry(cohort, session, staff):
    cancel_session(session.pk, by=staff)
    SessionFactory(cohort=cohort, starts_at=session.starts_at, room=session.room)

    with pytest.raises(DoubleBooking):
        restore_session(session.pk, by=staff)

    assert entries(session) == [("bookings.session.cancel", staff.pk)]
    assert Session.objects.get(pk=session.pk).is_cancelled


def test_scheduling_logs_wagtail_create_then_edit(cohort, staff):
    lecturer = LecturerPageFactory(title="王教授")
    session = Session(
        cohort=cohort,
        title="党的建设专题讲座",
        starts_at=at_local(cohort.starts_on, 14),
        ends_at=at_local(cohort.starts_on, 16),
    )

    schedule_session(session, lecturers=[lecturer], by=staff)
    session.ends_at += datetime.timedelta(minutes=30)
    schedule_session(session, lecturers=[lecturer], by=staff)

    assert entries(session) == [("wagtail.create", staff.pk), ("wagtail.edit", staff.pk)]


def test_the_admin_logs_a_new_session_once(admin_client, cohort):
    admin = int(admin_client.session["_auth_user_id"])
    starts_at = timezone.localtime(at_local(cohort.starts_on, 14))
    form = {
        "cohort": cohort.pk,
        "course": "",
        "title": "党的建设专题讲座",
        "starts_at": starts_at.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (starts_at + datetime.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        "base": "",
        "room": "",
        "study_hours": "2.0",
    }

    response = admin_client.post("/admin/snippets/bookings/session/add/", form)

    assert response.status_code == 302
    assert entries(Session.objects.get()) == [("wagtail.create", admin)]


def test_the_admin_cancel_and_restore_log_the_staff_member(admin_client, session):
    admin = int(admin_client.session["_auth_user_id"])

    admin_client.post(f"/admin/snippets/bookings/session/cancel/{session.pk}/")
    response = admin_client.post(f"/admin/snippets/bookings/session/restore/{session.pk}/")

    assert messages_of(response)[-1] == ("success", "“党史专题报告”已恢复。")
    assert entries(session) == [
        ("bookings.session.cancel", admin),
        ("bookings.session.restore", admin),
    ]


def test_a_deletion_is_logged_and_a_refused_one_deletes_and_logs_nothing(cohort, session, staff):
    spare = CohortFactory(programme=cohort.programme, title="第2期")
    register_trainees(cohort, 1)

    with pytest.raises(DeleteRefused):
        delete_timetable_items([spare, session], by=staff)
    assert (Cohort.objects.filter(pk=spare.pk).exists(), entries(spare)) == (True, [])

    spare_id = spare.pk
    delete_timetable_items([spare], by=staff)
    assert Cohort.objects.filter(pk=spare_id).exists() is False
    assert list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Cohort), object_id=str(spare_id)
        ).values_list("action", "user_id")
    ) == [("wagtail.delete", staff.pk)]


# In the change's transaction


def test_an_entry_that_cannot_be_written_undoes_the_approval(cohort, staff):
    cohort.requires_approval = True
    cohort.save()
    [pending] = register_trainees(cohort, 1)

    with FailOnLogEntry("bookings.registration.approve"), pytest.raises(RuntimeError):
        approve_registrations([pending.pk], by=staff)

    assert Registration.objects.get(pk=pending.pk).status == Status.PENDING


def test_a_cancellation_that_fails_while_promoting_leaves_no_entry(cohort):
    seated, waiting = register_trainees(cohort, 2)

    with FailOnLogEntry("bookings.registration.promote"), pytest.raises(RuntimeError):
        cancel_registration(seated, by=None)

    assert (entries(seated), entries(waiting)) == ([], [])
    assert list(
        Registration.objects.filter(pk__in=[seated.pk, waiting.pk])
        .order_by("pk")
        .values_list("status", flat=True)
    ) == [Status.CONFIRMED, Status.WAITLISTED]


def test_an_entry_that_cannot_be_written_undoes_the_session_cancel(session, staff):
    with FailOnLogEntry("bookings.session.cancel"), pytest.raises(RuntimeError):
        cancel_session(session.pk, by=staff)

    assert Session.objects.get(pk=session.pk).cancelled_at is None


def test_an_entry_that_cannot_be_written_undoes_the_link_reset(cohort):
    [registration] = register_trainees(cohort, 1)
    token = registration.token

    with FailOnLogEntry("bookings.registration.reset_link"), pytest.raises(RuntimeError):
        rotate_token(registration, by=None)

    assert Registration.objects.get(pk=registration.pk).token == token


# Labels


def test_every_training_action_has_a_chinese_label():
    actions = [
        "bookings.registration.approve",
        "bookings.registration.reject",
        "bookings.registration.cancel",
        "bookings.registration.promote",
        "bookings.registration.reset_link",
        "bookings.session.cancel",
        "bookings.session.restore",
        "bookings.cohort.capacity",
    ]
    labels = dict(log_registry.get_choices())

    with translation.override("zh-hans"):
        assert [str(labels[action]) for action in actions] == [
            "通过报名",
            "不通过报名",
            "取消报名",
            "候补递补",
            "重置专属链接",
            "取消课次",
            "恢复课次",
            "修改班次名额",
        ]


def test_a_capacity_entry_says_from_what_to_what(cohort, staff):
    cohort.capacity = 5
    update_cohort(cohort, by=staff)
    changed = entry(cohort, "bookings.cohort.capacity")

    with translation.override("zh-hans"):
        assert str(log_registry.get_formatter(changed).format_message(changed)) == "名额由 1 改为 5"
