import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from bookings.models import Cohort, Session
from bookings.selectors import cohorts_with_seats, seats_left, timetable
from bookings.services import cancel_registration
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    SessionFactory,
    at_local,
    register_trainees,
)
from tests.factories import CoursePageFactory, TrainingBasePageFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def programme(site_tree):
    ProgrammeIndexPageFactory()
    return ProgrammePageFactory(title="基层党组织书记培训班", slug="secretaries")


def days_from_today(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def chinese(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


# Cohorts


def test_cohort_clean_refuses_a_last_day_before_the_first(programme):
    cohort = CohortFactory.build(
        programme=programme, starts_on=days_from_today(10), ends_on=days_from_today(9)
    )

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        cohort.full_clean()

    assert refused.value.message_dict["ends_on"] == ["结业日期不能早于开班日期。"]


def test_cohort_clean_refuses_registration_closing_before_it_opens(programme):
    now = timezone.now()
    cohort = CohortFactory.build(
        programme=programme, registration_opens_at=now, registration_closes_at=now
    )

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        cohort.full_clean()

    assert refused.value.message_dict["registration_closes_at"] == ["报名截止时间须晚于开始时间。"]


@pytest.mark.parametrize(
    "fields",
    [
        {"starts_on": datetime.date(2026, 5, 2), "ends_on": datetime.date(2026, 5, 1)},
        {
            "registration_opens_at": datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC),
            "registration_closes_at": datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC),
        },
    ],
    ids=["days", "registration window"],
)
def test_cohort_constraints_hold_in_the_database(programme, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        CohortFactory(programme=programme, **fields)

    assert Cohort.objects.count() == 0


def test_cohort_registration_open_includes_the_opening_and_excludes_the_closing(programme):
    cohort = CohortFactory(programme=programme)

    assert [
        cohort.accepts_registrations(cohort.registration_opens_at - datetime.timedelta(seconds=1)),
        cohort.accepts_registrations(cohort.registration_opens_at),
        cohort.accepts_registrations(cohort.registration_closes_at - datetime.timedelta(seconds=1)),
        cohort.accepts_registrations(cohort.registration_closes_at),
    ] == [False, True, True, False]


@pytest.mark.parametrize(
    ("starts", "ends", "opens", "closes", "label"),
    [
        (-5, -1, -20, -10, "已结束"),
        (-1, 1, -20, -10, "进行中"),
        (30, 32, 1, 20, "尚未开始报名"),
        (30, 32, -1, 20, "报名中"),
        (30, 32, -10, -1, "报名已截止"),
    ],
)
def test_cohort_status_label(programme, starts, ends, opens, closes, label):
    now = timezone.now()
    cohort = CohortFactory(
        programme=programme,
        starts_on=days_from_today(starts),
        ends_on=days_from_today(ends),
        registration_opens_at=now + opens * DAY,
        registration_closes_at=now + closes * DAY,
    )

    assert chinese(cohort.status_label) == label


def test_cohort_url_is_under_its_programme(programme):
    cohort = CohortFactory(programme=programme)

    assert cohort.get_url() == f"/programmes/secretaries/cohorts/{cohort.pk}/"
    assert str(cohort) == f"基层党组织书记培训班 {cohort.title}"


# Sessions


def test_session_clean_refuses_an_end_before_the_start(programme):
    cohort = CohortFactory(programme=programme)
    starts = at_local(cohort.starts_on, 9)
    session = SessionFactory.build(cohort=cohort, starts_at=starts, ends_at=starts)

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        session.full_clean()

    assert refused.value.message_dict["ends_at"] == ["课次结束时间须晚于开始时间。"]


def test_session_clean_needs_a_title_or_a_course(programme):
    session = SessionFactory.build(cohort=CohortFactory(programme=programme), title="")

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        session.full_clean()

    assert refused.value.message_dict["title"] == ["请填写课次名称或选择课程。"]


def test_session_constraint_holds_in_the_database(programme):
    cohort = CohortFactory(programme=programme)
    starts = at_local(cohort.starts_on, 9)

    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(cohort=cohort, starts_at=starts, ends_at=starts - DAY)

    assert Session.objects.count() == 0


def test_session_title_and_place_come_from_its_course_and_base(programme):
    course = CoursePageFactory(title="红色物业现场教学")
    base = TrainingBasePageFactory(title="向阳街道党群服务中心")

    session = SessionFactory(
        cohort=CohortFactory(programme=programme), title="", course=course, base=base, room=""
    )

    assert (session.display_title, session.place) == ("红色物业现场教学", "向阳街道党群服务中心")


def test_session_has_dependants_once_someone_registered(programme):
    cohort = CohortFactory(programme=programme)
    session = SessionFactory(cohort=cohort)
    before = session.has_dependants()

    register_trainees(cohort, 1)

    assert (before, session.has_dependants()) == (False, True)


def test_session_queryset_scheduled_and_overlapping(programme):
    cohort = CohortFactory(programme=programme)
    day = cohort.starts_on
    morning = SessionFactory(cohort=cohort, starts_at=at_local(day, 9), ends_at=at_local(day, 11))
    noon = SessionFactory(cohort=cohort, starts_at=at_local(day, 11), ends_at=at_local(day, 12))
    cancelled = SessionFactory(
        cohort=cohort,
        starts_at=at_local(day, 10),
        ends_at=at_local(day, 12),
        cancelled_at=timezone.now(),
    )

    overlapping = Session.objects.overlapping(at_local(day, 10), at_local(day, 11))

    assert set(overlapping) == {morning, cancelled}
    assert set(overlapping.scheduled()) == {morning}
    assert set(Session.objects.scheduled()) == {morning, noon}


# Selectors


def test_cohorts_with_seats_counts_seats_and_the_waiting_list(programme):
    cohort = CohortFactory(programme=programme, capacity=2, requires_approval=True)
    [pending, _other, _waiting, cancelled] = register_trainees(cohort, 4)
    cancel_registration(cancelled)
    cancel_registration(pending)

    annotated = cohorts_with_seats(Cohort.objects.filter(pk=cohort.pk)).get()

    assert (annotated.seats_taken, annotated.waitlisted) == (2, 0)
    assert seats_left(annotated) == 0


def test_seats_left_is_never_negative(programme):
    cohort = CohortFactory(programme=programme, capacity=3)
    register_trainees(cohort, 3)
    Cohort.objects.filter(pk=cohort.pk).update(capacity=1)

    annotated = cohorts_with_seats(Cohort.objects.filter(pk=cohort.pk)).get()

    assert (annotated.seats_taken, seats_left(annotated)) == (3, 0)


def test_timetable_groups_sessions_by_local_day(programme):
    cohort = CohortFactory(programme=programme)
    first, second = cohort.starts_on, cohort.starts_on + DAY
    # 07:00 in Yantai is 23:00 UTC the day before: it belongs to the local day.
    early = SessionFactory(
        cohort=cohort, starts_at=at_local(second, 7), ends_at=at_local(second, 8)
    )
    afternoon = SessionFactory(
        cohort=cohort, starts_at=at_local(first, 14), ends_at=at_local(first, 16)
    )
    morning = SessionFactory(
        cohort=cohort, starts_at=at_local(first, 9), ends_at=at_local(first, 11)
    )
    SessionFactory(cohort=CohortFactory(programme=programme))

    assert timetable(cohort) == [(first, [morning, afternoon]), (second, [early])]


def test_timetable_of_a_cohort_without_sessions_is_empty(programme):
    assert timetable(CohortFactory(programme=programme)) == []


# Pages


def test_programme_page_lists_its_cohorts_newest_first(client, programme):
    older = CohortFactory(programme=programme, title="第1期", starts_on=days_from_today(-60))
    older.ends_on = older.starts_on + DAY
    older.save()
    newer = CohortFactory(programme=programme, title="第2期")
    CohortFactory(programme=ProgrammePageFactory(), title="别的班")

    response = client.get("/programmes/secretaries/")

    assert response.status_code == 200
    assert [cohort.pk for cohort in response.context["cohorts"]] == [newer.pk, older.pk]
    page = response.content.decode()
    assert newer.get_url() in page
    assert "别的班" not in page


@pytest.mark.parametrize(
    ("cohort_fields", "registered", "seats"),
    [
        ({"capacity": 3}, 1, "剩余 2 个名额"),
        ({"capacity": 2}, 2, "已满 · 可候补"),
        ({"capacity": 2, "waitlist_capacity": 1}, 2, "已满 · 可候补"),
        ({"capacity": 2, "waitlist_capacity": 1}, 3, "已满"),
        ({"capacity": 2, "waitlist_enabled": False}, 2, "已满"),
    ],
)
def test_programme_page_cohort_row_says_what_a_new_registration_would_get(
    client, programme, cohort_fields, registered, seats
):
    cohort = CohortFactory(programme=programme, **cohort_fields)
    register_trainees(cohort, registered)

    page = client.get("/programmes/secretaries/").content.decode()

    shown = re.search(r'<span class="cohort-row__seats">\s*(.*?)\s*</span>', page, re.S)
    assert shown.group(1) == seats


@pytest.mark.parametrize(("ends_in_days", "past"), [(-1, True), (0, False)])
def test_programme_page_marks_a_cohort_past_once_its_last_day_is_over(
    client, programme, ends_in_days, past
):
    CohortFactory(
        programme=programme,
        starts_on=days_from_today(-3),
        ends_on=days_from_today(ends_in_days),
    )

    page = client.get("/programmes/secretaries/").content.decode()

    assert ("cohort-row--past" in page) is past
    assert ('class="cohort-row__seats"' in page) is not past


def test_programme_index_shows_only_upcoming_cohorts(client, programme):
    past = CohortFactory(
        programme=programme,
        title="第1期",
        starts_on=days_from_today(-10),
        ends_on=days_from_today(-8),
    )
    upcoming = CohortFactory(programme=programme, title="第2期")
    other = ProgrammePageFactory(title="社区工作者培训班")

    response = client.get("/programmes/")

    assert response.status_code == 200
    programmes = response.context["programmes"]
    assert [programme.title for programme in programmes] == [
        "基层党组织书记培训班",
        "社区工作者培训班",
    ]
    assert [[cohort.pk for cohort in p.upcoming_cohorts] for p in programmes] == [
        [upcoming.pk],
        [],
    ]
    page = response.content.decode()
    assert upcoming.get_url() in page
    assert past.get_url() not in page
    assert other.title in page


def test_programme_index_queries_do_not_grow_with_programmes(count_queries, programme):
    CohortFactory(programme=programme)
    one = count_queries("/programmes/")
    for _ in range(2):
        CohortFactory(programme=ProgrammePageFactory())

    three = count_queries("/programmes/")

    assert one == three


def test_cohort_page_queries_do_not_grow_with_sessions(count_queries, programme):
    cohort = CohortFactory(programme=programme)
    SessionFactory(cohort=cohort)
    one = count_queries(cohort.get_url())
    SessionFactory.create_batch(2, cohort=cohort, starts_at=at_local(cohort.ends_on, 9))

    three = count_queries(cohort.get_url())

    assert one == three


def test_cohort_page_of_an_unknown_cohort_is_not_found(client, programme):
    response = client.get("/programmes/secretaries/cohorts/999999/")

    assert response.status_code == 404
