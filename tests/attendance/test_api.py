"""The scanner's API: POST /api/v1/checkins/ and GET /api/v1/sessions/<id>/attendance/, with
every answer a scanner must tell apart, and who may call it."""

import datetime
import json

import jsonschema
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.serializers import Serializer

from attendance.api import CheckInSerializer
from attendance.models import Attendance
from attendance.qr import registration_qr_text
from attendance.services import check_in, mark
from bookings.models import Registration
from bookings.services import cancel_registration, rotate_token
from bookings.services.timetable import cancel_session
from tests.bookings.factories import CohortFactory, SessionFactory, register_trainees
from tests.bookings.helpers import staff_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/checkins/"


@pytest.fixture
def scanner():
    """A registrar's device: a user who may take attendance, and its token."""
    user = staff_user("attendance.take_attendance")
    return user, Token.objects.create(user=user)


@pytest.fixture
def api(client, scanner):
    """POST a body (JSON unless it is text) with the scanner's token, asking for Chinese."""
    _user, token = scanner

    def post(data, *, token=token.key, **headers):
        payload = data if isinstance(data, str | bytes) else json.dumps(data)
        auth = {"authorization": f"Token {token}"} if token else {}
        return client.post(
            URL,
            payload,
            content_type="application/json",
            headers={"accept-language": "zh-hans"} | auth | headers,
        )

    return post


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def as_json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema says it: null among the types."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
    return node


def assert_matches_schema(schema: dict, path: str, method: str, response) -> None:
    declared = schema["paths"][path][method]["responses"][str(response.status_code)]
    body_schema = declared["content"]["application/json"]["schema"]
    jsonschema.validate(
        response.json(), as_json_schema({**body_schema, "components": schema["components"]})
    )


def local_time(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


# Recorded


def test_first_check_in_is_201_with_the_trainee(api, session, registration, schema, scanner):
    response = api({"session": session.pk, "code": registration_qr_text(registration)})

    attendance = Attendance.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "outcome": "created",
        "detail": "签到成功",
        "session": session.pk,
        "code": registration.code,
        "name": registration.name,
        "unit": registration.unit,
        "status": "present",
        "late": False,
        "checked_in_at": timezone.localtime(attendance.checked_in_at).isoformat(),
    }
    assert (attendance.source, attendance.recorded_by) == (Attendance.Source.SCAN, scanner[0])
    assert response["Cache-Control"].startswith("max-age=0")
    assert_matches_schema(schema, URL, "post", response)


def test_typed_code_is_recorded_as_typed(api, session, registration):
    response = api({"session": session.pk, "code": f" {registration.code.lower()} "})

    assert response.status_code == 201
    assert Attendance.objects.get().source == Attendance.Source.CODE


def test_repeat_scan_is_200_with_the_first_time(api, session, registration, schema):
    first = api({"session": session.pk, "code": registration_qr_text(registration)})

    again = api({"session": session.pk, "code": registration.code})

    checked_in_at = Attendance.objects.get().checked_in_at
    assert again.status_code == 200
    assert again.json() == first.json() | {
        "outcome": "already",
        "detail": f"已签到 {local_time(checked_in_at)}",
    }
    assert Attendance.objects.count() == 1
    assert_matches_schema(schema, URL, "post", again)


def test_check_in_marked_present_on_the_roster_is_already_without_a_time(
    api, session, registration, scanner
):
    mark(session, registration, Attendance.Status.PRESENT, by=scanner[0])

    response = api({"session": session.pk, "code": registration.code})

    assert response.status_code == 200
    assert (response.json()["detail"], response.json()["checked_in_at"]) == ("已签到", None)


def test_late_check_in_says_late(api, cohort, registration):
    starts_at = timezone.now() - datetime.timedelta(minutes=30)
    session = SessionFactory(
        cohort=cohort, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2)
    )

    response = api({"session": session.pk, "code": registration.code})

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["late"], response.json()["detail"]) == (
        "late",
        True,
        "迟到",
    )


def test_the_body_built_by_hand_is_what_the_declared_fields_give(session, cohort, scanner):
    """CheckInSerializer builds its body directly; DRF's generic walk over the same declared
    fields (which the schema shows) gives the same keys and values, for every kind of answer."""
    first, again, marked, late = register_trainees(cohort, 4)
    late_session = SessionFactory(
        cohort=cohort,
        starts_at=timezone.now() - datetime.timedelta(minutes=30),
        ends_at=timezone.now() + datetime.timedelta(hours=2),
    )
    by = scanner[0]
    check_in(session, registration_qr_text(again), by=by)
    mark(session, marked, Attendance.Status.PRESENT, by=by)
    results = [
        check_in(session, registration_qr_text(first), by=by),
        check_in(session, again.code, by=by),
        check_in(session, marked.code, by=by),
        check_in(late_session, late.code, by=by),
    ]
    body = CheckInSerializer()

    assert [(r.outcome, r.late, r.attendance.checked_in_at is None) for r in results] == [
        ("created", False, False),
        ("already", False, False),
        ("already", False, True),
        ("created", True, False),
    ]
    for result in results:
        assert body.to_representation(result) == Serializer.to_representation(body, result)


def test_any_accept_header_gets_json(api, session, registration):
    response = api({"session": session.pk, "code": registration.code}, accept="text/html")

    assert (response.status_code, response["Content-Type"]) == (201, "application/json")
    assert response.json()["outcome"] == "created"


def test_queued_scan_keeps_its_time(api, cohort, registration):
    starts_at = timezone.now() - datetime.timedelta(hours=2)
    session = SessionFactory(
        cohort=cohort, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=3)
    )
    scanned_at = starts_at - datetime.timedelta(minutes=2)

    response = api(
        {"session": session.pk, "code": registration.code, "scanned_at": scanned_at.isoformat()}
    )

    assert response.status_code == 201
    assert response.json()["late"] is False
    assert Attendance.objects.get().checked_in_at == scanned_at


def test_english_for_a_client_that_asks(api, session, registration):
    response = api({"session": session.pk, "code": registration.code}, accept_language="en")

    assert response.json()["detail"] == "Checked in."
    assert response["Content-Language"] == "en"


# Refused: 404


def _tampered(text):
    """The QR text with its last character changed (to another one: a signature may end in A)."""
    return text[:-1] + ("B" if text.endswith("A") else "A")


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(lambda registration: "ACDEFGHJ", id="unknown code"),
        pytest.param(lambda registration: f"{registration.pk}:{'x' * 43}", id="forged QR"),
        pytest.param(
            lambda registration: _tampered(registration_qr_text(registration)), id="tampered QR"
        ),
    ],
)
def test_unknown_or_forged_code_is_404_invalid_code(api, session, registration, schema, code):
    response = api({"session": session.pk, "code": code(registration)})

    assert response.status_code == 404
    assert response.json() == {"detail": "二维码或报名码无效。", "code": "invalid_code"}
    assert Attendance.objects.count() == 0
    assert_matches_schema(schema, URL, "post", response)


def test_qr_revoked_by_a_reset_link_is_404(api, session, registration):
    text = registration_qr_text(registration)
    rotate_token(registration)

    response = api({"session": session.pk, "code": text})

    assert (response.status_code, response.json()["code"]) == (404, "invalid_code")


def test_unknown_session_is_404(api, session, registration, schema):
    response = api({"session": session.pk + 1000, "code": registration.code})

    assert response.status_code == 404
    assert response.json() == {"detail": "没有这个课次。", "code": "session_not_found"}
    assert_matches_schema(schema, URL, "post", response)


# Refused: 409, told apart by code


def test_trainee_of_another_cohort_is_409_not_in_cohort(api, programme, session, schema):
    (stranger,) = register_trainees(CohortFactory(programme=programme), 1)

    response = api({"session": session.pk, "code": stranger.code})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "不是本班学员。",
        "code": "not_in_cohort",
        "name": stranger.name,
        "unit": stranger.unit,
    }
    assert_matches_schema(schema, URL, "post", response)


def test_registration_not_confirmed_is_409_not_confirmed(api, session, registration):
    cancel_registration(registration, by=None)

    response = api({"session": session.pk, "code": registration.code})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "报名未确认。",
        "code": "not_confirmed",
        "name": registration.name,
        "unit": registration.unit,
    }


def test_cancelled_session_is_409_session_cancelled(api, session, registration, schema):
    cancel_session(session.pk, by=None)

    response = api({"session": session.pk, "code": registration.code})

    assert response.status_code == 409
    assert response.json() == {"detail": "本课次已取消。", "code": "session_cancelled"}
    assert_matches_schema(schema, URL, "post", response)


def test_session_more_than_a_day_away_is_409_outside_window(api, cohort, registration):
    starts_at = timezone.now() + datetime.timedelta(days=2)
    session = SessionFactory(
        cohort=cohort, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2)
    )

    response = api({"session": session.pk, "code": registration.code})

    assert response.status_code == 409
    assert response.json()["code"] == "outside_window"


# Refused: 400


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"session": ["该字段是必填项。"], "code": ["该字段是必填项。"]}),
        ({"session": "one", "code": "X"}, {"session": ["请填写合法的整数值。"]}),
        ({"session": 0, "code": "X"}, {"session": ["请确保该值大于或者等于 1。"]}),
        ({"session": 1, "code": ""}, {"code": ["该字段不能为空。"]}),
        ({"session": 1, "code": "X" * 121}, {"code": ["请确保这个字段不能超过 120 个字符。"]}),
    ],
)
def test_malformed_body_is_400_by_field(api, data, errors):
    response = api(data)

    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize(
    "scanned_at",
    [
        pytest.param(lambda now: now + datetime.timedelta(minutes=5), id="future"),
        pytest.param(lambda now: now - datetime.timedelta(hours=25), id="too old"),
    ],
)
def test_scan_time_out_of_bounds_is_400(api, session, registration, scanned_at, schema):
    response = api(
        {
            "session": session.pk,
            "code": registration.code,
            "scanned_at": scanned_at(timezone.now()).isoformat(),
        }
    )

    assert response.status_code == 400
    assert response.json() == {"scanned_at": ["扫码时间须在过去 24 小时内，且不能晚于现在。"]}
    assert Attendance.objects.count() == 0
    assert_matches_schema(schema, URL, "post", response)


def test_scan_time_not_a_time_is_400(api, session, registration):
    response = api({"session": session.pk, "code": registration.code, "scanned_at": "昨天"})

    assert response.status_code == 400
    assert list(response.json()) == ["scanned_at"]


@pytest.mark.parametrize("payload", ["[1, 2]", "not json", '"text"'])
def test_body_that_is_not_an_object_is_400(api, payload):
    response = api(payload)

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# Who may call it


def test_no_credentials_is_401(client, session, registration, schema):
    response = client.post(
        URL, {"session": session.pk, "code": registration.code}, content_type="application/json"
    )

    assert response.status_code == 401
    assert response.json() == {"detail": "身份认证信息未提供。", "code": "not_authenticated"}
    assert response["WWW-Authenticate"] == "Token"
    assert Attendance.objects.count() == 0
    assert_matches_schema(schema, URL, "post", response)


def test_unknown_token_is_401(api, session, registration):
    response = api({"session": session.pk, "code": registration.code}, token="0" * 40)

    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")


def test_token_of_a_user_who_may_not_take_attendance_is_403(api, session, registration, schema):
    token = Token.objects.create(user=staff_user("bookings.view_registration"))

    response = api({"session": session.pk, "code": registration.code}, token=token.key)

    assert response.status_code == 403
    assert response.json() == {"detail": "你无权签到点名。", "code": "permission_denied"}
    assert Attendance.objects.count() == 0
    assert_matches_schema(schema, URL, "post", response)


def test_token_of_a_deactivated_user_is_401(api, scanner, session, registration):
    user, token = scanner
    user.is_active = False
    user.save()

    response = api({"session": session.pk, "code": registration.code})

    assert response.status_code == 401


def test_logged_in_session_with_its_csrf_token_may_check_in(session, registration, scanner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(scanner[0])
    client.get("/admin/")
    data = json.dumps({"session": session.pk, "code": registration.code})

    refused = client.post(URL, data, content_type="application/json")
    accepted = client.post(
        URL,
        data,
        content_type="application/json",
        headers={"x-csrftoken": client.cookies["csrftoken"].value},
    )

    assert refused.status_code == 403
    assert accepted.status_code == 201


def test_drf_create_token_gives_a_device_its_token(scanner, session, registration, client):
    user, _token = scanner
    Token.objects.all().delete()

    call_command("drf_create_token", user.username, verbosity=0)

    token = Token.objects.get(user=user)
    response = client.post(
        URL,
        {"session": session.pk, "code": registration.code},
        content_type="application/json",
        headers={"authorization": f"Token {token.key}"},
    )
    assert response.status_code == 201


# The roster


def roster_url(session) -> str:
    return f"/api/v1/sessions/{session.pk}/attendance/"


def test_roster_lists_each_confirmed_trainee_with_the_counts(
    client, cohort, session, scanner, schema
):
    user, token = scanner
    early, late_one, excused, absent, not_yet = register_trainees(cohort, 5)
    cancelled = register_trainees(cohort, 1)[0]
    cancel_registration(cancelled, by=None)
    check_in_time = timezone.now()
    for registration, status, reason in [
        (early, "present", ""),
        (late_one, "late", ""),
        (excused, "excused", "出差"),
        (absent, "absent", ""),
    ]:
        mark(session, registration, status, by=user, reason=reason)

    response = client.get(roster_url(session), headers={"authorization": f"Token {token.key}"})

    assert response.status_code == 200
    body = response.json()
    assert body["session"] == {
        "id": session.pk,
        "title": session.display_title,
        "starts_at": timezone.localtime(session.starts_at).isoformat(),
        "ends_at": timezone.localtime(session.ends_at).isoformat(),
        "cancelled": False,
    }
    assert body["counts"] == {
        "expected": 5,
        "checked_in": 2,
        "present": 1,
        "late": 1,
        "excused": 1,
        "absent": 1,
        "not_yet": 1,
    }
    assert [
        (row["code"], row["name"], row["unit"], row["status"], row["reason"])
        for row in body["trainees"]
    ] == [
        (registration.code, registration.name, registration.unit, status, reason)
        for registration, status, reason in sorted(
            [
                (early, "present", ""),
                (late_one, "late", ""),
                (excused, "excused", "出差"),
                (absent, "absent", ""),
                (not_yet, None, ""),
            ],
            key=lambda row: (row[0].name, row[0].pk),
        )
    ]
    assert check_in_time  # the roster's marks carry no scan time
    assert {row["checked_in_at"] for row in body["trainees"]} == {None}
    assert_matches_schema(schema, "/api/v1/sessions/{id}/attendance/", "get", response)


def test_roster_keeps_a_trainee_recorded_before_cancelling(client, cohort, session, scanner):
    user, token = scanner
    (registration,) = register_trainees(cohort, 1)
    mark(session, registration, "present", by=user)
    cancel_registration(registration, by=user)

    response = client.get(roster_url(session), headers={"authorization": f"Token {token.key}"})

    assert [row["status"] for row in response.json()["trainees"]] == ["present"]
    assert Registration.objects.get().status == Registration.Status.CANCELLED


def test_roster_of_an_unknown_session_is_404(client, session, scanner):
    response = client.get(
        f"/api/v1/sessions/{session.pk + 1000}/attendance/",
        headers={"authorization": f"Token {scanner[1].key}"},
    )

    assert response.status_code == 404
    assert response.json()["code"] == "session_not_found"


def test_roster_needs_a_permitted_user(client, session):
    anonymous = client.get(roster_url(session))
    token = Token.objects.create(user=staff_user("bookings.view_session"))
    refused = client.get(roster_url(session), headers={"authorization": f"Token {token.key}"})

    assert (anonymous.status_code, refused.status_code) == (401, 403)


# Schema


def test_schema_describes_check_in_and_roster_in_chinese(schema):
    check_in = schema["paths"][URL]["post"]
    roster = schema["paths"]["/api/v1/sessions/{id}/attendance/"]["get"]

    assert check_in["summary"] == "学员签到"
    assert "invalid_code" in check_in["description"]
    assert set(check_in["responses"]) == {
        "200",
        "201",
        "400",
        "401",
        "403",
        "404",
        "409",
        "411",
        "413",
        "415",
        "503",
    }
    assert roster["summary"] == "课次点名册"
    assert set(roster["responses"]) == {"200", "401", "403", "404"}
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
