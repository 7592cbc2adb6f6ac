"""The API's error bodies: in the client's language, with the shape the OpenAPI schema declares."""

import datetime
import json

import jsonschema
import pytest
from django.utils import timezone

from bookings.models import Registration
from tests.factories import SuperuserFactory

from .factories import CohortFactory, register_trainees

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
REGISTRATIONS = "/api/v1/cohorts/{}/registrations/"


def body(**fields) -> dict:
    return {
        "name": "张三",
        "phone": PHONE,
        "unit": "芝罘区向阳街道党工委",
        "consent": True,
    } | fields


def post(client, cohort_id, data, *, language=None, content_type="application/json"):
    payload = data if isinstance(data, str) else json.dumps(data)
    headers = {"accept-language": language} if language is not None else {}
    return client.post(
        REGISTRATIONS.format(cohort_id), payload, content_type=content_type, headers=headers
    )


# The language of the messages


CHINESE = {"phone": ["请输入以1开头的11位手机号码。"], "unit": ["该字段是必填项。"]}
ENGLISH = {
    "phone": ["Enter an 11-digit mobile number starting with 1."],
    "unit": ["This field is required."],
}


@pytest.mark.parametrize(
    ("language", "messages", "content_language"),
    [
        (None, CHINESE, "zh-hans"),
        ("zh-hans", CHINESE, "zh-hans"),
        ("zh-CN,zh;q=0.9,en;q=0.8", CHINESE, "zh-hans"),
        ("fr", CHINESE, "zh-hans"),
        ("*", CHINESE, "zh-hans"),
        ("en", ENGLISH, "en"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", ENGLISH, "en"),
        ("fr-FR, en;q=0.5", ENGLISH, "en"),
    ],
)
def test_field_errors_follow_accept_language(client, cohort, language, messages, content_language):
    data = {"name": "张三", "phone": "12345", "consent": True}

    response = post(client, cohort.pk, data, language=language)

    assert response.status_code == 400
    assert response.json() == messages
    assert response["Content-Language"] == content_language
    assert "Accept-Language" in [value.strip() for value in response["Vary"].split(",")]


@pytest.mark.parametrize(
    ("language", "detail"),
    [(None, "本班次当前不在报名时间内。"), ("en", "Registration for this cohort is not open.")],
)
def test_conflict_follows_accept_language(client, programme, language, detail):
    now = timezone.now()
    cohort = CohortFactory(
        programme=programme,
        registration_opens_at=now - datetime.timedelta(days=5),
        registration_closes_at=now - datetime.timedelta(minutes=1),
    )

    response = post(client, cohort.pk, body(), language=language)

    assert response.status_code == 409
    assert response.json() == {"detail": detail, "code": "registration_closed"}


@pytest.mark.parametrize(("language", "detail"), [("zh-hans", "未找到。"), ("en", "Not found.")])
def test_unknown_cohort_follows_accept_language(client, cohort, language, detail):
    response = client.get(
        f"/api/v1/cohorts/{cohort.pk + 1000}/", headers={"accept-language": language}
    )

    assert response.status_code == 404
    assert response.json() == {"detail": detail, "code": "not_found"}
    assert response["Content-Language"] == language


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("zh-hans", "来自该网络或号码的尝试过于频繁，请稍等几分钟再试。"),
        ("en", "Too many attempts from this network or number. Please wait a few minutes."),
    ],
)
def test_rate_limit_follows_accept_language(client, settings, cohort, language, detail):
    settings.BOOKINGS_RATE_PER_IP = "1/m"
    assert post(client, cohort.pk, body(), language=language).status_code == 201

    response = post(client, cohort.pk, body(phone="13800000009"), language=language)

    assert response.status_code == 429
    assert response.json() == {"detail": detail, "code": "too_many_requests"}


@pytest.mark.parametrize(
    ("language", "detail"),
    [("zh-hans", "请求内容过大。"), ("en", "The request body is too large.")],
)
def test_payload_too_large_follows_accept_language(client, cohort, language, detail):
    response = post(client, cohort.pk, body(position="长" * 22_000), language=language)

    assert response.status_code == 413
    assert response.json() == {"detail": detail, "code": "payload_too_large"}


@pytest.mark.parametrize(("language", "prefix"), [(None, ""), ("en", "/en")])
def test_links_in_a_registration_follow_accept_language(client, cohort, language, prefix):
    response = post(client, cohort.pk, body(), language=language)

    token = Registration.objects.get().token
    assert response.status_code == 201
    assert response.json()["manage_url"] == f"http://testserver{prefix}/bookings/r/{token}/"


def test_cohort_list_says_it_varies_by_language(client, cohort):
    response = client.get("/api/v1/cohorts/", headers={"accept-language": "en"})

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in [value.strip() for value in response["Vary"].split(",")]


def test_site_stays_chinese_at_the_root_after_an_english_api_request(client, site_tree):
    assert client.get("/api/v1/cohorts/", headers={"accept-language": "en"}).status_code == 200

    root = client.get("/", headers={"accept-language": "en"})
    english = client.get("/en/")

    assert '<html lang="zh-hans">' in root.content.decode()
    assert root["Content-Language"] == "zh-hans"
    assert '<html lang="en">' in english.content.decode()


def test_required_message_is_the_same_in_the_wagtail_admin(client):
    client.force_login(SuperuserFactory(username="admin"))

    response = client.post("/admin/snippets/core/organisation/add/", {})

    page = response.content.decode()
    assert response.status_code == 200
    assert "该字段是必填项。" in page
    assert "必需字段" not in page


# Bodies against the schema


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def assert_matches_schema(schema: dict, path: str, method: str, response) -> None:
    """The body validates against what the schema declares for the response's status."""
    declared = schema["paths"][path][method]["responses"][str(response.status_code)]
    body_schema = declared["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), {**body_schema, "components": schema["components"]})


def full(cohort):
    register_trainees(cohort, 10)
    cohort.waitlist_enabled = False
    cohort.save()


@pytest.mark.parametrize(
    ("arrange", "data", "content_type", "status"),
    [
        (None, body(phone="12345"), "application/json", 400),
        (None, {}, "application/json", 400),
        (None, '{"name": ', "application/json", 400),
        (None, "[]", "application/json", 400),
        (full, body(), "application/json", 409),
        (None, body(position="长" * 22_000), "application/json", 413),
        (None, "name=x", "text/plain", 415),
    ],
    ids=["field", "missing", "malformed", "not-an-object", "full", "too-large", "not-json"],
)
def test_registration_error_bodies_match_the_schema(
    client, schema, cohort, arrange, data, content_type, status
):
    if arrange:
        arrange(cohort)

    response = post(client, cohort.pk, data, content_type=content_type, language="en")

    assert response.status_code == status
    assert_matches_schema(schema, "/api/v1/cohorts/{id}/registrations/", "post", response)


def test_rate_limited_body_matches_the_schema(client, settings, schema, cohort):
    settings.BOOKINGS_RATE_PER_IP = "1/m"
    post(client, cohort.pk, body())

    response = post(client, cohort.pk, body(phone="13800000009"))

    assert response.status_code == 429
    assert_matches_schema(schema, "/api/v1/cohorts/{id}/registrations/", "post", response)


def test_unknown_cohort_bodies_match_the_schema(client, schema, cohort):
    registration = post(client, cohort.pk + 1000, body())
    detail = client.get(f"/api/v1/cohorts/{cohort.pk + 1000}/")

    assert (registration.status_code, detail.status_code) == (404, 404)
    assert_matches_schema(schema, "/api/v1/cohorts/{id}/registrations/", "post", registration)
    assert_matches_schema(schema, "/api/v1/cohorts/{id}/", "get", detail)


def test_schema_error_body_requires_detail_and_code(schema):
    """A body of `detail` alone, as 413 and 429 used to send, does not pass for one."""
    error = {"$ref": "#/components/schemas/Error", "components": schema["components"]}

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"detail": "请求内容过大。"}, error)
