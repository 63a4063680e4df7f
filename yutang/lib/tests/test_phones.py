from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from yutang.lib.phones import (
    PhoneError,
    _check_cn,
    find_phones,
    normalize_phone,
    to_halfwidth,
)


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        " 13800138000 ",
        "138 0013 8000",
        "138-0013-8000",
        "138.0013.8000",
        "(138) 0013 8000",
        "138—0013—8000",
        "+8613800138000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "(+86) 138.0013.8000",
        "0086 13800138000",
        "008613800138000",
        "8613800138000",
        "86 138 0013 8000",
        "１３８００１３８０００",
        "+８６ １３８-００１３-８０００",
    ],
)
def test_it_normalises_chinese_mobile_spellings(raw: str) -> None:
    assert normalize_phone(raw) == "13800138000"


@pytest.mark.parametrize(
    "raw",
    ["13111111111", "13911111111", "13311111111", "15000000000", "17723431776", "19912345678"],
)
def test_it_accepts_the_placeholder_numbers_of_the_shared_cases(raw: str) -> None:
    assert normalize_phone(raw) == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+447911123456", "+447911123456"),
        ("+44 7911 123456", "+447911123456"),
        ("0044 7911 123456", "+447911123456"),
        ("+1 415 555 2671", "+14155552671"),
        ("+852 9123 4567", "+85291234567"),
    ],
)
def test_it_normalises_foreign_mobiles_to_e164(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_it_gives_an_empty_string_for_an_empty_phone(raw: str) -> None:
    assert normalize_phone(raw) == ""


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("abc", "invalid"),
        ("1380013800a", "invalid"),
        ("13800138000 ext 1", "invalid"),
        ("138 0013 8000#", "invalid"),
        ("++8613800138000", "invalid"),
        ("+", "invalid"),
        ("-", "invalid"),
        ("1", "invalid"),
        ("10086", "invalid"),
        ("1380013800", "invalid"),
        ("138001380001", "invalid"),
        ("+86 138001380001", "invalid"),
        ("12345678901", "unallocated"),
        ("14011111111", "unallocated"),
        ("+44 1234", "invalid"),
        ("+999 123456789", "invalid"),
        ("0755-22107333", "not_mobile"),
        ("010 12345678", "not_mobile"),
        ("+86 0755 22107333", "not_mobile"),
        ("4008123123", "not_mobile"),
        ("+44 20 7946 0958", "not_mobile"),
    ],
)
def test_it_refuses_what_is_not_a_mobile_number(raw: str, code: str) -> None:
    with pytest.raises(PhoneError) as caught:
        normalize_phone(raw)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)


def test_it_keeps_text_length_when_converting_full_width_characters() -> None:
    text = "电话：１３８ ００１３　８０００，①"
    assert to_halfwidth(text) == "电话:138 0013 8000,①"
    assert len(to_halfwidth(text)) == len(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("刘娇 131 1111 1111", [("13111111111", "131 1111 1111")]),
        ("电话：13111111111", [("13111111111", "13111111111")]),
        ("+86 138-0013-8000", [("13800138000", "+86 138-0013-8000")]),
        ("(+86) 138 0013 8000", [("13800138000", "(+86) 138 0013 8000")]),
        ("tel:+8613800138000.", [("13800138000", "+8613800138000")]),
        ("8613800138000", [("13800138000", "8613800138000")]),
        ("袁月青13111111111四川省成都市", [("13111111111", "13111111111")]),
        ("电话：１３８００１３８０００", [("13800138000", "１３８００１３８０００")]),
        ("虚拟号 13500001234-8888", [("13500001234", "13500001234")]),
        ("call +44 7911 123456 now", [("+447911123456", "+44 7911 123456")]),
        (
            "a 13800138000, b 139-1111-1111",
            [("13800138000", "13800138000"), ("13911111111", "139-1111-1111")],
        ),
    ],
)
def test_it_finds_phones_in_free_text(text: str, expected: list[tuple[str, str]]) -> None:
    found = find_phones(text)
    assert [(number, text[start:end]) for number, start, end in found] == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "广东省深圳市南山区科技园科苑路15号",
        "0755-22107333",
        "身份证 110101192007207351",
        "订单号 2023138001380001",
        "邮编 518000",
        "1380013800",
        "call +44 20 7946 0958",
    ],
)
def test_it_finds_no_phone_where_there_is_no_mobile(text: str) -> None:
    assert find_phones(text) == []


def test_it_finds_a_mobile_by_its_shape_even_if_phonenumbers_rejects_it() -> None:
    # The form validates the number later; the paste should still take it out of the address.
    assert find_phones("王五 14011111111 北京市") == [("14011111111", 3, 14)]


def _verdict(check: Callable[[str], str], digits: str) -> str:
    try:
        return check(digits)
    except PhoneError as exc:
        return f"refused ({exc.code})"


def test_it_judges_eleven_digit_numbers_by_their_first_digits_as_phonenumbers_does() -> None:
    rng = random.Random(20261130)
    numbers = [f"1{n:04}{rng.randrange(10**6):06}" for n in range(10**4)]  # every 5-digit range
    numbers += [f"1{n:04}{suffix}" for n in range(0, 10**4, 7) for suffix in ("000000", "999999")]
    numbers += [f"10{rng.randrange(10**9):09}" for _ in range(2000)]  # Beijing's landline ranges
    for number in numbers:
        # _check_cn is phonenumbers' own verdict, without the shortcut; an invalid number of
        # 11 digits starting with 1 is one of no allocated range.
        expected = _verdict(_check_cn, number).replace("(invalid)", "(unallocated)")
        assert _verdict(normalize_phone, number) == expected, number


# Ranges given to operators (MIIT numbering plan): 13x, 145/147 data, 15x but 154, 162/165/167
# virtual, 166, 17x but 174 (satellite 1740x only) and 179, 18x, 19x but 194 (190/191/193/199
# telecom, 192 China Broadcast Network, 195/197/198 mobile, 196 unicom).
@pytest.mark.parametrize(
    "number",
    ["13012345678", "14512345678", "14712345678", "15312345678", "16212345678", "16512345678",
     "16612345678", "16712345678", "17012345678", "17212345678", "17400123456", "17812345678",
     "18912345678", "19012345678", "19112345678", "19212345678", "19312345678", "19512345678",
     "19612345678", "19712345678", "19812345678", "19912345678"],
)  # fmt: skip
def test_it_takes_every_allocated_mobile_range(number: str) -> None:
    assert normalize_phone(number) == number


@pytest.mark.parametrize(
    "number",
    ["10012345678", "11012345678", "12012345678", "14012345678", "14412345678", "15412345678",
     "16012345678", "16312345678", "16912345678", "17412345678", "17912345678", "19412345678",
     "+86 154 1234 5678", "8615412345678"],
)  # fmt: skip
def test_it_says_an_eleven_digit_number_of_no_range_is_unallocated(number: str) -> None:
    with pytest.raises(PhoneError) as caught:
        normalize_phone(number)
    assert caught.value.code == "unallocated"


@pytest.mark.parametrize("number", ["1541234567", "154123456789", "1381234567", "0755-22107333"])
def test_a_wrong_length_or_a_landline_is_not_called_unallocated(number: str) -> None:
    with pytest.raises(PhoneError) as caught:
        normalize_phone(number)
    assert caught.value.code != "unallocated"
