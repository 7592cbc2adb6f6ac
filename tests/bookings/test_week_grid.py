"""A cohort's week grid (issue 10): the admin's 周课表 with double bookings, the public one."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.selectors import cohort_sessions
from bookings.services.timetable import cancel_session, clashes_of
from bookings.timetable_grid import AFTERNOON, EVENING, MORNING, week_grid
from tests.bookings.factories import CohortFactory, at_local
from tests.bookings.helpers import make_session
from tests.factories import LecturerPageFactory, TrainingBasePageFactory, UserFactory

pytestmark = pytest.mark.django_db


def next_monday(weeks_ahead: int = 4) -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(weeks=weeks_ahead)
    return day - datetime.timedelta(days=day.weekday())


@pytest.fixture
def monday():
    return next_monday()


@pytest.fixture
def week_cohort(programme, monday):
    """Monday to Friday of one week."""
    return CohortFactory(
        programme=programme,
        title="第1期",
        starts_on=monday,
        ends_on=monday + datetime.timedelta(days=4),
    )


def week_url(cohort) -> str:
    return reverse("wagtailsnippets_bookings_cohort:week", args=[cohort.pk])


def user_in(group_name: str):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return user


def row(week, period):
    return next(row for row in week.rows if row.period == period)


def sessions_in(cell):
    return [item.session for item in cell]


@pytest.fixture
def clash(week_cohort, monday, programme):
    """王建国 teaches this cohort on Wednesday afternoon and another cohort at the same time."""
    lecturer = LecturerPageFactory(title="王建国")
    ours = make_session(
        week_cohort,
        title="基层治理专题",
        starts_at=at_local(monday + datetime.timedelta(days=2), 14),
        lecturers=[lecturer],
        room="学院301教室",
    )
    other_cohort = CohortFactory(programme=programme, title="第2期", starts_on=monday)
    theirs = make_session(
        other_cohort,
        title="红色物业现场教学",
        starts_at=at_local(monday + datetime.timedelta(days=2), 15),
        lecturers=[lecturer],
        room="学院202教室",
    )
    return ours, theirs


# -- the builder ---------------------------------------------------------------------------


def test_week_grid_puts_a_wednesday_afternoon_session_in_that_cell(week_cohort, monday):
    session = make_session(
        week_cohort, starts_at=at_local(monday + datetime.timedelta(days=2), 14, 30)
    )

    [week] = week_grid(week_cohort, cohort_sessions(week_cohort))

    assert [day.date for day in week.days] == [
        monday + datetime.timedelta(days=offset) for offset in range(7)
    ]
    assert [grid_row.period for grid_row in week.rows] == [MORNING, AFTERNOON]
    cells = row(week, AFTERNOON).cells
    assert sessions_in(cells[2]) == [session]
    assert [sessions_in(cell) for index, cell in enumerate(cells) if index != 2] == [[]] * 6
    assert all(cell == [] for cell in row(week, MORNING).cells)


def test_week_grid_spans_every_week_of_the_cohort_monday_to_sunday(programme, monday):
    # Thursday to the Tuesday after: two weeks, the weekend inside, Mon–Wed outside.
    cohort = CohortFactory(
        programme=programme,
        starts_on=monday + datetime.timedelta(days=3),
        ends_on=monday + datetime.timedelta(days=8),
    )
    evening = make_session(cohort, starts_at=at_local(monday + datetime.timedelta(days=7), 19))

    weeks = week_grid(cohort, cohort_sessions(cohort))

    assert [week.first_day for week in weeks] == [monday, monday + datetime.timedelta(days=7)]
    assert [day.in_cohort for day in weeks[0].days] == [False] * 3 + [True] * 4
    assert [day.in_cohort for day in weeks[1].days] == [True] * 2 + [False] * 5
    # The evening row only in the week that has an evening session.
    assert [grid_row.period for grid_row in weeks[0].rows] == [MORNING, AFTERNOON]
    assert sessions_in(row(weeks[1], EVENING).cells[0]) == [evening]


def test_week_grid_stacks_a_cells_sessions_by_start(week_cohort, monday):
    later = make_session(week_cohort, starts_at=at_local(monday, 10, 30), room="学院201教室")
    earlier = make_session(week_cohort, starts_at=at_local(monday, 8), room="学院202教室")

    [week] = week_grid(week_cohort, cohort_sessions(week_cohort))

    assert sessions_in(row(week, MORNING).cells[0]) == [earlier, later]


def test_clashes_of_names_the_other_session_and_what_they_share(clash):
    ours, theirs = clash

    clashes = clashes_of(cohort_sessions(ours.cohort))

    [found] = clashes[ours.pk]
    assert found.other == theirs
    assert found.shared == ["讲师 王建国"]
    assert "红色物业现场教学" in found.message
    assert "讲师 王建国" in found.message


def test_clashes_of_ignores_cancelled_sessions(clash):
    ours, theirs = clash
    cancel_session(theirs.pk, by=None)

    assert clashes_of(cohort_sessions(ours.cohort)) == {}


def test_clashes_of_finds_a_room_shared_inside_the_cohort(week_cohort, monday):
    base = TrainingBasePageFactory(title="向阳街道党群服务中心")
    first = make_session(week_cohort, starts_at=at_local(monday, 9), base=None, room="301")
    second = make_session(week_cohort, starts_at=at_local(monday, 10), base=None, room=" 301 ")
    elsewhere = make_session(week_cohort, starts_at=at_local(monday, 9), base=base, room="301")

    clashes = clashes_of(cohort_sessions(week_cohort))

    assert [found.other for found in clashes[first.pk]] == [second]
    assert [found.other for found in clashes[second.pk]] == [first]
    assert elsewhere.pk not in clashes


# -- the admin's 周课表 -----------------------------------------------------------------------


def test_week_view_shows_a_clash_in_red_with_what_it_clashes_with(client, clash):
    ours, _theirs = clash
    client.force_login(user_in("教务"))

    response = client.get(week_url(ours.cohort))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("week-grid__session--clash") == 1
    assert "week-grid__clashes" in page
    assert "“红色物业现场教学”" in page
    assert "讲师 王建国" in page


def test_week_view_strikes_through_a_cancelled_session(client, week_cohort, monday):
    session = make_session(week_cohort, title="已取消的讲座", starts_at=at_local(monday, 9))
    cancel_session(session.pk, by=None)
    client.force_login(user_in("教务"))

    page = client.get(week_url(week_cohort)).content.decode()

    assert "week-grid__session--cancelled" in page
    edit_url = reverse("wagtailsnippets_bookings_session:edit", args=[session.pk])
    assert f'<s><a href="{edit_url}">已取消的讲座</a></s>' in page


@pytest.mark.parametrize(
    ("group_name", "allowed"),
    [("教务", True), ("学院管理员", True), ("内容编辑", False), ("讲师", False)],
)
def test_week_view_answers_those_who_may_see_cohorts(client, clash, group_name, allowed):
    ours, _theirs = clash
    client.force_login(user_in(group_name))

    response = client.get(week_url(ours.cohort))

    if allowed:
        assert response.status_code == 200
        assert "基层治理专题" in response.content.decode()
    else:
        assert response.status_code == 302
        assert response.url == reverse("wagtailadmin_home")


def test_cohort_listing_links_each_cohort_to_its_week_view(client, week_cohort):
    client.force_login(user_in("教务"))

    page = client.get(reverse("wagtailsnippets_bookings_cohort:list")).content.decode()

    assert f'href="{week_url(week_cohort)}"' in page
    assert "周课表" in page


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_sessions(cohort, monday, count, lecturer):
    for day in range(count):
        make_session(
            cohort,
            starts_at=at_local(monday + datetime.timedelta(days=day), 14),
            lecturers=[lecturer, LecturerPageFactory()],
            room=f"学院30{day}教室",
        )


def test_week_view_runs_the_same_queries_for_one_session_or_three(
    client, week_cohort, monday, programme
):
    lecturer = LecturerPageFactory()
    client.force_login(user_in("教务"))
    add_sessions(week_cohort, monday, 1, lecturer)
    other = CohortFactory(programme=programme, starts_on=monday)
    add_sessions(other, monday, 1, lecturer)
    one = queries_for(client, week_url(week_cohort))

    add_sessions(week_cohort, monday + datetime.timedelta(days=1), 2, lecturer)
    add_sessions(other, monday + datetime.timedelta(days=1), 2, lecturer)
    three = queries_for(client, week_url(week_cohort))

    assert three == one


# -- the public cohort page ----------------------------------------------------------------


def test_cohort_page_shows_the_grid_without_clashes(client, clash):
    ours, _theirs = clash

    page = client.get(ours.cohort.get_url()).content.decode()

    assert 'class="week-grid"' in page
    assert "week-grid__session" in page
    assert "基层治理专题" in page
    assert "week-grid__session--clash" not in page
    assert "week-grid__clashes" not in page
    assert "红色物业现场教学" not in page
    # The day-by-day list stays, for phones.
    assert 'class="timetable"' in page


def test_cohort_page_runs_the_same_queries_for_one_session_or_three(client, week_cohort, monday):
    lecturer = LecturerPageFactory()
    add_sessions(week_cohort, monday, 1, lecturer)
    one = queries_for(client, week_cohort.get_url())

    add_sessions(week_cohort, monday + datetime.timedelta(days=1), 2, lecturer)
    three = queries_for(client, week_cohort.get_url())

    assert three == one
