import pytest
from django.core import signing

from attendance.qr import registration_from_code, registration_qr_text
from bookings.services import rotate_token
from tests.bookings.factories import register_trainees

pytestmark = pytest.mark.django_db


def test_qr_text_names_the_registration(registration):
    text = registration_qr_text(registration)

    assert registration_from_code(text) == registration


def test_qr_text_holds_no_personal_data_and_fits_a_small_qr(registration):
    text = registration_qr_text(registration)

    assert text.isascii()
    assert len(text) <= 53  # a version-3 QR code at error correction L holds 53 bytes
    for personal in (registration.name, registration.phone, registration.code, registration.token):
        assert personal not in text


def test_qr_text_forged_without_the_secret_is_refused(registration):
    forged = signing.Signer(key="not-the-secret", salt="attendance.checkin-qr").sign(
        str(registration.pk)
    )

    assert registration_from_code(forged) is None


def test_qr_text_with_a_made_up_signature_is_refused(registration):
    assert registration_from_code(f"{registration.pk}:{'A' * 43}") is None
    assert registration_from_code(f"{registration.pk}:") is None


def test_qr_text_tampered_to_name_another_registration_is_refused(cohort, registration):
    (other,) = register_trainees(cohort, 1)
    _pk, _, signature = registration_qr_text(registration).partition(":")

    assert registration_from_code(f"{other.pk}:{signature}") is None


def test_qr_text_changed_in_case_is_refused(registration):
    text = registration_qr_text(registration)

    assert registration_from_code(text.swapcase()) is None


def test_qr_text_revoked_by_resetting_the_private_link(registration):
    old = registration_qr_text(registration)

    rotate_token(registration)

    assert registration_from_code(old) is None
    assert registration_from_code(registration_qr_text(registration)) == registration


def test_qr_text_of_an_unknown_registration_is_refused(registration):
    registration.pk += 1000

    assert registration_from_code(registration_qr_text(registration)) is None


@pytest.mark.parametrize(
    "typed",
    [
        "{code}",
        "{lower}",
        " {code} ",
        "{spaced}",
        "{dashed}",
        "{fullwidth}",
    ],
)
def test_typed_code_as_people_type_it(registration, typed):
    code = registration.code
    text = typed.format(
        code=code,
        lower=code.lower(),
        spaced=f"{code[:4]} {code[4:]}",
        dashed=f"{code[:4]}-{code[4:]}",
        fullwidth="".join(chr(ord(char) + 0xFEE0) for char in code),
    )

    assert registration_from_code(text) == registration


@pytest.mark.parametrize(
    "text", ["", "   ", "ABCDEFGH", "\x00", "x" * 500, "12:34:56", "１２:abc", "-1:abc", "名字"]
)
def test_unknown_or_malformed_text_is_none(registration, text):
    assert registration_from_code(text) is None
