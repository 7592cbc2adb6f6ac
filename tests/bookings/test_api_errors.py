"""The API's error bodies: in the client's language, with the shape the OpenAPI schema declares."""

import datetime
import json

import jsonschema
import pytest
from django.test import Client
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


# The registration form's messages (Registration.trainee_messages), in the client's language.
CHINESE = {"phone": ["请输入以1开头的11位手机号码。"], "unit": ["请填写单位。"]}
ENGLISH = {
    "phone": ["Enter an 11-digit mobile number starting with 1."],
    "unit": ["Unit is required."],
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
        (None, "[" * 1000 + "]" * 1000, "application/json", 400),
        (full, body(), "application/json", 409),
        (None, body(position="长" * 22_000), "application/json", 413),
        (None, "name=x", "text/plain", 415),
    ],
    ids=[
        "field",
        "missing",
        "malformed",
        "not-an-object",
        "too-deep",
        "full",
        "too-large",
        "not-json",
    ],
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


# Bodies the parser refuses, in the client's language


SURROGATE = "surrogate_characters_not_allowed"


def nested(levels: int) -> str:
    """A registration whose unit is wrapped in `levels` arrays: `levels` + 1 deep."""
    unit = "芝罘区向阳街道党工委"
    for _level in range(levels):
        unit = [unit]
    return json.dumps(body(unit=unit))


@pytest.mark.parametrize(
    ("payload", "detail", "code"),
    [
        ("[" * 1000 + "]" * 1000, "请求内容中的 JSON 嵌套层级过多。", "too_deep"),
        (nested(20), "请求内容中的 JSON 嵌套层级过多。", "too_deep"),
        ('{"name": ', "请求内容不是有效的 JSON。", "parse_error"),
        (b'{"name": "\xed\xa0\x80"}', "请求内容不是有效的 JSON。", "parse_error"),
        ('{"name": "\\ud800"}', "含有无法保存的字符（U+D800），请删除后重新输入。", SURROGATE),
        ('{"\\udfff": 1}', "含有无法保存的字符（U+DFFF），请删除后重新输入。", SURROGATE),
        (
            '{"name": "张\\u0000三"}',
            "含有无法保存的空字符，请删除后重新输入。",
            "null_characters_not_allowed",
        ),
    ],
    ids=["deep", "deep-in-a-field", "malformed", "raw", "surrogate", "surrogate-key", "nul"],
)
def test_body_the_parser_refuses_is_a_chinese_bad_request(client, cohort, payload, detail, code):
    response = client.post(
        REGISTRATIONS.format(cohort.pk), payload, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": detail, "code": code}
    assert Registration.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ('{"name": ', "The request body is not valid JSON."),
        ("[" * 1000 + "]" * 1000, "The JSON in the request body is nested too deeply."),
        ('{"name": "\\u0000"}', "Null characters are not allowed."),
    ],
    ids=["malformed", "deep", "nul"],
)
def test_body_the_parser_refuses_follows_accept_language(client, cohort, payload, detail):
    response = post(client, cohort.pk, payload, language="en")

    assert response.status_code == 400
    assert response.json()["detail"] == detail


def test_json_nested_to_the_limit_is_read(client, cohort):
    response = post(client, cohort.pk, nested(19))

    assert response.status_code == 400
    assert list(response.json()) == ["unit"]


def test_brackets_and_surrogate_pairs_inside_strings_are_text(client, cohort):
    text = "[" * 30 + "{" * 30 + "😀"

    response = post(client, cohort.pk, json.dumps({**body(), "party_organisation": text}))

    assert response.status_code == 201
    assert Registration.objects.get().party_organisation == text


def test_chunked_body_is_refused_for_want_of_a_length(client, cohort):
    """The test client sends no chunks; gunicorn's case is in tests/core/test_api_gunicorn.py."""
    response = client.post(
        REGISTRATIONS.format(cohort.pk),
        json.dumps(body()),
        content_type="application/json",
        headers={"transfer-encoding": "chunked"},
    )

    assert response.status_code == 411
    assert response.json() == {
        "detail": "请在 Content-Length 请求头中注明请求内容的长度，不要分块发送。",
        "code": "length_required",
    }


# Errors Django answers, not DRF: JSON under /api/, the site's pages elsewhere


@pytest.mark.parametrize(
    "path", ["/api/v1/cohorts/0.5/", "/api/v1/nope/", "/api/v1/cohorts/1/nope/", "/api/"]
)
@pytest.mark.parametrize(("language", "detail"), [("zh-hans", "未找到。"), ("en", "Not found.")])
def test_unknown_api_path_is_a_json_not_found(client, site_tree, path, language, detail):
    response = client.get(path, headers={"accept-language": language})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail, "code": "not_found"}
    assert response["Content-Language"] == language


def test_post_to_an_unknown_api_path_is_a_json_not_found_not_a_csrf_page(site_tree):
    # A token the route refuses ("2¼") once fell through to Wagtail's pages, whose CSRF check
    # answered the POST with Django's HTML 403 (found by tests/core/test_api_fuzz.py).
    client = Client(enforce_csrf_checks=True)

    response = client.post("/api/v1/registrations/2%C2%BC/cancel/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_site_path_is_still_the_html_page(client, site_tree):
    response = client.get("/nope/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_api_path_without_its_slash_is_still_redirected(client, site_tree):
    response = client.get("/api/v1/cohorts")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/cohorts/"


def fail(*args, **kwargs):
    raise RuntimeError("a defect")


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("zh-hans", "服务器暂时无法处理该请求，请稍后重试。"),
        ("en", "The server could not handle the request. Please try again later."),
    ],
)
def test_exception_in_an_api_view_is_a_json_server_error(
    client, monkeypatch, cohort, language, detail
):
    monkeypatch.setattr("bookings.api.register", fail)
    client.raise_request_exception = False

    response = post(client, cohort.pk, body(), language=language)

    assert response.status_code == 500
    assert response.json() == {"detail": detail, "code": "server_error"}
    assert response["Content-Language"] == language


def test_exception_in_a_page_is_still_the_html_server_error(client, monkeypatch, cohort):
    monkeypatch.setattr("bookings.views.cohort_context", fail)
    client.raise_request_exception = False

    response = client.get(cohort.get_url())

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_bad_host_for_the_api_is_a_json_bad_request(client, settings):
    settings.ALLOWED_HOSTS = ["testserver"]

    response = client.get("/api/v1/cohorts/", headers={"host": "evil.example"})

    assert response.status_code == 400
    assert response.json() == {"detail": "错误的请求。", "code": "bad_request"}
