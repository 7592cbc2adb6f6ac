"""Calendar feeds: every kind parsed back with icalendar, reschedules and cancellations, no
personal data in public feeds, private feeds behind their token, HTTP caching, query counts."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings.calendars import build as calendars
from bookings.models import Registration, Session
from bookings.services import cancel_registration, register
from core.cache import CALENDAR_GENERATION_KEY, bump_generation
from tests.factories import CoursePageFactory, LecturerPageFactory, TrainingBasePageFactory

from .factories import (
    ApplicantFactory,
    CohortFactory,
    SessionFactory,
    register_trainees,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

# The feed's subject (cohort, base or lecturer; the academy's has none), its sessions, their
# cohorts, bases and lecturers (and courses, where sessions have one, as here they do not).
FEED_QUERIES = 5
PRIVATE_FEED_QUERIES = 5  # the registration instead of the subject


@pytest.fixture
def base(site_tree):
    return TrainingBasePageFactory(
        title="向阳街道党群服务中心",
        address="烟台市芝罘区向阳街道1号",
        latitude=Decimal("37.539297"),
        longitude=Decimal("121.391382"),
    )


@pytest.fixture
def lecturer(site_tree):
    return LecturerPageFactory(title="王海燕")


@pytest.fixture
def session(cohort, base, lecturer):
    course = CoursePageFactory(title="党建引领基层治理", study_hours=Decimal("3"))
    return SessionFactory(
        cohort=cohort,
        title="",
        course=course,
        base=base,
        room="二楼会议室",
        study_hours=Decimal("3.0"),
        lecturers=[lecturer],
    )


def text(response) -> str:
    """The feed with folded lines joined again, to look for a value in it."""
    return response.content.decode().replace("\r\n ", "")


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def assert_calendar_header(calendar: Calendar, name: str) -> None:
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == calendars.PRODID
    assert calendar["X-WR-CALNAME"] == name
    assert calendar["REFRESH-INTERVAL"].dt == datetime.timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar["X-PUBLISHED-TTL"] == "PT1H"
    [vtimezone] = calendar.walk("VTIMEZONE")
    assert vtimezone["TZID"] == "Asia/Shanghai"


def assert_session_event(event, session: Session, *, url: str) -> None:
    assert event["UID"] == f"{session.uid}@testserver"
    assert event["SEQUENCE"] == session.sequence
    assert event["DTSTAMP"].dt == session.updated_at.replace(microsecond=0)
    assert event["LAST-MODIFIED"].dt == session.updated_at.replace(microsecond=0)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTSTART"].dt == session.starts_at
    assert event["DTEND"].dt == session.ends_at
    assert str(event["DTSTART"].dt.tzinfo) == "Asia/Shanghai"
    assert event["SUMMARY"] == "党建引领基层治理"
    assert event["LOCATION"] == "向阳街道党群服务中心 二楼会议室，烟台市芝罘区向阳街道1号"
    assert event["GEO"].latitude == pytest.approx(37.539297)
    assert event["GEO"].longitude == pytest.approx(121.391382)
    assert event["URL"] == url
    assert event["STATUS"] == "CONFIRMED"
    description = str(event["DESCRIPTION"])
    assert description.splitlines()[:4] == [
        "基层党组织书记培训班 第1期",
        "讲师：王海燕",
        "形式：专题讲座",
        "学时：3",
    ]
    assert description.endswith(url)


def cohort_url(cohort) -> str:
    return f"http://testserver/programmes/secretaries/cohorts/{cohort.pk}/"


def test_cohort_feed_has_every_field(client, cohort, session):
    calendar = parse(client.get(reverse("calendar:cohort", args=[cohort.pk])))

    assert_calendar_header(calendar, "基层党组织书记培训班 第1期 课表")
    [event] = events(calendar)
    assert_session_event(event, session, url=cohort_url(cohort))


def test_base_lecturer_academy_and_session_feeds_parse(client, cohort, session, base, lecturer):
    urls = {
        reverse("calendar:base", args=[base.pk]): "向阳街道党群服务中心 课程安排",
        reverse("calendar:lecturer", args=[lecturer.pk]): "王海燕 授课安排",
        reverse("calendar:academy"): "烟台城市党建学院 课程安排",
        reverse("calendar:session", args=[session.uid]): "党建引领基层治理",
    }
    for url, name in urls.items():
        calendar = parse(client.get(url))
        assert_calendar_header(calendar, name)
        [event] = events(calendar)
        assert_session_event(event, session, url=cohort_url(cohort))


def test_lecturer_feed_has_only_their_teaching_sessions(client, cohort, session, lecturer):
    SessionFactory(cohort=cohort, lecturers=[LecturerPageFactory()])
    SessionFactory(cohort=cohort)

    calendar = parse(client.get(reverse("calendar:lecturer", args=[lecturer.pk])))

    assert [event["UID"] for event in events(calendar)] == [f"{session.uid}@testserver"]


def test_academy_feed_leaves_out_long_past_sessions_and_unpublished_programmes(
    client, cohort, session
):
    old = CohortFactory(
        programme=cohort.programme,
        starts_on=timezone.localdate() - datetime.timedelta(days=200),
        ends_on=timezone.localdate() - datetime.timedelta(days=199),
        registration_opens_at=timezone.now() - datetime.timedelta(days=300),
        registration_closes_at=timezone.now() - datetime.timedelta(days=250),
    )
    SessionFactory(cohort=old)

    calendar = parse(client.get(reverse("calendar:academy")))
    assert [event["UID"] for event in events(calendar)] == [f"{session.uid}@testserver"]

    cohort.programme.unpublish()
    assert events(parse(client.get(reverse("calendar:academy")))) == []
    assert client.get(reverse("calendar:cohort", args=[cohort.pk])).status_code == 404


def test_reschedule_raises_sequence_and_keeps_uid(client, admin_client, cohort, session):
    url = reverse("calendar:cohort", args=[cohort.pk])
    [before] = events(parse(client.get(url)))
    edit_url = reverse("wagtailsnippets_bookings_session:edit", args=[session.pk])
    form = admin_client.get(edit_url).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    data["lecturers"] = [lecturer.pk for lecturer in session.lecturers.all()]
    data["base"] = session.base_id
    data["course"] = session.course_id
    data["cohort"] = cohort.pk
    later = session.starts_at + datetime.timedelta(hours=5)
    data["starts_at"] = timezone.localtime(later).strftime("%Y-%m-%d %H:%M")
    data["ends_at"] = timezone.localtime(later + datetime.timedelta(hours=2)).strftime(
        "%Y-%m-%d %H:%M"
    )

    response = admin_client.post(edit_url, data)

    assert response.status_code == 302, response.context["form"].errors
    [after] = events(parse(client.get(url)))
    assert after["UID"] == before["UID"]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after["DTSTART"].dt == later


def test_cancelled_session_stays_in_feed_as_cancelled(client, admin_client, cohort, session):
    cancel_url = reverse("wagtailsnippets_bookings_session:cancel", args=[quote_pk(session)])

    assert admin_client.post(cancel_url).status_code == 302

    [event] = events(parse(client.get(reverse("calendar:cohort", args=[cohort.pk]))))
    assert event["UID"] == f"{session.uid}@testserver"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1


def quote_pk(session) -> str:
    return str(session.pk)


def test_public_feeds_hold_no_personal_data(client, cohort, session, base, lecturer):
    cohort.contact_phone = "0535-6688123"
    cohort.save()
    applicant = ApplicantFactory(
        phone="13905356688", email="li@example.org", id_number=valid_id_number(7)
    )
    [registration] = register(cohort.pk, applicants=[applicant])
    urls = [
        reverse("calendar:cohort", args=[cohort.pk]),
        reverse("calendar:base", args=[base.pk]),
        reverse("calendar:lecturer", args=[lecturer.pk]),
        reverse("calendar:academy"),
        reverse("calendar:session", args=[session.uid]),
    ]
    for url in urls:
        feed = text(client.get(url))
        for secret in (
            "13905356688",
            "0535",
            applicant.id_number,
            "li@example.org",
            registration.code,
            registration.name,
            registration.token,
        ):
            assert secret not in feed, (url, secret)
        assert not re.search(r"1[3-9]\d{9}", feed)


def test_private_feed_lists_own_sessions_with_code(client, cohort, session):
    [registration] = register_trainees(cohort, 1)

    calendar = parse(client.get(reverse("calendar:registration", args=[registration.token])))

    assert_calendar_header(calendar, "我的课表：基层党组织书记培训班 第1期")
    [event] = events(calendar)
    assert event["STATUS"] == "CONFIRMED"
    assert f"报名码：{registration.code}" in str(event["DESCRIPTION"])


def test_private_feed_of_cancelled_registration_cancels_every_event(client, cohort, session):
    [registration] = register_trainees(cohort, 1)
    url = reverse("calendar:registration", args=[registration.token])
    assert [e["STATUS"] for e in events(parse(client.get(url)))] == ["CONFIRMED"]

    cancel_registration(registration)

    [event] = events(parse(client.get(url)))
    assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", 1)


@pytest.mark.parametrize(
    "token", ["", "x", "nope" * 11, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]
)
def test_private_feed_unknown_token_is_a_plain_404(client, cohort, session, token):
    register_trainees(cohort, 1)

    response = client.get(f"/calendar/r/{token}.ics")

    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content
    assert b"registration" not in response.content.lower()


def test_reset_link_revokes_old_page_and_feed(client, cohort, session):
    [registration] = register_trainees(cohort, 1)
    old_token = registration.token
    old_feed = reverse("calendar:registration", args=[old_token])
    assert client.get(old_feed).status_code == 200

    response = client.post(reverse("bookings:reset_calendar", args=[old_token]))

    registration.refresh_from_db()
    assert registration.token != old_token
    assert response.status_code == 302
    assert response["Location"] == registration.get_absolute_url()
    assert client.get(old_feed).status_code == 404
    assert client.get(reverse("bookings:registration", args=[old_token])).status_code == 404
    new_feed = reverse("calendar:registration", args=[registration.token])
    assert client.get(new_feed).status_code == 200
    page = client.get(registration.get_absolute_url()).content.decode()
    assert new_feed in page
    assert old_token not in page


def test_reset_link_needs_post(client, cohort):
    [registration] = register_trainees(cohort, 1)

    response = client.get(reverse("bookings:reset_calendar", args=[registration.token]))

    assert response.status_code == 405
    assert Registration.objects.get().token == registration.token


def test_feed_answers_conditional_requests_with_304(client, cohort, session):
    url = reverse("calendar:cohort", args=[cohort.pk])
    response = client.get(url)
    etag, modified = response["ETag"], response["Last-Modified"]

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_feed_cache_is_invalidated_by_session_cohort_and_lecturer_changes(
    client, cohort, session, lecturer
):
    url = reverse("calendar:cohort", args=[cohort.pk])
    first = client.get(url)["ETag"]
    assert client.get(url)["ETag"] == first

    session.room = "三楼报告厅"
    session.save()
    second = client.get(url)
    assert second["ETag"] != first
    assert "三楼报告厅" in text(second)

    session.lecturers.add(LecturerPageFactory(title="李明"))
    third = client.get(url)
    assert "李明" in text(third)

    cohort.title = "第9期"
    cohort.save()
    assert "第9期" in text(client.get(url))

    lecturer.title = "王海燕教授"
    lecturer.save_revision().publish()
    assert "王海燕教授" in text(client.get(url))


def test_unpublished_base_and_lecturer_feeds_are_404(client, base, lecturer):
    base.unpublish()
    lecturer.unpublish()

    assert client.get(reverse("calendar:base", args=[base.pk])).status_code == 404
    assert client.get(reverse("calendar:lecturer", args=[lecturer.pk])).status_code == 404
    assert client.get(f"/calendar/sessions/{uuid.uuid4()}.ics").status_code == 404


def uncached_queries(client, url: str) -> int:
    """Queries for a GET of `url` once the calendar cache is stale, site roots already cached."""
    client.get(url)
    bump_generation(key=CALENDAR_GENERATION_KEY)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def add_sessions(cohort, base, lecturer, count: int) -> None:
    for hour in range(count):
        session = SessionFactory(
            cohort=cohort,
            base=base,
            starts_at=timezone.now() + datetime.timedelta(days=1, hours=hour),
            ends_at=timezone.now() + datetime.timedelta(days=1, hours=hour, minutes=50),
        )
        session.lecturers.set([lecturer, LecturerPageFactory()])


def test_feed_query_counts_are_constant(client, cohort, base, lecturer):
    feeds = [
        reverse("calendar:cohort", args=[cohort.pk]),
        reverse("calendar:base", args=[base.pk]),
        reverse("calendar:lecturer", args=[lecturer.pk]),
        reverse("calendar:academy"),
    ]
    [registration] = register_trainees(cohort, 1)
    private = reverse("calendar:registration", args=[registration.token])

    add_sessions(cohort, base, lecturer, 1)
    one = [uncached_queries(client, url) for url in [*feeds, private]]
    add_sessions(cohort, base, lecturer, 19)
    twenty = [uncached_queries(client, url) for url in [*feeds, private]]

    expected = [FEED_QUERIES] * 3 + [FEED_QUERIES - 1, PRIVATE_FEED_QUERIES]
    assert (one, twenty) == (expected, expected)
    assert len(events(parse(client.get(feeds[0])))) == 20


def test_cached_feed_costs_one_query(client, cohort, session):
    url = reverse("calendar:cohort", args=[cohort.pk])
    client.get(url)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200

    assert len(queries.captured_queries) == 1  # the cohort is published


def test_long_chinese_text_and_special_characters_fold_and_read_back(client, cohort, base):
    title = "长标题;含,特殊\\字符" + "党建" * 50
    SessionFactory(cohort=cohort, title=title, base=base, room="")

    content = client.get(reverse("calendar:cohort", args=[cohort.pk])).content

    assert all(len(line) <= 75 for line in content.split(b"\r\n"))  # octets, RFC 5545 3.1
    assert content.endswith(b"END:VCALENDAR\r\n")
    content.decode("utf-8")  # no character was split by a fold
    [event] = events(Calendar.from_ical(content))
    assert str(event["SUMMARY"]) == title


def test_confirmation_mail_carries_invitation_and_cancellation_cancels(
    cohort, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [registration] = register(cohort.pk, applicants=[ApplicantFactory(email="li@example.org")])
    [confirmation] = mail.outbox
    [(filename, content, mimetype)] = [
        (part.get_filename(), part.get_payload(decode=True), part.get_content_type())
        for part in confirmation.message().walk()
        if part.get_filename()
    ]
    assert (filename, mimetype) == ("invite.ics", "text/calendar")
    invitation = Calendar.from_ical(content)
    assert invitation["METHOD"] == "REQUEST"
    [event] = events(invitation)
    assert event["UID"] == f"{session.uid}@testserver"
    assert str(event["ATTENDEE"]) == "mailto:li@example.org"
    assert str(event["ORGANIZER"]) == "mailto:noreply@example.org"
    [part] = [part for part in confirmation.message().walk() if part.get_filename()]
    assert part.get_param("method") == "REQUEST"

    with django_capture_on_commit_callbacks(execute=True):
        cancel_registration(registration)

    cancellation = mail.outbox[-1]
    [content] = [
        part.get_payload(decode=True)
        for part in cancellation.message().walk()
        if part.get_filename() == "invite.ics"
    ]
    calendar = Calendar.from_ical(content)
    assert calendar["METHOD"] == "CANCEL"
    [event] = events(calendar)
    assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", 1)


def test_pages_link_their_feeds(client, no_page_cache, cohort, session, base, lecturer):
    pages = {
        "/programmes/": reverse("calendar:academy"),
        cohort.get_url(): reverse("calendar:cohort", args=[cohort.pk]),
        base.url: reverse("calendar:base", args=[base.pk]),
        lecturer.url: reverse("calendar:lecturer", args=[lecturer.pk]),
    }
    for page_url, feed in pages.items():
        html = client.get(page_url).content.decode()
        assert f'<a type="text/calendar" href="{feed}" download>' in html
        assert f'href="webcal://testserver{feed}"' in html
        assert '<svg class="qr" role="img"' in html
    cohort_html = client.get(cohort.get_url()).content.decode()
    assert reverse("calendar:session", args=[session.uid]) in cohort_html
