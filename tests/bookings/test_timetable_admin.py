"""The cohort and timetable screens in the Wagtail admin: seats, double-booking, cancelling."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Cohort, Registration, Session
from bookings.services.timetable import session_conflicts
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    at_local,
    register_trainees,
)
from tests.bookings.helpers import make_session, messages_of
from tests.factories import LecturerPageFactory, TrainingBasePageFactory

pytestmark = pytest.mark.django_db

COHORTS_URL = "/admin/snippets/bookings/cohort/"
SESSIONS_URL = "/admin/snippets/bookings/session/"
Status = Registration.Status


@pytest.fixture
def programme(site_tree):
    ProgrammeIndexPageFactory()
    return ProgrammePageFactory(title="基层党组织书记培训班")


@pytest.fixture
def cohort(programme):
    return CohortFactory(programme=programme, title="第1期", capacity=2)


def local_text(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def session_form(cohort, *, starts_at, hours=2, lecturers=(), base=None, room="", **fields):
    return {
        "cohort": cohort.pk,
        "course": "",
        "title": "党的建设专题讲座",
        "starts_at": local_text(starts_at),
        "ends_at": local_text(starts_at + datetime.timedelta(hours=hours)),
        "lecturers": [lecturer.pk for lecturer in lecturers],
        "base": base.pk if base else "",
        "room": room,
        "study_hours": "2.0",
        **fields,
    }


def edit_form(session, **fields) -> dict:
    data = session_form(
        session.cohort,
        starts_at=session.starts_at,
        hours=(session.ends_at - session.starts_at).total_seconds() / 3600,
        lecturers=list(session.lecturers.all()),
        base=session.base,
        room=session.room,
        title=session.title,
    )
    data.update(fields)
    return data


# Cohorts


def test_cohort_list_shows_seat_counters_and_links(admin_client, cohort):
    cohort.capacity = 1
    cohort.save()
    register_trainees(cohort, 3)

    response = admin_client.get(COHORTS_URL)

    assert response.status_code == 200
    [listed] = response.context["object_list"]
    assert (listed.seats_taken, listed.waitlisted) == (1, 2)
    content = response.content.decode()
    assert f"{SESSIONS_URL}?cohort={cohort.pk}" in content
    assert f"/admin/snippets/bookings/registration/?cohort={cohort.pk}" in content


def test_cohort_list_filters_by_programme(admin_client, cohort):
    other = CohortFactory(programme=ProgrammePageFactory())

    response = admin_client.get(COHORTS_URL, {"programme": other.programme.pk})

    assert [listed.pk for listed in response.context["object_list"]] == [other.pk]


@pytest.mark.parametrize("period", ["upcoming", "running", "finished"])
def test_cohort_list_filters_by_period(admin_client, programme, period):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    cohorts = {
        "upcoming": CohortFactory(programme=programme, starts_on=today + day, ends_on=today + day),
        "running": CohortFactory(programme=programme, starts_on=today - day, ends_on=today + day),
        "finished": CohortFactory(programme=programme, starts_on=today - day, ends_on=today - day),
    }

    response = admin_client.get(COHORTS_URL, {"period": period})

    assert [listed.pk for listed in response.context["object_list"]] == [cohorts[period].pk]


def count_queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("url", [COHORTS_URL, SESSIONS_URL])
def test_timetable_lists_queries_do_not_grow_with_rows(admin_client, cohort, url):
    lecturers = [LecturerPageFactory(), LecturerPageFactory()]
    register_trainees(cohort, 1)
    make_session(cohort, lecturers=lecturers)
    one = count_queries(admin_client, url)

    for _ in range(2):
        other = CohortFactory(programme=cohort.programme)
        register_trainees(other, 1)
        make_session(other, lecturers=lecturers, base=TrainingBasePageFactory())
    three = count_queries(admin_client, url)

    assert three == one


def cohort_form(cohort, **fields) -> dict:
    data = {
        "programme": cohort.programme_id,
        "title": cohort.title,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "capacity": cohort.capacity,
        "registration_opens_at": local_text(cohort.registration_opens_at),
        "registration_closes_at": local_text(cohort.registration_closes_at),
        "waitlist_enabled": "on",
        "waitlist_capacity": "",
        "audience": "",
        "location": "",
        "contact_name": "",
        "contact_phone": "",
    }
    data.update(fields)
    return data


def test_cohort_capacity_below_seats_taken_is_refused(admin_client, cohort):
    register_trainees(cohort, 2)

    response = admin_client.post(f"{COHORTS_URL}edit/{cohort.pk}/", cohort_form(cohort, capacity=1))

    assert response.status_code == 200
    assert "capacity" in response.context["form"].errors
    assert Cohort.objects.get(pk=cohort.pk).capacity == 2


def test_cohort_capacity_raised_promotes_the_waiting_list(admin_client, cohort):
    *_seated, waiting = register_trainees(cohort, 3)

    response = admin_client.post(f"{COHORTS_URL}edit/{cohort.pk}/", cohort_form(cohort, capacity=3))

    assert response.status_code == 302
    assert Registration.objects.get(pk=waiting.pk).status == Status.CONFIRMED


def test_cohort_with_registrations_cannot_be_deleted(admin_client, cohort):
    register_trainees(cohort, 1)

    response = admin_client.post(f"{COHORTS_URL}delete/{cohort.pk}/")

    assert response.status_code == 302
    assert Cohort.objects.filter(pk=cohort.pk).exists()
    assert [level for level, _text in messages_of(response)] == ["error"]


def test_cohort_without_registrations_or_sessions_can_be_deleted(admin_client, cohort):
    response = admin_client.post(f"{COHORTS_URL}delete/{cohort.pk}/")

    assert response.status_code == 302
    assert not Cohort.objects.filter(pk=cohort.pk).exists()


# Sessions: listing


def test_session_list_filters_by_cohort(admin_client, cohort):
    mine = make_session(cohort, lecturers=[LecturerPageFactory()])
    make_session(CohortFactory(programme=cohort.programme))

    response = admin_client.get(SESSIONS_URL, {"cohort": cohort.pk})

    assert response.status_code == 200
    assert [listed.pk for listed in response.context["object_list"]] == [mine.pk]
    assert f"add/?cohort={cohort.pk}" in response.content.decode()


def test_session_add_form_takes_cohort_from_the_listing(admin_client, cohort):
    response = admin_client.get(f"{SESSIONS_URL}add/", {"cohort": cohort.pk})

    assert response.status_code == 200
    assert response.context["form"].initial["cohort"] == cohort.pk


def test_session_form_lists_lecturers_as_checkboxes_with_a_filter(admin_client, cohort):
    LecturerPageFactory(title="王海燕")
    LecturerPageFactory(title="李建国")

    page = admin_client.get(f"{SESSIONS_URL}add/", {"cohort": cohort.pk}).content.decode()

    assert page.count('type="checkbox" name="lecturers"') == 2
    assert "data-filterable-checkboxes-filter" in page
    assert 'placeholder="输入姓名的一部分"' in page
    assert "js/filterable-checkboxes.js" in page


# Sessions: double booking


@pytest.fixture
def booked(cohort):
    """9:00–11:00 on the cohort's first day, with a lecturer, in the academy's room 学院301教室."""
    return make_session(
        cohort,
        title="党史专题报告",
        starts_at=at_local(cohort.starts_on, 9),
        lecturers=[LecturerPageFactory(title="王教授")],
        room="学院301教室",
    )


@pytest.fixture
def booked_at_base(cohort):
    """9:00–11:00 on the cohort's first day at a training base, in its room 二楼会议室."""
    return make_session(
        cohort,
        title="红色物业现场教学",
        starts_at=at_local(cohort.starts_on, 9),
        base=TrainingBasePageFactory(title="向阳街道党群服务中心"),
        room="二楼会议室",
    )


@pytest.mark.parametrize("shared", ["lecturer", "base", "room"])
def test_session_double_booking_is_refused(admin_client, cohort, booked, booked_at_base, shared):
    """The new session shares one thing with one of the two booked sessions."""
    clash = booked_at_base if shared == "base" else booked
    place = {
        "lecturers": list(booked.lecturers.all()) if shared == "lecturer" else [],
        "base": booked_at_base.base if shared == "base" else None,
        "room": {"lecturer": "学院302教室", "base": "三楼会议室", "room": " 学院301教室 "}[shared],
    }
    other_cohort = CohortFactory(programme=cohort.programme)
    data = session_form(other_cohort, starts_at=at_local(cohort.starts_on, 10), hours=2, **place)

    response = admin_client.post(f"{SESSIONS_URL}add/", data)

    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors().as_data()
    assert error.code == "double_booking"
    [message] = error.messages
    assert clash.title in message
    assert local_text(clash.starts_at) in message
    assert message in response.content.decode()
    assert Session.objects.count() == 2


@pytest.mark.parametrize("place", ["another-base", "academy"])
def test_session_in_a_room_named_like_a_base_room_elsewhere_saves(
    admin_client, cohort, booked_at_base, place
):
    other_base = (
        TrainingBasePageFactory(title="只楚街道党群服务中心") if place == "another-base" else None
    )
    data = session_form(
        CohortFactory(programme=cohort.programme),
        starts_at=booked_at_base.starts_at,
        base=other_base,
        room="二楼会议室",
    )

    response = admin_client.post(f"{SESSIONS_URL}add/", data)

    assert response.status_code == 302
    created = Session.objects.exclude(pk=booked_at_base.pk).get()
    assert (created.base, created.room) == (other_base, "二楼会议室")


def test_session_touching_another_is_not_a_double_booking(admin_client, cohort, booked):
    data = session_form(
        cohort, starts_at=booked.ends_at, lecturers=booked.lecturers.all(), room=booked.room
    )

    response = admin_client.post(f"{SESSIONS_URL}add/", data)

    assert response.status_code == 302
    assert Session.objects.count() == 2


def test_session_overlapping_a_cancelled_one_saves(admin_client, cohort, booked):
    booked.cancelled_at = timezone.now()
    booked.save()

    response = admin_client.post(
        f"{SESSIONS_URL}add/",
        session_form(cohort, starts_at=booked.starts_at, lecturers=booked.lecturers.all()),
    )

    assert response.status_code == 302
    assert Session.objects.count() == 2


def test_session_without_shared_place_or_lecturer_saves(admin_client, cohort, booked):
    lecturer = LecturerPageFactory()
    data = session_form(
        cohort, starts_at=booked.starts_at, lecturers=[lecturer], room="学院302教室"
    )

    response = admin_client.post(f"{SESSIONS_URL}add/", data)

    assert response.status_code == 302
    created = Session.objects.exclude(pk=booked.pk).get()
    assert list(created.lecturers.all()) == [lecturer]
    assert created.sequence == 0
    assert [level for level, _text in messages_of(response)] == ["success"]


def test_session_editing_itself_is_not_a_conflict(admin_client, booked):
    response = admin_client.post(f"{SESSIONS_URL}edit/{booked.pk}/", edit_form(booked))

    assert response.status_code == 302


def test_session_conflicts_compares_rooms_without_spaces(cohort, booked):
    conflicts = session_conflicts(
        starts_at=booked.starts_at,
        ends_at=booked.ends_at,
        lecturers=[],
        base=None,
        room="  学院301教室",
    )

    assert list(conflicts) == [booked]


@pytest.mark.parametrize(
    ("booked_base", "base", "clashes"),
    [("A", "B", False), ("A", None, False), (None, "A", False), (None, None, True)],
    ids=["another-base", "base-then-academy", "academy-then-base", "academy"],
)
def test_session_conflicts_shares_a_room_only_at_the_same_place(cohort, booked_base, base, clashes):
    """A base is booked whole, so only the academy's rooms can clash by the room alone."""
    bases = {"A": TrainingBasePageFactory(), "B": TrainingBasePageFactory(), None: None}
    booked = make_session(cohort, base=bases[booked_base], room="二楼会议室")

    conflicts = session_conflicts(
        starts_at=booked.starts_at,
        ends_at=booked.ends_at,
        lecturers=[],
        base=bases[base],
        room="二楼会议室",
    )

    assert list(conflicts) == ([booked] if clashes else [])


def test_session_conflicts_ignores_an_empty_room(cohort):
    make_session(cohort, room="")

    conflicts = session_conflicts(
        starts_at=at_local(cohort.starts_on, 9),
        ends_at=at_local(cohort.starts_on, 11),
        lecturers=[],
        base=None,
        room="  ",
    )

    assert list(conflicts) == []


def test_session_outside_cohort_dates_saves_with_a_warning(admin_client, cohort):
    day_before = cohort.starts_on - datetime.timedelta(days=1)

    response = admin_client.post(
        f"{SESSIONS_URL}add/", session_form(cohort, starts_at=at_local(day_before, 9))
    )

    assert response.status_code == 302
    assert Session.objects.count() == 1
    levels = [level for level, _text in messages_of(response)]
    assert levels == ["success", "warning"]


def test_session_ending_at_midnight_of_the_last_day_gets_no_warning(admin_client, cohort):
    starts_at = at_local(cohort.ends_on, 22)

    response = admin_client.post(
        f"{SESSIONS_URL}add/", session_form(cohort, starts_at=starts_at, hours=2)
    )

    assert [level for level, _text in messages_of(response)] == ["success"]


# Sessions: sequence


@pytest.mark.parametrize(
    ("change", "bumped"),
    [
        ({"starts_at": "+1h"}, True),
        ({"room": "学院302教室"}, True),
        ({"lecturers": "another"}, True),
        ({"base": "a base"}, True),
        ({"title": "新的题目"}, False),
        ({}, False),
    ],
    ids=["time", "room", "lecturers", "base", "title", "nothing"],
)
def test_session_edit_bumps_sequence_on_time_place_or_lecturers(
    admin_client, booked, change, bumped
):
    fields = dict(change)
    if fields.get("starts_at") == "+1h":
        fields["starts_at"] = local_text(booked.starts_at + datetime.timedelta(hours=1))
        fields["ends_at"] = local_text(booked.ends_at + datetime.timedelta(hours=1))
    if fields.get("lecturers") == "another":
        fields["lecturers"] = [LecturerPageFactory().pk]
    if fields.get("base") == "a base":
        fields["base"] = TrainingBasePageFactory().pk

    response = admin_client.post(f"{SESSIONS_URL}edit/{booked.pk}/", edit_form(booked, **fields))

    assert response.status_code == 302
    assert Session.objects.get(pk=booked.pk).sequence == (1 if bumped else 0)


# Sessions: delete, cancel, restore


def test_session_with_registrations_cannot_be_deleted(admin_client, cohort, booked):
    register_trainees(cohort, 1)

    page = admin_client.get(f"{SESSIONS_URL}delete/{booked.pk}/")
    response = admin_client.post(f"{SESSIONS_URL}delete/{booked.pk}/")

    assert page.status_code == 302
    assert response.status_code == 302
    assert response["Location"] == f"{SESSIONS_URL}edit/{booked.pk}/"
    assert Session.objects.filter(pk=booked.pk).exists()
    assert [level for level, _text in messages_of(response)][-1] == "error"


def test_session_without_registrations_can_be_deleted(admin_client, booked):
    response = admin_client.post(f"{SESSIONS_URL}delete/{booked.pk}/")

    assert response.status_code == 302
    assert not Session.objects.filter(pk=booked.pk).exists()


def bulk_delete_url(sessions) -> str:
    ids = "&".join(f"id={session.pk}" for session in sessions)
    return f"/admin/bulk/bookings/session/delete/?next={SESSIONS_URL}&{ids}"


def test_session_bulk_delete_is_refused_when_one_has_registrations(admin_client, cohort, booked):
    free = make_session(CohortFactory(programme=cohort.programme))
    register_trainees(cohort, 1)

    page = admin_client.get(bulk_delete_url([booked, free]))
    response = admin_client.post(bulk_delete_url([booked, free]))

    assert page.status_code == 200
    assert [entry["item"].pk for entry in page.context["refusals"]] == [booked.pk]
    assert response.status_code == 302
    assert Session.objects.filter(pk__in=[booked.pk, free.pk]).count() == 2


def test_session_bulk_delete_without_registrations_works(admin_client, cohort, booked):
    free = make_session(CohortFactory(programme=cohort.programme))

    response = admin_client.post(bulk_delete_url([booked, free]))

    assert response.status_code == 302
    assert not Session.objects.filter(pk__in=[booked.pk, free.pk]).exists()


def test_session_cancel_asks_then_cancels_and_bumps_sequence(admin_client, booked):
    page = admin_client.get(f"{SESSIONS_URL}cancel/{booked.pk}/")
    response = admin_client.post(f"{SESSIONS_URL}cancel/{booked.pk}/", {"next": SESSIONS_URL})

    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == SESSIONS_URL
    cancelled = Session.objects.get(pk=booked.pk)
    assert cancelled.cancelled_at is not None
    assert cancelled.sequence == 1


def test_session_cancel_page_changes_nothing(admin_client, booked):
    admin_client.get(f"{SESSIONS_URL}cancel/{booked.pk}/")

    assert Session.objects.get(pk=booked.pk).cancelled_at is None


def test_session_restore_undoes_cancel(admin_client, booked):
    admin_client.post(f"{SESSIONS_URL}cancel/{booked.pk}/")

    response = admin_client.post(f"{SESSIONS_URL}restore/{booked.pk}/")

    assert response.status_code == 302
    restored = Session.objects.get(pk=booked.pk)
    assert (restored.cancelled_at, restored.sequence) == (None, 2)


def test_session_restore_refuses_a_double_booking(admin_client, cohort, booked):
    admin_client.post(f"{SESSIONS_URL}cancel/{booked.pk}/")
    make_session(cohort, starts_at=booked.starts_at, room=booked.room)

    response = admin_client.post(f"{SESSIONS_URL}restore/{booked.pk}/")

    assert Session.objects.get(pk=booked.pk).cancelled_at is not None
    assert [level for level, _text in messages_of(response)][-1] == "error"


def test_session_listing_offers_cancel_and_restore(admin_client, cohort, booked):
    cancelled = make_session(cohort, starts_at=at_local(cohort.starts_on, 14), room="")
    cancelled.cancelled_at = timezone.now()
    cancelled.save()

    content = admin_client.get(SESSIONS_URL).content.decode()

    assert f"{SESSIONS_URL}cancel/{booked.pk}/" in content
    assert f"{SESSIONS_URL}restore/{cancelled.pk}/" in content
