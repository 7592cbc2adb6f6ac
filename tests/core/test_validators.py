import re

import pytest
from django.core.exceptions import ValidationError

from core.validators import (
    TYPED_SEPARATOR,
    WHITESPACE,
    credit_code_check_char,
    id_number_check_char,
    mask_id_number,
    mask_phone,
    normalize_digits,
    normalize_mobile,
    normalize_name,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_no_surrogates,
    validate_office_phone,
)
from tests.factories import valid_credit_code

# A code widely printed as the GB 32100 worked example. By hand, with the alphabet
# 0-9 A-H J-N P-R T U W-Y (M = 21, Y = 30) and the weights 3^i mod 31:
#   9·1 + 1·3 + 3·9 + 5·27 + 0·19 + 1·26 + 0·16 + 0·17 + 21·20 + 0·29 + 0·25 + 0·13 + 1·8
#   + 0·24 + 0·10 + 30·30 + 4·28 = 1640;  1640 mod 31 = 28;  31 - 28 = 3  -> "3".
PUBLISHED_CREDIT_CODE = "91350100M000100Y43"
# The GB 11643 example: Σ digit·weight = 167; 167 mod 11 = 2 -> "X".
PUBLISHED_ID_NUMBER = "11010519491231002X"


def error_code(validator, value) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value.code


def test_credit_code_check_char_published_example():
    assert credit_code_check_char(PUBLISHED_CREDIT_CODE[:17]) == "3"


def test_validate_credit_code_published_example_passes():
    assert validate_credit_code(PUBLISHED_CREDIT_CODE) is None


@pytest.mark.parametrize("serial", [0, 1, 42, 123456789])
def test_validate_credit_code_computed_codes_pass(serial):
    code = valid_credit_code(serial)

    assert len(code) == 18
    assert validate_credit_code(code) is None


def test_validate_credit_code_wrong_check_char_fails():
    assert error_code(validate_credit_code, "91350100M000100Y44") == "credit_code_check"


def test_validate_credit_code_swapped_characters_fail():
    assert error_code(validate_credit_code, "91350100M000010Y43") == "credit_code_check"


@pytest.mark.parametrize(
    "value",
    [
        "91350100m000100y43",
        "９１３５０１００Ｍ０００１００Ｙ４３",
        " 91350100-M000100Y43 ",
        "9135 0100 M000 100Y 43",
    ],
)
def test_validate_credit_code_lowercase_full_width_and_spaces_normalised(value):
    assert normalize_digits(value) == PUBLISHED_CREDIT_CODE
    assert validate_credit_code(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100O000100Y43",  # O is not in the alphabet
        "91350100I000100Y43",  # nor is I
        "91350100S000100Y43",  # nor S
        "91350100M00010?Y43",
    ],
)
def test_validate_credit_code_bad_format_fails(value):
    assert error_code(validate_credit_code, value) == "credit_code_format"


def test_id_number_check_char_published_example():
    assert id_number_check_char(PUBLISHED_ID_NUMBER[:17]) == "X"


@pytest.mark.parametrize(
    "value",
    [
        PUBLISHED_ID_NUMBER,
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105 19491231 002X",
        "110105-19491231-002x",
    ],
)
def test_validate_id_number_valid_forms_pass(value):
    assert validate_id_number(value) is None


def test_validate_id_number_wrong_check_digit_fails():
    assert error_code(validate_id_number, "110105194912310021") == "id_check"


@pytest.mark.parametrize(
    "value", ["", "11010519491231002", "1101051949123100XX", "X10105194912310021"]
)
def test_validate_id_number_bad_format_fails(value):
    assert error_code(validate_id_number, value) == "id_format"


@pytest.mark.parametrize(
    "value",
    ["13812341234", "１３８１２３４１２３４", "138 1234 1234", "138-1234-1234", "19912341234"],
)
def test_validate_mobile_valid_forms_pass(value):
    assert validate_mobile(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "+86 139 0000 0000",
        "+86-139-0000-0000",
        "0086-13900000000",
        "0086 139 0000 0000",
        "8613900000000",
        "86 13900000000",
        "１３９００００００００",
        "＋８６ １３９－００００－００００",
        "139—0000—0000",
        "139\u30000000\u30000000",
    ],
)
def test_normalize_mobile_takes_prefixes_full_width_digits_and_separators(value):
    assert normalize_mobile(value) == "13900000000"
    assert validate_mobile(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12812341234",
        "1381234123",
        "138123412345",
        "+8612812341234",
        "+86139000000001",
        "+13900000000",
        "8713900000000",
        "(+86)13900000000",
        "1381234123a",
    ],
)
def test_validate_mobile_bad_numbers_fail(value):
    assert error_code(validate_mobile, value) == "mobile_format"


@pytest.mark.parametrize(
    "value",
    [
        "0535-6688123",
        "05356688123",
        "0535 6688 123",
        "０５３５－６６８８１２３",
        "0535-6688123转8001",
        "0535-6688123-8001",
        "010-12345678",
        "13812341234",
        "400-800-1234",
    ],
)
def test_validate_office_phone_valid_forms_pass(value):
    assert validate_office_phone(value) is None


@pytest.mark.parametrize(
    "value", ["", "6688123", "2535-6688123", "0535-66881", "12812341234", "(0535)6688123x"]
)
def test_validate_office_phone_bad_numbers_fail(value):
    assert error_code(validate_office_phone, value) == "phone_format"


# Digits of other scripts: `\d` matched them and NFKC leaves them as they are.
ARABIC_INDIC_MOBILE = "136٥٥٥٩٩٩٩٩"


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (validate_mobile, ARABIC_INDIC_MOBILE),
        (validate_mobile, "१३९०००००००००"),  # Devanagari
        (validate_mobile, "+86 136٥٥٥٩٩٩٩٩"),
        (validate_id_number, PUBLISHED_ID_NUMBER[:10] + "٣١٠٠٢X"),
        (validate_id_number, "১১০১০৫১৯৪৯১২৩১০০২X"),  # Bengali
        (validate_credit_code, PUBLISHED_CREDIT_CODE[:5] + "٠١٠٠M000100Y43"),
        (validate_office_phone, "0535-66٨٨123"),
    ],
)
def test_validators_refuse_other_scripts_digits_with_their_own_message(validator, value):
    with pytest.raises(ValidationError) as excinfo:
        validator(value)

    assert excinfo.value.code == "other_digits"
    assert excinfo.value.messages == ["号码只能用数字0-9填写，请检查输入法。"]


@pytest.mark.parametrize("value", ["张\ud800三", "\udfff", "a\udc00"])
def test_validate_no_surrogates_refuses_a_lone_surrogate(value):
    assert error_code(validate_no_surrogates, value) == "surrogate_characters_not_allowed"


def test_validate_no_surrogates_says_which_character_in_chinese():
    with pytest.raises(ValidationError) as excinfo:
        validate_no_surrogates("张\ud800三")

    assert excinfo.value.messages == ["含有无法保存的字符（U+D800），请删除后重新输入。"]


@pytest.mark.parametrize("value", ["张三", "欧阳 修", "😀", "𠮷野家", ""])
def test_validate_no_surrogates_passes_any_storable_text(value):
    assert validate_no_surrogates(value) is None


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812341234", "138****1234"),
        ("１３８ １２３４ １２３４", "138****1234"),
        ("0535-6688123", "053****8123"),
        ("123456", "******"),
        ("", ""),
    ],
)
def test_mask_phone_keeps_first_three_and_last_four(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [(PUBLISHED_ID_NUMBER, "1101**********002X"), ("1234567", "*******")],
)
def test_mask_id_number_keeps_first_and_last_four(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("张三", "张三"),
        ("  张　 三 ", "张 三"),
        ("欧阳\t\n修", "欧阳 修"),
        ("Li  Ming", "Li Ming"),
        ("　", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_name_makes_each_run_of_spaces_one_and_trims_the_ends(value, normalised):
    assert normalize_name(value) == normalised


# The schema's patterns name what the normalisers take


def every_character():
    return (chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)


def test_whitespace_in_patterns_is_pythons_whitespace():
    pattern = re.compile(f"[{WHITESPACE}]")

    assert [
        char for char in every_character() if bool(pattern.fullmatch(char)) != char.isspace()
    ] == []


def test_typed_separators_are_every_character_the_normaliser_drops():
    pattern = re.compile(TYPED_SEPARATOR)

    assert [
        char
        for char in every_character()
        if bool(pattern.fullmatch(char)) != (normalize_digits(f"1{char}1") == "11")
    ] == []
