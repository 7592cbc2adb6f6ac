"""Helpers and fixtures for the study-hours, completion and certificate tests.

Attendance rows are written directly (the roster's and scanner's services are tested where
they live); registrations go through `bookings.services.register`, as everywhere. Test modules
import the fixtures they use from here.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone, translation

from attendance.models import Attendance, AttendanceRule
from bookings.models import Registration, Session
from bookings.services import register
from tests.bookings.factories import (
    ApplicantFactory,
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    mobile,
)
from tests.factories import UserFactory

Status = Attendance.Status
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """A moment in Yantai's time (UTC+8, no daylight saving)."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def programme(title: str = "基层党组织书记培训班", **rule) -> "ProgrammePageFactory":
    """A programme; with keyword arguments, its AttendanceRule."""
    page = ProgrammePageFactory(title=title)
    if rule:
        AttendanceRule.objects.create(programme=page, **rule)
    return page


def cohort(programme_page, title: str = "第1期", **kwargs):
    return CohortFactory(programme=programme_page, title=title, **kwargs)


def trainee(cohort_, *, name: str = "张晓明", phone: str = mobile(1), **kwargs) -> Registration:
    [registration] = register(
        cohort_.pk, applicants=[ApplicantFactory(name=name, phone=phone, **kwargs)]
    )
    return registration


def session(
    cohort_, starts_at: datetime.datetime, hours: str, *, cancelled: bool = False, title=""
) -> Session:
    return Session.objects.create(
        cohort=cohort_,
        title=title or f"专题讲座 {starts_at:%m-%d %H:%M}",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        study_hours=Decimal(hours),
        cancelled_at=timezone.now() if cancelled else None,
    )


def mark(session_: Session, registration: Registration, status: str) -> Attendance:
    attended = status in Attendance.ATTENDED
    return Attendance.objects.create(
        session=session_,
        registration=registration,
        status=status,
        source=Attendance.Source.ROSTER,
        checked_in_at=session_.starts_at if attended else None,
    )


def staff_user(role: str = "教务", username: str = "registrar"):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def programmes(site_tree):
    """The programme index the programmes are made under."""
    return ProgrammeIndexPageFactory()


@pytest.fixture
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def completed_cohort(programmes):
    """A cohort of five 2-hour sessions in March 2026 (10 scheduled hours, one more cancelled)
    under an 80 % rule with half credit for lateness, and three confirmed trainees:

    - 张晓明: present ×4, excused ×1: 8 h, 80 %, completes;
    - 李华: present ×3, late ×2 (half): 8 h, 80 %, completes;
    - 王芳: present ×4, absent ×1: 8 h, but an unexcused absence: does not complete.
    """
    page = programme(late_credit=AttendanceRule.LateCredit.HALF, completion_percent=80)
    group = cohort(page, starts_on=datetime.date(2026, 3, 2), ends_on=datetime.date(2026, 3, 7))
    sessions = [session(group, local(2026, 3, 2 + day), "2.0") for day in range(5)]
    cancelled = session(group, local(2026, 3, 7), "2.0", cancelled=True)
    zhang = trainee(group, name="张晓明", phone=mobile(1))
    li = trainee(group, name="李华", phone=mobile(2))
    wang = trainee(group, name="王芳", phone=mobile(3))
    for status, one in zip([Status.PRESENT] * 4 + [Status.EXCUSED], sessions, strict=True):
        mark(one, zhang, status)
    for status, one in zip([Status.PRESENT] * 3 + [Status.LATE] * 2, sessions, strict=True):
        mark(one, li, status)
    for status, one in zip([Status.PRESENT] * 4 + [Status.ABSENT], sessions, strict=True):
        mark(one, wang, status)
    mark(cancelled, wang, Status.PRESENT)
    return {"cohort": group, "sessions": sessions, "zhang": zhang, "li": li, "wang": wang}
