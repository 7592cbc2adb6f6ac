"""The trainee's fields are declared once, on Registration: the forms, the API's serializer and
the services' Applicant are made from them, and take typed input the same way."""

import dataclasses

import pytest
from django.utils import translation

from bookings.api import RegistrationRequestSerializer
from bookings.forms import RegistrationForm, TraineeForm
from bookings.models import Cohort, Registration
from bookings.services import Applicant

from .factories import valid_id_number

pytestmark = pytest.mark.django_db

TRAINEE_FIELDS = list(Registration.TRAINEE_FIELDS)
MAX_LENGTHS = {
    "name": 40,
    "phone": 20,
    "unit": 120,
    "position": 60,
    "party_organisation": 120,
    "origin_province": 20,
    "origin_city": 30,
    "email": 254,
    "id_number": 24,
}
ID_NUMBER = valid_id_number(1)


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if char.isdigit() else char for char in text)


TYPED = {
    "name": "  欧阳　 修 ",
    "phone": "１３８-００１３ ８０００",
    "unit": "芝罘区向阳街道党工委",
    "email": "ouyang@example.org",
    "id_number": f"{full_width(ID_NUMBER[:6])} {ID_NUMBER[6:14]} {ID_NUMBER[14:].lower()}",
}
STORED = Applicant(
    name="欧阳 修",
    phone="13800138000",
    unit="芝罘区向阳街道党工委",
    email="ouyang@example.org",
    id_number=ID_NUMBER,
)


def asking_cohort() -> Cohort:
    return Cohort(asks_id_number=True)


def test_trainee_form_fields_are_the_models_trainee_fields():
    assert list(TraineeForm(cohort=asking_cohort()).fields) == TRAINEE_FIELDS
    assert list(TraineeForm(cohort=Cohort()).fields) == [
        name for name in TRAINEE_FIELDS if name != "id_number"
    ]
    assert list(RegistrationForm(cohort=Cohort()).fields)[-1] == "consent"


def test_trainee_form_limits_and_required_fields():
    fields = RegistrationForm(cohort=asking_cohort()).fields

    assert {name: fields[name].max_length for name in TRAINEE_FIELDS} == MAX_LENGTHS
    assert [name for name, field in fields.items() if field.required] == [
        "name",
        "phone",
        "unit",
        "id_number",
        "consent",
    ]


def test_trainee_form_widgets_help_typing():
    fields = TraineeForm(cohort=asking_cohort()).fields

    assert fields["phone"].widget.attrs == {
        "inputmode": "tel",
        "autocomplete": "tel",
        "maxlength": "20",
    }
    assert fields["name"].widget.attrs == {"autocomplete": "name", "maxlength": "40"}
    assert fields["id_number"].widget.attrs == {"autocomplete": "off", "maxlength": "24"}


def test_trainee_form_labels_are_the_models_in_chinese():
    with translation.override("zh-hans"):
        fields = TraineeForm(cohort=asking_cohort()).fields
        labels = [str(fields[name].label) for name in TRAINEE_FIELDS]

    assert labels == [
        "姓名",
        "手机号码",
        "单位",
        "职务",
        "所在党组织",
        "省份",
        "城市",
        "电子邮箱",
        "身份证号",
    ]


def test_registration_form_normalises_typed_input():
    form = RegistrationForm(TYPED | {"consent": "on"}, cohort=asking_cohort())

    assert form.is_valid(), form.errors
    assert form.applicant() == STORED


def test_registration_form_leaves_out_the_id_number_the_cohort_does_not_ask_for():
    form = RegistrationForm(TYPED | {"consent": "on"}, cohort=Cohort())

    assert form.is_valid(), form.errors
    assert form.applicant() == dataclasses.replace(STORED, id_number="")


def test_serializer_fields_are_the_models_trainee_fields_and_consent():
    serializer = RegistrationRequestSerializer(context={"cohort": asking_cohort()})

    assert list(serializer.fields) == [*TRAINEE_FIELDS, "consent"]
    assert {name: serializer.fields[name].max_length for name in TRAINEE_FIELDS} == MAX_LENGTHS
    assert [name for name, field in serializer.fields.items() if field.required] == [
        "name",
        "phone",
        "unit",
        "consent",
    ]


def test_serializer_normalises_typed_input_as_the_form_does():
    serializer = RegistrationRequestSerializer(
        data=TYPED | {"consent": True}, context={"cohort": asking_cohort()}
    )

    assert serializer.is_valid(), serializer.errors
    assert serializer.applicant() == STORED


def test_applicant_fields_are_the_models_trainee_fields():
    applicant = Applicant(name="欧阳修", phone="13800138000", unit="芝罘区向阳街道党工委")

    assert [field.name for field in dataclasses.fields(Applicant)] == TRAINEE_FIELDS
    assert dataclasses.asdict(applicant) == {
        "name": "欧阳修",
        "phone": "13800138000",
        "unit": "芝罘区向阳街道党工委",
        "position": "",
        "party_organisation": "",
        "origin_province": "",
        "origin_city": "",
        "email": "",
        "id_number": "",
    }
    with pytest.raises(TypeError):
        Applicant(name="欧阳修", phone="13800138000")


def test_schema_documents_the_trainee_fields(client):
    response = client.get("/api/schema/", {"format": "json"})

    request = response.json()["components"]["schemas"]["RegistrationRequest"]
    properties = request["properties"]
    assert list(properties) == [*TRAINEE_FIELDS, "consent"]
    # An optional field's constraints are the first branch of a oneOf; the other is "".
    typed = {name: properties[name].get("oneOf", [properties[name]])[0] for name in TRAINEE_FIELDS}
    assert {name: schema["maxLength"] for name, schema in typed.items()} == MAX_LENGTHS
    assert typed["email"] == {"type": "string", "format": "email", "maxLength": 254}
    assert sorted(request["required"]) == ["consent", "name", "phone", "unit"]
    assert "description" not in request
