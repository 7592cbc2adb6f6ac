"""Putting sessions on a timetable: a lecturer, base or room is never booked twice at once."""

import datetime

import pytest
from django.utils import timezone

from courses.models import Session
from courses.services import DoubleBooking, NotCancelled, restore_session, schedule_session
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    at_local,
)
from tests.bookings.helpers import make_session
from tests.factories import BasePageFactory, TrainerPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(site_tree):
    ProgrammeIndexPageFactory()
    programme = ProgrammePageFactory(title="基层党组织书记培训班")
    return CohortFactory(programme=programme, title="第1期")


@pytest.fixture
def lecturer(site_tree):
    return TrainerPageFactory(title="王教授")


@pytest.fixture
def base(site_tree):
    return BasePageFactory(title="向阳街道党群服务中心")


@pytest.fixture
def booked(cohort, lecturer, base):
    """9:00–11:00 on the cohort's first day, with a lecturer, a base and a room."""
    return make_session(
        cohort,
        title="红色物业现场教学",
        starts_at=at_local(cohort.starts_on, 9),
        lecturers=[lecturer],
        base=base,
        room="学院301教室",
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
    session = schedule_session(new_session(cohort, room="学院302教室"), lecturers=[lecturer])

    saved = Session.objects.get()
    assert saved.pk == session.pk
    assert list(saved.lecturers.all()) == [lecturer]


@pytest.mark.parametrize("shared", ["lecturer", "base", "room"])
def test_schedule_session_refuses_a_double_booking(cohort, booked, lecturer, base, shared):
    other_cohort = CohortFactory(programme=cohort.programme)
    session = new_session(
        other_cohort,
        base=base if shared == "base" else None,
        room=" 学院301教室 " if shared == "room" else "学院302教室",
    )

    with pytest.raises(DoubleBooking) as refusal:
        schedule_session(session, lecturers=[lecturer] if shared == "lecturer" else [])

    shared_text = {
        "lecturer": "讲师 王教授",
        "base": "实训基地 向阳街道党群服务中心",
        "room": "教室 学院301教室",
    }[shared]
    start = timezone.localtime(booked.starts_at).strftime("%Y-%m-%d %H:%M")
    assert refusal.value.messages == [
        f"时间冲突：“红色物业现场教学”（基层党组织书记培训班 第1期，{start}–11:00）"
        f"已安排了{shared_text}。"
    ]
    assert list(Session.objects.values_list("pk", flat=True)) == [booked.pk]


def test_schedule_session_lets_a_session_keep_its_own_place(booked, lecturer):
    booked.title = "红色物业现场教学（二）"

    schedule_session(booked, lecturers=[lecturer])

    assert Session.objects.get().title == "红色物业现场教学（二）"


def test_schedule_session_saves_a_cancelled_session_without_the_check(cohort, booked, lecturer):
    session = new_session(cohort, room=booked.room)
    session.cancelled_at = timezone.now()

    schedule_session(session, lecturers=[lecturer])

    assert Session.objects.count() == 2


def test_restore_session_puts_it_back_and_bumps_sequence(booked):
    booked.cancelled_at = timezone.now()
    booked.save()

    restore_session(booked.pk)

    restored = Session.objects.get()
    assert (restored.cancelled_at, restored.sequence) == (None, 1)


def test_restore_session_refuses_a_double_booking(cohort, booked, lecturer):
    booked.cancelled_at = timezone.now()
    booked.save()
    make_session(cohort, starts_at=booked.starts_at, lecturers=[lecturer], room="")

    with pytest.raises(DoubleBooking):
        restore_session(booked.pk)

    assert Session.objects.get(pk=booked.pk).cancelled_at is not None


def test_restore_session_refuses_a_scheduled_session(booked):
    with pytest.raises(NotCancelled) as refusal:
        restore_session(booked.pk)

    assert refusal.value.messages == ["该课次未被取消。"]
