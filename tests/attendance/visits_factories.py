"""Objects the tests of evaluations, study visits and figures share (plain functions: the
attendance app's conftest is shared with other work)."""

import datetime

from django.contrib.auth.models import Group

from attendance.models import Attendance, StudyVisit
from attendance.services_evaluations import Scores, evaluate
from bookings.models.cohorts import academy_today
from tests.bookings.factories import mobile
from tests.factories import UserFactory


def attend(registration, session, status=Attendance.Status.PRESENT) -> Attendance:
    """An attendance as the roster would record it."""
    return Attendance.objects.create(
        session=session,
        registration=registration,
        status=status,
        source=Attendance.Source.ROSTER,
        checked_in_at=session.starts_at,
    )


def rate(registration, session, scores=(5, 4, 4, 3), comment="") -> None:
    content, delivery, usefulness, organisation = scores
    evaluate(
        registration,
        session,
        scores=Scores(content, delivery, usefulness, organisation, comment),
    )


def user_in(group_name: str, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def study_visit(*, bases=(), actual=None, days_ago=3, serial=500, **kwargs) -> StudyVisit:
    values = {
        "organisation": "江苏省南京市鼓楼区委组织部",
        "province": "江苏省",
        "city": "南京市",
        "contact_name": "周科长",
        "contact_phone": mobile(serial),
        "visited_on": academy_today() - datetime.timedelta(days=days_ago),
        "planned_headcount": 30,
        "actual_headcount": actual,
    } | kwargs
    visit = StudyVisit.objects.create(**values)
    visit.bases.set(bases)
    return visit
