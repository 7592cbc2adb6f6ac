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


# What people put between digits, after NFKC has made full-width forms ASCII: spaces of every
# kind, hyphens and dashes (a Chinese keyboard types "－" or "—" as readily as "-").
SEPARATORS = re.compile(r"[\s\-‐‒–—―−]")
# Python's whitespace (`\s` on a str, and what str.split() splits on) spelled out for the
# schema's patterns: `\s` means other sets in ECMA and in the Rust engine schemathesis checks with.
WHITESPACE = (
    r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Every character that NFKC makes one of SEPARATORS, and the digits the schema names: ASCII and
# full-width (NFKC makes others ASCII too, circled and mathematical ones; the API takes them).
TYPED_SEPARATOR = rf"[{WHITESPACE}\-‐‑‒–—―−⁻₋︱︲﹘﹣－]"
TYPED_DIGIT = "[0-9０-９]"
# A mainland mobile number, once its country prefix (+86, 0086 or 86) is gone. ASCII digits only:
# `\d` on a str matches every script's digits, and no SMS reaches 136٥٥٥٩٩٩٩٩.
MOBILE = re.compile(r"1[3-9][0-9]{9}")
MOBILE_WITH_PREFIX = re.compile(r"(?:\+86|0086|86)(1[0-9]{10})")


def normalize_digits(value: str) -> str:
    """Full-width digits and letters become ASCII, lower-case letters capitals (an ID number's
    x); separators go. What ID numbers, credit codes and registration codes are stored as."""
    value = unicodedata.normalize("NFKC", value or "")
    return SEPARATORS.sub("", value).upper()


def normalize_mobile(value: str) -> str:
    """As `normalize_digits`, less the country prefix: "+86 139 0000 0000" is 13900000000."""
    number = normalize_digits(value)
    prefixed = MOBILE_WITH_PREFIX.fullmatch(number)
    return prefixed[1] if prefixed else number


def normalize_office_phone(value: str) -> str:
    """As `normalize_digits`, with "转" (extension) a separator and parentheses gone."""
    return re.sub(r"[()]", "", normalize_digits((value or "").replace("转", "-")))


def normalize_name(value: str) -> str:
    """Each run of spaces (full-width ones and line breaks too) becomes one space; the ends go."""
    return " ".join((value or "").split())


# Schema patterns for the typed text the API accepts, read alike by Python's `re`, ECMA and
# Rust's regex. A database stores neither NUL nor a lone surrogate; the API refuses both, but
# no pattern names surrogates (a JSON Schema string is made of Unicode scalar values).
NAME_PATTERN = rf"^[^\u0000]*[^{WHITESPACE}\u0000][^\u0000]*$"
OPTIONAL_TEXT_PATTERN = r"^[^\u0000]+$"
_S = f"{TYPED_SEPARATOR}*"
COUNTRY_PREFIX = rf"(?:(?:[+＋]|[0０]{_S}[0０]){_S})?[8８]{_S}[6６]"
MOBILE_PATTERN = (
    rf"^{_S}(?:{COUNTRY_PREFIX}{_S})?[1１]{_S}[3-9３-９]{_S}(?:{TYPED_DIGIT}{_S}){{9}}$"
)
# 17 digits and a check character, or only separators: a blank, for a cohort that does not ask.
ID_NUMBER_PATTERN = rf"^(?:{_S}(?:{TYPED_DIGIT}{_S}){{17}}[0-9０-９xXｘＸ]{_S}|{TYPED_SEPARATOR}+)$"


class TypedInput(NamedTuple):
    """How forms and the API take a value as people type it: `normalize` turns it into the
    stored value before it is validated; `max_length`, when set, is how long the typed text may
    be (a mobile number keyed with spaces and dashes is longer than its 11 digits); `pattern`
    describes the typed text the API accepts, for its schema."""

    normalize: Callable[[str], str]
    max_length: int | None = None
    pattern: str | None = None


NAME_INPUT = TypedInput(normalize_name, pattern=NAME_PATTERN)
TEXT_INPUT = TypedInput(normalize_name, pattern=OPTIONAL_TEXT_PATTERN)
MOBILE_INPUT = TypedInput(normalize_mobile, max_length=20, pattern=MOBILE_PATTERN)
ID_NUMBER_INPUT = TypedInput(normalize_digits, max_length=24, pattern=ID_NUMBER_PATTERN)


def refuse_other_digits(value: str) -> None:
    """NFKC leaves Arabic-Indic, Devanagari and other scripts' digits as they are: refuse them
    with a message that says why, rather than "enter 11 digits" to someone who typed 11."""
    if any(char.isdigit() and not char.isascii() for char in value):
        raise ValidationError(
            _("Numbers take the digits 0-9 only; please check your keyboard."),
            code="other_digits",
        )


def validate_no_surrogates(value: str) -> None:
    """A lone surrogate (U+D800-U+DFFF) cannot be encoded to UTF-8, so no database stores it.
    Django's CharField refuses NUL only; DRF's refuses both, with this message."""
    for char in value:
        if "\ud800" <= char <= "\udfff":
            raise ValidationError(
                _("Surrogate characters are not allowed: U+{code_point:X}.").format(
                    code_point=ord(char)
                ),
                code="surrogate_characters_not_allowed",
            )


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_CHARSET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """GB 32100: 18 characters from a 31-letter alphabet, the last a weighted mod-31 check."""
    code = normalize_digits(value)
    refuse_other_digits(code)
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
    refuse_other_digits(number)
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a final digit or X."),
            code="id_format",
        )
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number's check digit is wrong; please check it."), code="id_check"
        )


def validate_mobile(value: str) -> None:
    """11 ASCII digits starting with 1, once `normalize_mobile` has taken what people type."""
    number = normalize_mobile(value)
    refuse_other_digits(number)
    if not MOBILE.fullmatch(number):
        raise ValidationError(
            _("Enter an 11-digit mobile number starting with 1."), code="mobile_format"
        )


def validate_office_phone(value: str) -> None:
    """An office line (0535-6xxxxxx, with optional extension) or a mobile number."""
    number = normalize_office_phone(value)
    refuse_other_digits(number)
    if not re.fullmatch(r"(0[0-9]{2,3}[0-9]{7,8}([0-9]{1,6})?|1[3-9][0-9]{9}|400[0-9]{7})", number):
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
