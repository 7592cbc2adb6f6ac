"""The trainee's registration through the API: read it by its private token, cancel it, find
it again with mobile number and code."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from bookings.models import Registration
from tests.factories import LecturerPageFactory

from .factories import CohortFactory, SessionFactory, register_trainees

pytestmark = pytest.mark.django_db

PHONE = "13900001234"


@pytest.fixture
def registration(cohort):
    [registration] = register_trainees(cohort, 1)
    Registration.objects.filter(pk=registration.pk).update(phone=PHONE)
    registration.refresh_from_db()
    return registration


def get(client, token, language="zh-hans"):
    return client.get(f"/api/v1/registrations/{token}/", headers={"accept-language": language})


def cancel(client, token, language="zh-hans"):
    return client.post(
        f"/api/v1/registrations/{token}/cancel/", headers={"accept-language": language}
    )


def lookup(client, data, language="zh-hans", **extra):
    return client.post(
        "/api/v1/registrations/lookup/",
        json.dumps(data),
        content_type="application/json",
        headers={"accept-language": language},
        **extra,
    )


# Reading


def test_registration_shows_status_code_cohort_and_timetable_with_the_phone_masked(
    client, cohort, registration
):
    lecturer = LecturerPageFactory(title="王建国")
    session = SessionFactory(cohort=cohort, title="红色物业专题", lecturers=[lecturer])

    response = get(client, registration.token)

    data = response.json()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]
    assert PHONE not in response.content.decode()
    nested = ("registered_at", "cohort", "sessions")
    assert {key: data[key] for key in data if key not in nested} == {
        "token": registration.token,
        "code": registration.code,
        "status": "confirmed",
        "status_label": "已确认",
        "waiting_position": None,
        "name": registration.name,
        "phone": "139****1234",
        "unit": "芝罘区向阳街道党工委",
        "cancelled_at": None,
        "can_cancel": True,
        "manage_url": f"http://testserver/bookings/r/{registration.token}/",
        "calendar_url": f"http://testserver/calendar/r/{registration.token}.ics",
    }
    assert data["cohort"] == {
        "id": cohort.pk,
        "title": "第1期",
        "programme": "基层党组织书记培训班",
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "location": "烟台城市党建学院",
        "contact_name": "",
        "contact_phone": "",
        "page_url": f"http://testserver/programmes/secretaries/cohorts/{cohort.pk}/",
    }
    assert [(item["id"], item["title"], item["lecturers"]) for item in data["sessions"]] == [
        (session.pk, "红色物业专题", ["王建国"])
    ]


def test_registration_in_english_for_an_english_client(client, registration):
    response = get(client, registration.token, language="en")

    assert response.json()["status_label"] == "Confirmed"
    assert response["Content-Language"] == "en"


def test_registration_unknown_token_is_404_in_the_clients_language(client, registration):
    response = get(client, "no-such-token")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "没有与该链接对应的报名，链接可能已重置。",
        "code": "not_found",
    }


def registration_queries(client, token) -> int:
    get(client, token)
    with CaptureQueriesContext(connection) as queries:
        assert get(client, token).status_code == 200
    return len(queries.captured_queries)


def test_registration_queries_do_not_grow_with_the_timetable(client, cohort, registration):
    SessionFactory(cohort=cohort, lecturers=[LecturerPageFactory()])
    one = registration_queries(client, registration.token)
    for hour in range(10, 18):
        SessionFactory(
            cohort=cohort,
            starts_at=timezone.now() + datetime.timedelta(days=3, hours=hour),
            lecturers=[LecturerPageFactory(), LecturerPageFactory()],
        )

    assert (one, registration_queries(client, registration.token)) == (3, 3)


# Cancelling


def test_cancel_frees_the_seat_for_the_waiting_list_and_is_logged_as_the_trainee(client, programme):
    cohort = CohortFactory(programme=programme, capacity=1)
    first, waiting = register_trainees(cohort, 2)

    response = cancel(client, first.token)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["can_cancel"]) == ("cancelled", False)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    entry = ModelLogEntry.objects.get(action="bookings.registration.cancel")
    assert (entry.object_id, entry.user) == (str(first.pk), None)


def test_cancel_twice_answers_the_cancelled_registration_again(client, registration):
    cancel(client, registration.token)

    response = cancel(client, registration.token)

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert ModelLogEntry.objects.filter(action="bookings.registration.cancel").count() == 1


def test_cancel_after_the_cohort_began_is_a_409(client, programme):
    today = timezone.localdate()
    cohort = CohortFactory(
        programme=programme, starts_on=today, ends_on=today + datetime.timedelta(days=1)
    )
    [registration] = register_trainees(cohort, 1)

    response = cancel(client, registration.token)

    assert response.status_code == 409
    assert response.json() == {
        "detail": "班次已开班，如需取消请联系学院工作人员。",
        "code": "invalid_transition",
    }
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_cancel_unknown_token_is_404(client, registration):
    response = cancel(client, "no-such-token")

    assert response.status_code == 404
    assert Registration.objects.get().status == "confirmed"


def test_cancel_refuses_get(client, registration):
    response = client.get(f"/api/v1/registrations/{registration.token}/cancel/")

    assert response.status_code == 405
    assert Registration.objects.get().status == "confirmed"


# Looking up


@pytest.mark.parametrize("phone", [PHONE, "+86 139-0000-1234", "１３９００００１２３４"])
def test_lookup_finds_the_registration_as_the_phone_is_typed(client, registration, phone):
    response = lookup(client, {"phone": phone, "code": registration.code.lower()})

    assert response.status_code == 200
    assert (response.json()["token"], response.json()["phone"]) == (
        registration.token,
        "139****1234",
    )


@pytest.mark.parametrize("wrong", ["phone", "code"])
def test_lookup_answers_a_wrong_phone_and_a_wrong_code_alike(client, registration, wrong):
    data = {"phone": PHONE, "code": registration.code} | {
        wrong: {"phone": "13900009999", "code": "XXXXXXXX"}[wrong]
    }

    response = lookup(client, data)

    assert response.status_code == 404
    assert response.json() == {
        "detail": "没有与该手机号码和报名码相符的报名。",
        "code": "not_found",
    }


def test_lookup_bad_phone_is_a_400_by_field(client, registration):
    response = lookup(client, {"phone": "12345", "code": registration.code})

    assert response.status_code == 400
    assert response.json() == {"phone": ["请输入以1开头的11位手机号码。"]}


def test_lookup_rate_limited_per_phone_with_retry_after(client, settings, registration):
    settings.BOOKINGS_RATE_PER_PHONE = "2/h"
    for _ in range(2):
        lookup(client, {"phone": PHONE, "code": "XXXXXXXX"})

    response = lookup(client, {"phone": "+86 " + PHONE, "code": registration.code})

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert 1 <= int(response["Retry-After"]) <= 3600


def test_lookup_rate_limited_per_address(client, settings, registration):
    settings.BOOKINGS_RATE_PER_IP = "1/m"
    lookup(client, {"phone": "13900000001", "code": "XXXXXXXX"})

    response = lookup(client, {"phone": PHONE, "code": registration.code})

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def test_lookup_shares_its_budget_with_the_lookup_form(client, settings, registration):
    settings.BOOKINGS_RATE_PER_PHONE = "1/h"
    client.post("/bookings/find/", {"phone": PHONE, "code": "XXXXXXXX"})

    response = lookup(client, {"phone": PHONE, "code": registration.code})

    assert response.status_code == 429


def test_lookup_keeps_the_phone_out_of_the_url(client):
    response = client.get("/api/v1/registrations/lookup/", {"phone": PHONE, "code": "X"})

    assert response.status_code == 405


def test_registration_api_is_documented_in_chinese(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    paths = schema["paths"]
    assert paths["/api/v1/registrations/{token}/"]["get"]["summary"] == "学员的报名"
    assert paths["/api/v1/registrations/{token}/cancel/"]["post"]["summary"] == "取消报名"
    assert paths["/api/v1/registrations/lookup/"]["post"]["summary"] == "用手机号码和报名码查询报名"
    assert set(paths["/api/v1/registrations/lookup/"]["post"]["responses"]) == {
        "200",
        "400",
        "404",
        "411",
        "413",
        "415",
        "429",
    }


def test_an_unrelated_registration_is_not_found_by_another_code(client, cohort, registration):
    [other] = register_trainees(cohort, 1, source=Registration.Source.API)

    response = lookup(client, {"phone": PHONE, "code": other.code})

    assert response.status_code == 404
