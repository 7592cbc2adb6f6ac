"""Validators for Chinese identifiers (unified social credit codes, mobile and ID numbers), and
the normalisers that turn what people type into the value stored."""

import re
import unicodedata
from collections.abc import Callable
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def normalize_digits(value: str) -> str:
    """Full-width digits and letters become ASCII; spaces and dashes go."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-]", "", value).upper()


def normalize_name(value: str) -> str:
    """Each run of spaces (full-width ones and line breaks too) becomes one space; the ends go."""
    return " ".join((value or "").split())


class TypedInput(NamedTuple):
    """How forms and the API take a value as people type it: `normalize` turns it into the
    stored value before it is validated; `max_length`, when set, is how long the typed text may
    be (a mobile number keyed with spaces and dashes is longer than its 11 digits)."""

    normalize: Callable[[str], str]
    max_length: int | None = None


NAME_INPUT = TypedInput(normalize_name)
MOBILE_INPUT = TypedInput(normalize_digits, max_length=20)
ID_NUMBER_INPUT = TypedInput(normalize_digits, max_length=24)


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_CHARSET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """GB 32100: 18 characters from a 31-letter alphabet, the last a weighted mod-31 check."""
    code = normalize_digits(value)
    if len(code) != 18 or any(char not in CREDIT_CODE_CHARSET for char in code):
        raise ValidationError(
            _("A unified social credit code has 18 digits or capital letters (no I, O, S, V, Z)."),
            code="credit_code_format",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("This unified social credit code's check character is wrong; please check it."),
            code="credit_code_check",
        )


def id_number_check_char(first17: str) -> str:
    total = sum(int(char) * weight for char, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def validate_id_number(value: str) -> None:
    """GB 11643: 17 digits and a mod-11 check character (0-9 or X)."""
    number = normalize_digits(value)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a final digit or X."),
            code="id_format",
        )
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number's check digit is wrong; please check it."), code="id_check"
        )


def validate_mobile(value: str) -> None:
    if not re.fullmatch(r"1[3-9]\d{9}", normalize_digits(value)):
        raise ValidationError(
            _("Enter an 11-digit mobile number starting with 1."), code="mobile_format"
        )


def validate_office_phone(value: str) -> None:
    """An office line (0535-6xxxxxx, with optional extension) or a mobile number."""
    number = normalize_digits(value.replace("转", "-")).replace("(", "").replace(")", "")
    if not re.fullmatch(r"(0\d{2,3}\d{7,8}(\d{1,6})?|1[3-9]\d{9}|400\d{7})", number):
        raise ValidationError(
            _("Enter a phone number such as 0535-6688123 or an 11-digit mobile number."),
            code="phone_format",
        )


def mask_phone(value: str) -> str:
    number = normalize_digits(value)
    if len(number) < 7:
        return "*" * len(number)
    return f"{number[:3]}****{number[-4:]}"


def mask_id_number(value: str) -> str:
    number = normalize_digits(value)
    if len(number) < 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"
