"""A mobile number is one number however it is typed: the forms, the API, the one-seat-per-phone
check, the lookup and the per-phone rate limit all see its 11 ASCII digits, and refuse other
scripts' digits and text no database can store with a message, never a 500 (issue 9)."""

import json
import re

import jsonschema
import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError

from bookings.api import RegistrationRequestSerializer
from bookings.forms import GroupContactForm, LookupForm, RegistrationForm
from bookings.models import Cohort, Registration, RegistrationGroup
from bookings.services import register

from .factories import ApplicantFactory, valid_id_number

pytestmark = pytest.mark.django_db

NUMBER = "13900000000"
TYPED = [
    "+86 139 0000 0000",
    "0086-13900000000",
    "8613900000000",
    "１３９００００００００",
    "＋８６ １３９－００００－００００",
]
# 136 followed by Arabic-Indic digits: `\d` took it, a second seat for 13655599999.
ARABIC_INDIC = "136٥٥٥٩٩٩٩٩"
OTHER_DIGITS = "号码只能用数字0-9填写，请检查输入法。"
SURROGATE = "含有无法保存的字符（U+D800），请删除后重新输入。"
NUL = "含有无法保存的空字符，请删除后重新输入。"
ALREADY = "以下手机号码已报名本班次：139****0000。"
TOO_MANY = "来自该网络或号码的尝试过于频繁，请稍等几分钟再试。"


TRAINEE = {"name": "张三", "phone": NUMBER, "unit": "芝罘区向阳街道党工委"}


def form_data(**fields) -> dict:
    return TRAINEE | {"consent": "on"} | fields


def api_body(**fields) -> dict:
    return TRAINEE | {"consent": True} | fields


def post_api(client, cohort, body, **extra):
    return client.post(
        f"/api/v1/cohorts/{cohort.pk}/registrations/",
        json.dumps(body),
        content_type="application/json",
        headers={"accept-language": "zh-hans"},
        **extra,
    )


def phones() -> list[str]:
    return list(Registration.objects.order_by("pk").values_list("phone", flat=True))


# Other scripts' digits (defect 3)


def test_web_form_refuses_arabic_indic_digits_for_a_number_that_holds_a_seat(client, cohort):
    register(cohort.pk, applicants=[ApplicantFactory(phone="13655599999")])

    response = client.post(cohort.get_url(), form_data(phone=ARABIC_INDIC))

    assert response.status_code == 400
    assert response.context["form"].errors == {"phone": [OTHER_DIGITS]}
    assert phones() == ["13655599999"]


def test_api_refuses_arabic_indic_digits_for_a_number_that_holds_a_seat(client, cohort):
    register(cohort.pk, applicants=[ApplicantFactory(phone="13655599999")])

    response = post_api(client, cohort, api_body(phone=ARABIC_INDIC))

    assert response.status_code == 400
    assert response.json() == {"phone": [OTHER_DIGITS]}
    assert phones() == ["13655599999"]


# Typed forms of one number (issue 10)


@pytest.mark.parametrize("typed", TYPED)
def test_web_form_stores_a_typed_mobile_as_its_11_digits(client, cohort, typed):
    response = client.post(cohort.get_url(), form_data(phone=typed))

    assert response.status_code == 302
    assert phones() == [NUMBER]


@pytest.mark.parametrize("typed", TYPED)
def test_api_stores_a_typed_mobile_as_its_11_digits(client, cohort, typed):
    response = post_api(client, cohort, api_body(phone=typed))

    assert response.status_code == 201
    assert phones() == [NUMBER]


@pytest.mark.parametrize("typed", TYPED)
def test_web_form_refuses_a_second_seat_for_the_number_typed_differently(client, cohort, typed):
    register(cohort.pk, applicants=[ApplicantFactory(phone=NUMBER)])

    response = client.post(cohort.get_url(), form_data(phone=typed))

    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [ALREADY]
    assert phones() == [NUMBER]


@pytest.mark.parametrize("typed", TYPED)
def test_api_refuses_a_second_seat_for_the_number_typed_differently(client, cohort, typed):
    register(cohort.pk, applicants=[ApplicantFactory(phone=NUMBER)])

    response = post_api(client, cohort, api_body(phone=typed))

    assert response.status_code == 409
    assert response.json() == {"detail": ALREADY, "code": "already_registered"}
    assert phones() == [NUMBER]


def group_data(contact_phone: str, *trainee_phones: str) -> dict:
    data = {
        "unit": "芝罘区向阳街道党工委",
        "contact_name": "王老师",
        "contact_phone": contact_phone,
        "consent": "on",
        "trainee-TOTAL_FORMS": str(len(trainee_phones)),
        "trainee-INITIAL_FORMS": "0",
    }
    for index, phone in enumerate(trainee_phones):
        data |= {f"trainee-{index}-{name}": value for name, value in TRAINEE.items()}
        data[f"trainee-{index}-phone"] = phone
    return data


def test_group_refuses_one_number_typed_two_ways(client, cohort):
    data = group_data("+86 137 0000 9999", NUMBER, "+86 139-0000-0000")

    response = client.post(cohort.get_url() + "group/", data)

    assert response.status_code == 400
    assert response.context["formset"].non_form_errors() == ["每位学员须填写各自的手机号码。"]
    assert phones() == []


def test_group_stores_the_contacts_typed_mobile_as_its_11_digits(client, cohort):
    data = group_data("0086 137 0000 9999", "+86 139 0000 0000")

    response = client.post(cohort.get_url() + "group/", data)

    assert response.status_code == 302  # to the group's page
    assert RegistrationGroup.objects.get().contact_phone == "13700009999"
    assert phones() == [NUMBER]


def test_lookup_finds_the_registration_by_the_number_typed_with_its_prefix(client, cohort):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(phone=NUMBER)])

    response = client.post(
        "/bookings/find/", {"phone": "+86 139 0000 0000", "code": registration.code}
    )

    assert response.status_code == 302
    assert response["Location"] == registration.get_absolute_url()


# One per-phone budget, however the number is typed


def test_web_form_rate_limit_per_phone_counts_every_typed_form(client, settings, cohort):
    settings.BOOKINGS_RATE_PER_PHONE = "2/h"
    for n, typed in enumerate([NUMBER, "8613900000000"]):
        client.post(cohort.get_url(), form_data(phone=typed, consent=""), REMOTE_ADDR=f"10.0.0.{n}")

    response = client.post(
        cohort.get_url(), form_data(phone="+86 139 0000 0000"), REMOTE_ADDR="10.0.0.9"
    )

    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [TOO_MANY]
    assert phones() == []


def test_api_rate_limit_per_phone_counts_every_typed_form(client, settings, cohort):
    settings.BOOKINGS_RATE_PER_PHONE = "2/h"
    for n, typed in enumerate([NUMBER, "0086-139-0000-0000"]):
        post_api(client, cohort, api_body(phone=typed, consent=False), REMOTE_ADDR=f"10.0.0.{n}")

    response = post_api(client, cohort, api_body(phone="+86 139 0000 0000"), REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert phones() == []


def test_invalid_phones_do_not_spend_a_numbers_budget(client, settings, cohort):
    settings.BOOKINGS_RATE_PER_PHONE = "1/h"
    for n, junk in enumerate(["139000000001", "1390000000x", ARABIC_INDIC]):
        post_api(client, cohort, api_body(phone=junk), REMOTE_ADDR=f"10.0.0.{n}")

    response = post_api(client, cohort, api_body(), REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 201
    assert phones() == [NUMBER]


# Text no database can store (defect 5): a 400 with a message, nothing written


@pytest.mark.parametrize("field", ["phone", "name", "unit"])
def test_api_refuses_a_lone_surrogate_with_a_chinese_message(client, cohort, field):
    response = post_api(client, cohort, api_body(**{field: "张\ud800三"}))

    messages = re.findall(r'"([^"]*)"', json.dumps(response.json(), ensure_ascii=False))
    assert response.status_code == 400
    assert re.search(r"[\u4e00-\u9fff]", " ".join(messages))
    assert phones() == []


@pytest.mark.parametrize(
    ("field", "messages"),
    [
        ("phone", ["请输入以1开头的11位手机号码。", SURROGATE]),
        ("name", [SURROGATE]),
        ("unit", [SURROGATE]),
        ("position", [SURROGATE]),
        ("email", [SURROGATE, "请填写正确的电子邮箱，例如 name@example.com。"]),
    ],
)
def test_serializer_refuses_a_lone_surrogate_in_each_field(field, messages):
    serializer = RegistrationRequestSerializer(
        data=api_body(**{field: "a\ud800@example.org"}), context={"cohort": Cohort()}
    )

    assert not serializer.is_valid()
    assert serializer.errors == {field: messages}


@pytest.mark.parametrize("field", ["name", "phone", "unit", "position", "email"])
def test_registration_form_refuses_a_lone_surrogate_in_each_field(field):
    form = RegistrationForm(
        form_data(**{field: "a\ud800@example.org"}), cohort=Cohort(asks_id_number=False)
    )

    assert not form.is_valid()
    assert SURROGATE in form.errors[field]


@pytest.mark.parametrize("field", ["unit", "contact_name", "contact_phone"])
def test_group_contact_form_refuses_a_lone_surrogate_in_each_field(field):
    data = {"unit": "芝罘区", "contact_name": "王老师", "contact_phone": NUMBER, "consent": "on"}

    form = GroupContactForm(data | {field: "王\ud800"})

    assert not form.is_valid()
    assert SURROGATE in form.errors[field]


@pytest.mark.parametrize("field", ["phone", "code"])
def test_lookup_form_refuses_a_lone_surrogate_in_each_field(field):
    form = LookupForm({"phone": NUMBER, "code": "ACDEFGHJ"} | {field: "A\ud800"})

    assert not form.is_valid()
    assert SURROGATE in form.errors[field]


def test_web_form_refuses_a_nul_with_a_chinese_message(client, cohort):
    response = client.post(cohort.get_url(), form_data(name="张\x00三"))

    assert response.status_code == 400
    assert response.context["form"].errors == {"name": [NUL]}
    assert phones() == []


# The schema says what the API takes (issue 9, 11)


@pytest.fixture
def schema(client):
    return client.get("/api/schema/", {"format": "json"}).json()


@pytest.fixture
def request_schema(schema):
    return schema["components"]["schemas"]["RegistrationRequest"]["properties"]


def test_schema_says_consent_must_be_true(schema, request_schema):
    assert request_schema["consent"] == {"$ref": "#/components/schemas/ConsentEnum"}
    assert schema["components"]["schemas"]["ConsentEnum"] == {"type": "boolean", "enum": [True]}


def test_schema_gives_name_phone_and_unit_lengths_and_patterns(request_schema):
    assert {
        name: (request_schema[name]["minLength"], request_schema[name]["maxLength"])
        for name in ("name", "phone", "unit")
    } == {"name": (1, 40), "phone": (1, 20), "unit": (1, 120)}
    assert all(request_schema[name]["pattern"] for name in ("name", "phone", "unit"))


ID_NUMBER = valid_id_number(1)
SAMPLES = {
    "phone": [
        NUMBER,
        *TYPED,
        " 139 0000 0000 ",
        "139\u30000000\u30000000",
        "+ 86 139 0000 0000",
        "+86 139 0000 00000",
        "+1 139 0000 0000",
        "(+86)13900000000",
        "12900000000",
        "1390000000x",
        ARABIC_INDIC,
        "",
        "   ",
        "139\x0000000000",
        "\x1c139\x1c0000\x1c0000",
        "139﹘0000︱0000",
        "13900000000 13900000000",
    ],
    "name": ["张三", "  欧阳　 修 ", "", "   ", "\u3000", "\x1c", "\x85", "张\x00三"]
    + ["张" * 40, "张" * 41],
    "unit": ["芝罘区向阳街道党工委", " 党工委 ", "", " ", "a\x00", "a" * 120, "a" * 121],
    "position": ["支部书记", "", "   ", "a\x00", "a" * 60, "a" * 61],
    "id_number": [
        ID_NUMBER,
        ID_NUMBER.lower(),
        f"{ID_NUMBER[:6]} {ID_NUMBER[6:14]}-{ID_NUMBER[14:]}",
        "".join(chr(ord(char) + 0xFEE0) for char in ID_NUMBER),
        "",
        "  ",
        "-",
        ID_NUMBER[:17],
        ID_NUMBER[:10] + "٣" + ID_NUMBER[11:],
        ID_NUMBER + "  " * 4,
    ],
}


def api_accepts(field: str, typed: str) -> bool:
    serializer_field = RegistrationRequestSerializer(context={"cohort": Cohort()}).fields[field]
    try:
        serializer_field.run_validation(typed)
    except ValidationError:
        return False
    return True


# A lone surrogate is not among the samples: no JSON Schema string holds one (the API refuses
# it, above).
EACH_SAMPLE = pytest.mark.parametrize(
    ("field", "typed"), [(field, typed) for field, samples in SAMPLES.items() for typed in samples]
)


@EACH_SAMPLE
def test_schema_accepts_what_the_api_accepts(request_schema, field, typed):
    validator = jsonschema.Draft7Validator(request_schema[field])

    assert validator.is_valid(typed) == api_accepts(field, typed)


@EACH_SAMPLE
def test_schema_as_schemathesis_reads_it_accepts_what_the_api_accepts(request_schema, field, typed):
    """schemathesis checks patterns with Rust's regex engine, where `\\s` and `$` differ."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    validator = jsonschema_rs.Draft7Validator(
        request_schema[field], pattern_options=jsonschema_rs.FancyRegexOptions()
    )

    assert validator.is_valid(typed) == api_accepts(field, typed)


# The model normalises too: what a staff form or an import validates is stored as forms store it


def test_a_validated_registration_stores_the_typed_number_as_its_11_digits(cohort):
    registration = Registration(
        cohort=cohort,
        status=Registration.Status.CONFIRMED,
        code="ACDEFGHJ",
        token="t" * 32,
        name=" 欧阳　 修 ",
        phone="+86 139-0000-0000",
        unit="芝罘区向阳街道党工委",
        id_number=valid_id_number(1).lower(),
        consented_at=cohort.created_at,
    )

    registration.full_clean()

    assert (registration.name, registration.phone, registration.id_number) == (
        "欧阳 修",
        NUMBER,
        valid_id_number(1),
    )


def test_a_validated_registration_refuses_other_scripts_digits(cohort):
    registration = Registration(cohort=cohort, phone=ARABIC_INDIC)

    with pytest.raises(DjangoValidationError) as excinfo:
        registration.clean_fields()

    assert excinfo.value.message_dict["phone"] == [OTHER_DIGITS]


def test_a_validated_group_stores_the_contacts_typed_number_as_its_11_digits(cohort):
    group = RegistrationGroup(
        cohort=cohort, unit="芝罘区", contact_name="王老师", contact_phone="0086 137 0000 9999"
    )

    group.full_clean()

    assert group.contact_phone == "13700009999"
