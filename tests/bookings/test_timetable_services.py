"""Putting sessions on a timetable: a lecturer, base or room is never booked twice at once.

A room is a name at a place, the session's training base or the academy when it has none.
"""

import datetime

import pytest
from django.utils import timezone

from bookings.models import Session
from bookings.services.timetable import (
    DoubleBooking,
    NotCancelled,
    restore_session,
    schedule_session,
)
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    at_local,
)
from tests.bookings.helpers import make_session
from tests.factories import LecturerPageFactory, TrainingBasePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(site_tree):
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(title="基层党组织书记培训班")
    return CohortFactory(programme=programme, title="第1期")


@pytest.fixture
def lecturer(site_tree):
    return LecturerPageFactory(title="王教授")


@pytest.fixture
def base(site_tree):
    return TrainingBasePageFactory(title="向阳街道党群服务中心")


@pytest.fixture
def booked(cohort, lecturer):
    """9:00–11:00 on the cohort's first day, with a lecturer, in the academy's room 学院301教室."""
    return make_session(
        cohort,
        title="党史专题报告",
        starts_at=at_local(cohort.starts_on, 9),
        lecturers=[lecturer],
        room="学院301教室",
    )


@pytest.fixture
def booked_at_base(cohort, base):
    """9:00–11:00 on the cohort's first day at a training base, in its room 二楼会议室."""
    return make_session(
        cohort,
        title="红色物业现场教学",
        starts_at=at_local(cohort.starts_on, 9),
        base=base,
        room="二楼会议室",
    )


def refusal_text(clash: Session, shared: str) -> str:
    start = timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"时间冲突：“{clash.title}”（基层党组织书记培训班 第1期，{start}–11:00）已安排了{shared}。"
    )


def new_session(cohort, *, hour=10, base=None, room="") -> Session:
    starts_at = at_local(cohort.starts_on, hour)
    return Session(
        cohort=cohort,
        title="党的建设专题讲座",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        base=base,
        room=room,
    )


def test_schedule_session_saves_the_session_and_its_lecturers(cohort, lecturer):
    session = schedule_session(
        new_session(cohort, room="学院302教室"), lecturers=[lecturer], by=None
    )

    saved = Session.objects.get()
    assert saved.pk == session.pk
    assert list(saved.lecturers.all()) == [lecturer]


@pytest.mark.parametrize("shared", ["lecturer", "base", "room"])
def test_schedule_session_refuses_a_double_booking(
    cohort, booked, booked_at_base, lecturer, base, shared
):
    """The new session shares one thing with one of the two booked sessions."""
    other_cohort = CohortFactory(programme=cohort.programme)
    session = new_session(
        other_cohort,
        base=base if shared == "base" else None,
        room={"lecturer": "学院302教室", "base": "三楼会议室", "room": " 学院301教室 "}[shared],
    )

    with pytest.raises(DoubleBooking) as refusal:
        schedule_session(session, lecturers=[lecturer] if shared == "lecturer" else [], by=None)

    clash, shared_text = {
        "lecturer": (booked, "讲师 王教授"),
        "base": (booked_at_base, "实训基地 向阳街道党群服务中心"),
        "room": (booked, "教室 学院301教室"),
    }[shared]
    assert refusal.value.messages == [refusal_text(clash, shared_text)]
    assert Session.objects.count() == 2


def test_schedule_session_refuses_the_same_room_at_the_same_base(cohort, booked_at_base, base):
    session = new_session(CohortFactory(programme=cohort.programme), base=base, room="二楼会议室")

    with pytest.raises(DoubleBooking) as refusal:
        schedule_session(session, lecturers=[], by=None)

    assert refusal.value.messages == [
        refusal_text(booked_at_base, "实训基地 向阳街道党群服务中心、教室 二楼会议室")
    ]
    assert list(Session.objects.values_list("pk", flat=True)) == [booked_at_base.pk]


def test_schedule_session_refuses_the_same_academy_room(cohort):
    booked = make_session(cohort, title="党史专题报告", room="二楼会议室")
    session = new_session(CohortFactory(programme=cohort.programme), room="二楼会议室")

    with pytest.raises(DoubleBooking) as refusal:
        schedule_session(session, lecturers=[], by=None)

    assert refusal.value.messages == [refusal_text(booked, "教室 二楼会议室")]
    assert list(Session.objects.values_list("pk", flat=True)) == [booked.pk]


@pytest.mark.parametrize(
    ("at_base", "room"),
    [(True, "二楼会议室"), (False, "二楼会议室"), (True, "学院301教室")],
    ids=[
        "another-base",
        "academy-room-named-like-a-base-room",
        "base-room-named-like-an-academy-room",
    ],
)
def test_schedule_session_saves_a_room_of_the_same_name_at_another_place(
    cohort, booked, booked_at_base, at_base, room
):
    """A room is a name at a place: the same name at another place is another room."""
    other_base = TrainingBasePageFactory(title="只楚街道党群服务中心") if at_base else None
    session = new_session(CohortFactory(programme=cohort.programme), base=other_base, room=room)

    schedule_session(session, lecturers=[], by=None)

    saved = Session.objects.get(pk=session.pk)
    assert (saved.base, saved.room) == (other_base, room)
    assert Session.objects.count() == 3


def test_schedule_session_names_only_what_is_shared(cohort, booked_at_base, lecturer):
    """A room of the same name at another place is not named among what clashes."""
    booked_at_base.lecturers.set([lecturer])
    session = new_session(CohortFactory(programme=cohort.programme), room="二楼会议室")

    with pytest.raises(DoubleBooking) as refusal:
        schedule_session(session, lecturers=[lecturer], by=None)

    assert refusal.value.messages == [refusal_text(booked_at_base, "讲师 王教授")]


def test_schedule_session_lets_a_session_keep_its_own_place(booked, lecturer):
    booked.title = "党史专题报告（二）"

    schedule_session(booked, lecturers=[lecturer], by=None)

    assert Session.objects.get().title == "党史专题报告（二）"


def test_schedule_session_saves_a_cancelled_session_without_the_check(cohort, booked, lecturer):
    session = new_session(cohort, room=booked.room)
    session.cancelled_at = timezone.now()

    schedule_session(session, lecturers=[lecturer], by=None)

    assert Session.objects.count() == 2


def test_restore_session_puts_it_back_and_bumps_sequence(booked):
    booked.cancelled_at = timezone.now()
    booked.save()

    restore_session(booked.pk, by=None)

    restored = Session.objects.get()
    assert (restored.cancelled_at, restored.sequence) == (None, 1)


def test_restore_session_refuses_a_double_booking(cohort, booked, lecturer):
    booked.cancelled_at = timezone.now()
    booked.save()
    make_session(cohort, starts_at=booked.starts_at, lecturers=[lecturer], room="")

    with pytest.raises(DoubleBooking):
        restore_session(booked.pk, by=None)

    assert Session.objects.get(pk=booked.pk).cancelled_at is not None


def test_restore_session_refuses_a_scheduled_session(booked):
    with pytest.raises(NotCancelled) as refusal:
        restore_session(booked.pk, by=None)

    assert refusal.value.messages == ["该课次未被取消。"]
