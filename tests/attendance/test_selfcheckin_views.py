"""Self check-in as a trainee does it (attendance.views): the code on the room's screen opens
the page; the private page's cookie or the registration code and mobile number say who; the
check-in keeps the time of the scan. And the private page's check-in QR code."""

import datetime
from unittest import mock

import pytest
from django.test import RequestFactory
from django.utils import timezone

from attendance.models import Attendance
from attendance.qr import registration_qr_text
from attendance.selfcheckin import COOKIE_NAME, STEP_SECONDS, remembered_tokens, session_code
from bookings.models import Registration
from bookings.services import cancel_registration, rotate_token
from bookings.templatetags.calendar_tags import qr_svg
from tests.bookings.factories import CohortFactory, SessionFactory, register_trainees

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(cohort):
    """A session that started ten minutes ago: self check-in is open, nobody is late yet."""
    start = timezone.now() - datetime.timedelta(minutes=5)
    return SessionFactory(
        cohort=cohort,
        title="红色物业专题讲座",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )


def url(session, at=None) -> str:
    return f"/attendance/self/{session_code(session, at=at)}/"


def ticket_of(response) -> str:
    return response.context["ticket"]


def test_unknown_trainee_checks_in_with_code_and_mobile(client, session, registration):
    opened = client.get(url(session))

    assert opened.status_code == 200
    assert "红色物业专题讲座" in opened.content.decode()
    assert opened.context["registration"] is None
    response = client.post(
        url(session),
        {
            "ticket": ticket_of(opened),
            "phone": registration.phone,
            "code": registration.code.lower(),
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "签到成功" in html
    assert registration.name in html
    attendance = Attendance.objects.get()
    assert attendance.registration == registration
    assert attendance.session == session
    assert attendance.source == Attendance.Source.SELF
    assert attendance.status == Attendance.Status.PRESENT
    assert attendance.recorded_by is None


def test_check_in_keeps_the_time_the_code_was_opened(client, cohort, registration):
    """Opened 8 minutes after the start (on time), confirmed 5 minutes later (late by then)."""
    start = timezone.now() - datetime.timedelta(minutes=8)
    session = SessionFactory(
        cohort=cohort, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    opened_at = timezone.now()
    opened = client.get(url(session, at=opened_at))

    five_minutes_later = opened_at + datetime.timedelta(minutes=5)
    with mock.patch("django.utils.timezone.now", return_value=five_minutes_later):
        client.post(
            url(session),
            {"ticket": ticket_of(opened), "phone": registration.phone, "code": registration.code},
        )

    attendance = Attendance.objects.get()
    assert abs(attendance.checked_in_at - opened_at) < datetime.timedelta(seconds=1)
    assert attendance.status == Attendance.Status.PRESENT


def test_private_page_remembers_the_trainee_for_one_tap(client, session, registration):
    private = client.get(registration.get_absolute_url())
    cookie = private.cookies[COOKIE_NAME]

    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 365 * 24 * 60 * 60

    opened = client.get(url(session))
    assert opened.context["registration"] == registration
    assert f"<strong>{registration.name}</strong>" in opened.content.decode()

    response = client.post(url(session), {"ticket": ticket_of(opened)})

    assert response.status_code == 200
    assert "签到成功" in response.content.decode()
    assert Attendance.objects.get().registration == registration


def test_second_check_in_says_already_with_the_first_time(client, session, registration):
    client.get(registration.get_absolute_url())
    opened = client.get(url(session))
    client.post(url(session), {"ticket": ticket_of(opened)})
    first = Attendance.objects.get().checked_in_at

    again = client.post(url(session), {"ticket": ticket_of(client.get(url(session)))})

    local = timezone.localtime(first)
    assert f"已签到 {local:%H:%M}" in again.content.decode()
    assert Attendance.objects.count() == 1


def test_typed_check_in_remembers_the_trainee_too(client, session, registration):
    opened = client.get(url(session))
    response = client.post(
        url(session),
        {"ticket": ticket_of(opened), "phone": registration.phone, "code": registration.code},
    )

    assert COOKIE_NAME in response.cookies
    assert client.get(url(session)).context["registration"] == registration


def test_cookie_of_a_reset_private_link_is_forgotten(client, session, registration):
    client.get(registration.get_absolute_url())
    rotate_token(registration, by=None)

    assert client.get(url(session)).context["registration"] is None


def test_cookie_names_the_registration_of_the_sessions_cohort(client, session, registration):
    other_cohort = CohortFactory(programme=session.cohort.programme)
    (elsewhere,) = register_trainees(other_cohort, 1)
    client.get(registration.get_absolute_url())
    client.get(elsewhere.get_absolute_url())

    assert client.get(url(session)).context["registration"] == registration


def test_forged_cookie_is_ignored(client, session, registration):
    client.cookies[COOKIE_NAME] = registration.token

    assert client.get(url(session)).context["registration"] is None


def test_trainee_of_another_cohort_is_refused(client, session):
    other_cohort = CohortFactory(programme=session.cohort.programme)
    (elsewhere,) = register_trainees(other_cohort, 1)
    opened = client.get(url(session))

    response = client.post(
        url(session),
        {"ticket": ticket_of(opened), "phone": elsewhere.phone, "code": elsewhere.code},
    )

    assert response.status_code == 409
    assert "不是本班学员。" in response.content.decode()
    assert Attendance.objects.count() == 0


def test_wrong_mobile_finds_nobody(client, session, registration):
    opened = client.get(url(session))

    response = client.post(
        url(session),
        {"ticket": ticket_of(opened), "phone": "13900000000", "code": registration.code},
    )

    assert response.status_code == 404
    assert "没有与该手机号码和报名码相符的报名。" in response.content.decode()
    assert Attendance.objects.count() == 0


def test_code_form_is_rate_limited(client, settings, session, registration):
    settings.BOOKINGS_RATE_PER_IP = "2/m"
    ticket = ticket_of(client.get(url(session)))
    for _ in range(2):
        client.post(url(session), {"ticket": ticket, "phone": "13900000000", "code": "AAAAAAAA"})

    response = client.post(
        url(session), {"ticket": ticket, "phone": registration.phone, "code": registration.code}
    )

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Attendance.objects.count() == 0


def test_expired_code_is_refused_with_a_clear_message(client, session):
    old = timezone.now() - datetime.timedelta(seconds=2 * STEP_SECONDS)

    response = client.get(url(session, at=old))

    assert response.status_code == 410
    assert "签到码已过期。请重新扫描屏幕上的二维码。" in response.content.decode()


def test_forged_code_is_not_found(client, session):
    response = client.get(f"/attendance/self/{session.pk}-123-AAAAAAAAAAAAAAAA/")

    assert response.status_code == 404
    assert "签到码无效" in response.content.decode()


def test_code_outside_the_window_is_refused(client, cohort):
    start = timezone.now() + datetime.timedelta(hours=3)
    later = SessionFactory(
        cohort=cohort, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )

    response = client.get(url(later))

    assert response.status_code == 409
    assert "开始自助签到" in response.content.decode()


def test_forged_ticket_is_refused(client, session, registration):
    client.get(registration.get_absolute_url())

    response = client.post(url(session), {"ticket": "forged"})

    assert response.status_code == 404
    assert Attendance.objects.count() == 0


def test_self_check_in_pages_are_never_cached_nor_indexed(client, session):
    response = client.get(url(session))

    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert response["X-Robots-Tag"] == "noindex"


# The private page's check-in QR code


def test_private_page_shows_the_check_in_qr_code(client, session, registration):
    html = client.get(registration.get_absolute_url()).content.decode()

    assert qr_svg(registration_qr_text(registration), "签到二维码") in html
    assert "到场时向门口的工作人员出示此二维码签到" in html


def test_no_check_in_qr_code_before_confirmation(client, session, cohort):
    cohort.requires_approval = True
    cohort.save()
    (pending,) = register_trainees(cohort, 1)
    assert pending.status == Registration.Status.PENDING

    html = client.get(pending.get_absolute_url()).content.decode()

    assert 'id="check-in-qr"' not in html


def test_no_check_in_qr_code_once_every_session_is_over(client, cohort, registration):
    start = timezone.now() - datetime.timedelta(days=1)
    SessionFactory(cohort=cohort, starts_at=start, ends_at=start + datetime.timedelta(hours=2))

    html = client.get(registration.get_absolute_url()).content.decode()

    assert 'id="check-in-qr"' not in html


def test_cookie_keeps_the_latest_five_registrations_latest_first(client, cohort):
    registrations = register_trainees(cohort, 6)
    for registration in registrations:
        client.get(registration.get_absolute_url())
    client.get(registrations[2].get_absolute_url())

    request = RequestFactory().get("/")
    request.COOKIES[COOKIE_NAME] = client.cookies[COOKIE_NAME].value

    assert remembered_tokens(request) == [registrations[i].token for i in (2, 5, 4, 3, 1)]


def test_cancelled_registration_is_not_remembered(client, registration):
    cancel_registration(registration, by=None)

    response = client.get(registration.get_absolute_url())

    assert COOKIE_NAME not in response.cookies


def test_pending_trainee_is_told_the_registration_is_not_confirmed(client, session):
    session.cohort.requires_approval = True
    session.cohort.save()
    (pending,) = register_trainees(session.cohort, 1)
    client.get(pending.get_absolute_url())
    opened = client.get(url(session))

    response = client.post(url(session), {"ticket": ticket_of(opened)})

    assert response.status_code == 409
    assert "报名未确认。" in response.content.decode()
    assert Attendance.objects.count() == 0
