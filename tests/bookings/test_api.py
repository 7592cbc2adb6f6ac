import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Registration, RegistrationGroup
from bookings.services import register
from tests.factories import LecturerPageFactory, TrainingBasePageFactory

from .factories import (
    ApplicantFactory,
    CohortFactory,
    ProgrammePageFactory,
    SessionFactory,
    at_local,
    register_trainees,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
MOBILE_ERROR = "请输入以1开头的11位手机号码。"
ID_CHECK_ERROR = "身份证号校验位不正确，请核对。"
LIST_FIELDS = {
    "id",
    "title",
    "programme",
    "starts_on",
    "ends_on",
    "capacity",
    "seats_left",
    "registration_open",
    "registration_opens_at",
    "registration_closes_at",
    "requires_approval",
    "waitlist_enabled",
    "asks_id_number",
    "page_url",
}


def body(**fields) -> dict:
    return {
        "name": "张三",
        "phone": PHONE,
        "unit": "芝罘区向阳街道党工委",
        "consent": True,
    } | fields


def post(client, cohort_id, data, **extra):
    """POST JSON (or raw text) to the registration endpoint, asking for Chinese."""
    payload = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(
        f"/api/v1/cohorts/{cohort_id}/registrations/",
        payload,
        content_type=extra.pop("content_type", "application/json"),
        headers={"accept-language": "zh-hans"},
        **extra,
    )


def written() -> tuple[int, int]:
    return Registration.objects.count(), RegistrationGroup.objects.count()


# Reading cohorts


def test_cohort_list_shows_current_and_upcoming_cohorts(client, programme):
    today = timezone.localdate()
    running = CohortFactory(
        programme=programme,
        title="第2期",
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today,
        capacity=5,
    )
    upcoming = CohortFactory(programme=programme, title="第3期")
    register_trainees(upcoming, 2)
    CohortFactory(
        programme=programme,
        title="第1期",
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today - datetime.timedelta(days=8),
    )

    response = client.get("/api/v1/cohorts/")

    items = response.json()
    assert response.status_code == 200
    assert [item["id"] for item in items] == [running.pk, upcoming.pk]
    assert {frozenset(item) for item in items} == {frozenset(LIST_FIELDS)}
    assert {key: items[1][key] for key in LIST_FIELDS - {"id"}} == {
        "title": "第3期",
        "programme": "基层党组织书记培训班",
        "starts_on": upcoming.starts_on.isoformat(),
        "ends_on": upcoming.ends_on.isoformat(),
        "capacity": 10,
        "seats_left": 8,
        "registration_open": True,
        "registration_opens_at": items[1]["registration_opens_at"],
        "registration_closes_at": items[1]["registration_closes_at"],
        "requires_approval": False,
        "waitlist_enabled": True,
        "asks_id_number": False,
        "page_url": f"http://testserver/programmes/secretaries/cohorts/{upcoming.pk}/",
    }
    assert datetime.datetime.fromisoformat(items[1]["registration_opens_at"]) == (
        upcoming.registration_opens_at
    )
    assert (items[0]["seats_left"], items[0]["capacity"]) == (5, 5)


def test_cohort_list_leaves_out_unpublished_programmes(client, programme):
    hidden = ProgrammePageFactory(live=False)
    CohortFactory(programme=hidden)
    shown = CohortFactory(programme=programme)

    response = client.get("/api/v1/cohorts/")

    assert [item["id"] for item in response.json()] == [shown.pk]


def list_queries(client) -> int:
    client.get("/api/v1/cohorts/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/cohorts/").status_code == 200
    return len(queries.captured_queries)


def test_cohort_list_queries_do_not_grow_with_the_cohorts(client, programme):
    CohortFactory(programme=programme)
    one = list_queries(client)
    CohortFactory.create_batch(2, programme=programme)
    ProgrammePageFactory()

    three = list_queries(client)

    assert (one, three) == (1, 1)


def test_cohort_detail_lists_the_sessions(client, cohort):
    lecturers = [LecturerPageFactory(title="李教授"), LecturerPageFactory(title="王老师")]
    base = TrainingBasePageFactory(title="向阳街道党群服务中心")
    afternoon = SessionFactory(
        cohort=cohort,
        title="红色物业现场教学",
        base=base,
        starts_at=at_local(cohort.starts_on, 14),
        ends_at=at_local(cohort.starts_on, 17),
    )
    morning = SessionFactory(cohort=cohort, title="党建引领基层治理", lecturers=lecturers)

    response = client.get(f"/api/v1/cohorts/{cohort.pk}/")

    data = response.json()
    assert response.status_code == 200
    assert set(data) == LIST_FIELDS | {"sessions"}
    assert data["sessions"] == [
        {
            "id": morning.pk,
            "title": "党建引领基层治理",
            "lecturers": ["李教授", "王老师"],
            "place": "学院301教室",
            "starts_at": at_local(cohort.starts_on, 9).isoformat(),
            "ends_at": at_local(cohort.starts_on, 11).isoformat(),
            "study_hours": "2.0",
            "cancelled": False,
        },
        {
            "id": afternoon.pk,
            "title": "红色物业现场教学",
            "lecturers": [],
            "place": "向阳街道党群服务中心 学院301教室",
            "starts_at": at_local(cohort.starts_on, 14).isoformat(),
            "ends_at": at_local(cohort.starts_on, 17).isoformat(),
            "study_hours": "2.0",
            "cancelled": False,
        },
    ]


def test_cohort_detail_of_a_past_cohort_is_not_found(client, programme):
    today = timezone.localdate()
    past = CohortFactory(
        programme=programme,
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today - datetime.timedelta(days=8),
    )

    response = client.get(f"/api/v1/cohorts/{past.pk}/")

    assert response.status_code == 404


# Registering


def test_register_created(client, cohort):
    response = post(client, cohort.pk, body(phone="１３８ ００１３ ８０００"))

    registration = Registration.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "code": registration.code,
        "status": "confirmed",
        "waiting_position": None,
        "manage_url": f"http://testserver/bookings/r/{registration.token}/",
    }
    assert registration.phone == PHONE
    assert registration.source == Registration.Source.API
    assert registration.id_number == ""


def test_register_waitlisted_when_full(client, cohort):
    register_trainees(cohort, 10)

    response = post(client, cohort.pk, body())

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["waiting_position"]) == ("waitlisted", 1)


def test_register_pending_when_staff_approve(client, programme):
    cohort = CohortFactory(programme=programme, requires_approval=True)

    response = post(client, cohort.pk, body())

    assert response.status_code == 201
    assert response.json()["status"] == "pending"


def test_register_keeps_a_valid_id_number(client, programme):
    cohort = CohortFactory(programme=programme, asks_id_number=True)

    response = post(client, cohort.pk, body(id_number=valid_id_number(3)))

    assert response.status_code == 201
    assert Registration.objects.get().id_number == valid_id_number(3)


def test_register_field_errors_are_in_chinese(client, cohort):
    response = post(client, cohort.pk, body(phone="12345", name=""))

    assert response.status_code == 400
    # The registration form's own messages (Registration.trainee_messages).
    assert response.json() == {"phone": [MOBILE_ERROR], "name": ["请填写姓名。"]}
    assert written() == (0, 0)


def test_register_missing_fields_are_named_in_chinese(client, cohort):
    response = post(client, cohort.pk, {"consent": True})

    assert response.status_code == 400
    assert response.json() == {
        "name": ["请填写姓名。"],
        "phone": ["请填写手机号码。"],
        "unit": ["请填写单位。"],
    }
    assert written() == (0, 0)


def test_register_with_a_wrong_id_check_digit_is_refused(client, programme):
    cohort = CohortFactory(programme=programme, asks_id_number=True)
    good = valid_id_number(3)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")

    response = post(client, cohort.pk, body(id_number=wrong))

    assert response.status_code == 400
    assert response.json() == {"id_number": [ID_CHECK_ERROR]}
    assert written() == (0, 0)


def test_register_without_the_id_number_the_cohort_asks_for_is_refused(client, programme):
    cohort = CohortFactory(programme=programme, asks_id_number=True)

    response = post(client, cohort.pk, body())

    assert response.status_code == 400
    assert response.json() == {"id_number": ["本班次需要填写身份证号。"]}
    assert written() == (0, 0)


def test_register_without_consent_is_refused(client, cohort):
    response = post(client, cohort.pk, body(consent=False))

    assert response.status_code == 400
    assert response.json() == {"consent": ["请同意学院使用您的个人信息。"]}
    assert written() == (0, 0)


def test_register_when_full_without_a_list_conflicts(client, programme):
    cohort = CohortFactory(programme=programme, capacity=1, waitlist_enabled=False)
    register_trainees(cohort, 1)

    response = post(client, cohort.pk, body())

    assert response.status_code == 409
    assert response.json() == {"detail": "名额已满。", "code": "cohort_full"}
    assert written() == (1, 0)


def test_register_when_closed_conflicts(client, programme):
    now = timezone.now()
    cohort = CohortFactory(
        programme=programme,
        registration_opens_at=now - datetime.timedelta(days=5),
        registration_closes_at=now - datetime.timedelta(minutes=1),
    )

    response = post(client, cohort.pk, body())

    assert response.status_code == 409
    assert response.json() == {
        "detail": "本班次当前不在报名时间内。",
        "code": "registration_closed",
    }
    assert written() == (0, 0)


def test_register_twice_conflicts(client, cohort):
    register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])

    response = post(client, cohort.pk, body())

    assert response.status_code == 409
    assert response.json() == {
        "detail": "以下手机号码已报名本班次：138****8000。",
        "code": "already_registered",
    }
    assert written() == (1, 0)


def test_register_for_an_unknown_cohort_is_not_found(client, cohort):
    response = post(client, cohort.pk + 1000, body())

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。", "code": "not_found"}
    assert written() == (0, 0)


def test_register_for_an_unpublished_programme_is_not_found(client, programme_index):
    cohort = CohortFactory(programme=ProgrammePageFactory(live=False))

    response = post(client, cohort.pk, body())

    assert response.status_code == 404
    assert written() == (0, 0)


# Bodies that are not what the API takes


@pytest.mark.parametrize(
    "payload",
    ['{"name": "张三", "phone": ', "{'name': 'x'}", "\x00\xff"],
    ids=["truncated", "single quotes", "binary"],
)
def test_register_malformed_json_is_a_bad_request(client, cohort, payload):
    response = post(client, cohort.pk, payload)

    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == "parse_error"
    assert written() == (0, 0)


def test_register_empty_body_names_the_missing_fields(client, cohort):
    response = post(client, cohort.pk, "")

    assert response.status_code == 400
    assert set(response.json()) == {"name", "phone", "unit", "consent"}
    assert written() == (0, 0)


@pytest.mark.parametrize("payload", [[body()], 42, "text", None, True], ids=repr)
def test_register_json_that_is_not_an_object_is_a_bad_request(client, cohort, payload):
    response = post(client, cohort.pk, json.dumps(payload))

    assert response.status_code == 400
    assert response.json() == {"detail": "请发送 JSON 对象。", "code": "parse_error"}
    assert written() == (0, 0)


@pytest.mark.parametrize(
    "phone", [[PHONE], {"number": PHONE}, None, True], ids=["list", "object", "null", "bool"]
)
def test_register_phone_of_the_wrong_type_is_a_bad_request(client, cohort, phone):
    response = post(client, cohort.pk, body(phone=phone))

    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    assert written() == (0, 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ["张三"]), ("unit", {"a": 1}), ("consent", "maybe"), ("email", 3)],
)
def test_register_other_fields_of_the_wrong_type_are_bad_requests(client, cohort, field, value):
    response = post(client, cohort.pk, body(**{field: value}))

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert written() == (0, 0)


def test_register_body_over_64_kib_is_too_large(client, cohort):
    payload = json.dumps(body(position="长" * 22_000))
    assert len(payload.encode()) > 64 * 1024

    response = post(client, cohort.pk, payload)

    assert response.status_code == 413
    assert response.json() == {"detail": "请求内容过大。", "code": "payload_too_large"}
    assert written() == (0, 0)


def test_register_form_encoded_body_is_unsupported(client, cohort):
    response = post(client, cohort.pk, "name=x&phone=13800138000", content_type="text/plain")

    assert response.status_code == 415
    assert response.json() == {
        "detail": "不支持请求中的媒体类型 “text/plain”。",
        "code": "unsupported_media_type",
    }
    assert written() == (0, 0)


def test_register_rate_limited_per_ip(client, settings, cohort):
    settings.BOOKINGS_RATE_PER_IP = "3/m"
    for n in range(3):
        assert post(client, cohort.pk, body(phone=f"1380000000{n}")).status_code == 201

    response = post(client, cohort.pk, body(phone="13800000009"))

    assert response.status_code == 429
    assert response.json() == {
        "detail": "来自该网络或号码的尝试过于频繁，请稍等几分钟再试。",
        "code": "too_many_requests",
    }
    assert written() == (3, 0)


# Schema and docs


def test_schema_describes_registration(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert b"/api/v1/cohorts/{id}/registrations/:" in response.content


def test_docs_use_only_local_assets(client):
    response = client.get("/api/docs/")

    page = response.content.decode()
    sources = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', page)
    assert response.status_code == 200
    assert sources
    assert [
        source
        for source in sources
        if re.match(r"(https?:)?//", source) and not source.startswith("http://testserver/")
    ] == []
    assert [
        url
        for url in re.findall(r"https?://[^\s\"'<>]+", page)
        if not url.startswith("http://testserver/")
    ] == []
