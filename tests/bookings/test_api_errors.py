"""The API's error bodies have the shape the OpenAPI schema declares."""

import json

import jsonschema
import pytest

from tests.factories import SuperuserFactory

from .factories import register_trainees

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


def test_required_message_is_the_same_in_the_wagtail_admin(client):
    client.force_login(SuperuserFactory(username="admin"))

    response = client.post("/admin/snippets/academy/organisation/add/", {})

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
