"""The bounds of the dry run come from the model fields, and the parsers take what people type
into a spreadsheet and nothing that merely passes Python's own parsing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import models
from django.utils import translation

from yutang.customers.models import Customer
from yutang.imports.bounds import (
    BadValue,
    decimal_error,
    int_range,
    model_field,
    parse_decimal,
    parse_int,
    text_error,
)
from yutang.orders.models import OrderLine, Payment

PRICE = model_field(OrderLine, "unit_price")
QUANTITY = model_field(OrderLine, "quantity")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_it_says_it_in_chinese_by_default() -> None:
    with translation.override("zh-hans"), pytest.raises(BadValue) as caught:
        parse_int(QUANTITY, "１０", minimum=1)
    assert caught.value.message == "“１０”不是整数：请用半角数字填写，例如 10。"


@pytest.mark.parametrize(
    ("text", "value"),
    [("12.5", "12.50"), ("¥1,280.00", "1280.00"), ("￥ 99", "99.00"), ("1e3", "1000.00"),
     (".5", "0.50"), ("9999999999.99", "9999999999.99"), ("0", "0.00"), ("88元", "88.00")],
)  # fmt: skip
def test_it_reads_amounts_as_people_write_them(text: str, value: str) -> None:
    assert parse_decimal(PRICE, text, minimum=Decimal(0)) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("NaN", "not a number"), ("sNaN", "not a number"), ("Infinity", "not a number"),
     ("-Infinity", "not a number"), ("1e30", "Too large: at most 9,999,999,999.99."),
     ("99,999,999,999", "Too large"), ("10000000000", "Too large"), ("¥1,2,3", "not a number"),
     ("１２", "not a number"), ("12.345", "At most 2 decimal places."), ("-1", "at least 0"),
     ("1e-9", "decimal places"), ("1e999999999", "Too large"), ("12,34", "not a number"),
     ("1e9999999999999999999999", "Not a number")],
)  # fmt: skip
def test_it_refuses_amounts_the_column_cannot_hold(text: str, reason: str) -> None:
    with pytest.raises(BadValue) as caught:
        parse_decimal(PRICE, text, minimum=Decimal(0))
    assert reason in caught.value.message


@pytest.mark.parametrize(
    ("text", "reason"),
    [("²", "not a whole number"), ("１０", "not a whole number"), ("10²⁰", "not a whole number"),
     ("10**20", "not a whole number"), ("1.5", "not a whole number"), ("0", "at least 1"),
     ("-1", "at least 1"), ("100000000000000000000", "Too large: at most 2147483647."),
     ("2147483648", "Too large")],
)  # fmt: skip
def test_it_refuses_quantities_the_column_cannot_hold(text: str, reason: str) -> None:
    with pytest.raises(BadValue) as caught:
        parse_int(QUANTITY, text, minimum=1)
    assert reason in caught.value.message


def test_it_takes_quantities_up_to_the_columns_limit() -> None:
    assert parse_int(QUANTITY, " 10 ", minimum=1) == 10
    assert parse_int(QUANTITY, "2147483647", minimum=1) == 2147483647


def test_it_reads_the_bounds_from_the_field() -> None:
    # The same on SQLite, whose integers are wider, as on PostgreSQL.
    assert int_range(QUANTITY) == (0, 2147483647)
    assert int_range(models.PositiveSmallIntegerField()) == (0, 32767)
    assert int_range(models.BigIntegerField())[1] == 2**63 - 1
    narrow = models.DecimalField(max_digits=4, decimal_places=1)
    assert decimal_error(narrow, Decimal("999.9")) is None
    assert decimal_error(narrow, Decimal("1000")) == "Too large: at most 999.9."
    assert decimal_error(narrow, Decimal("1.25")) == "At most 1 decimal places."
    amount = model_field(Payment, "amount")
    assert decimal_error(amount, Decimal("99999999999999.99")) is not None
    assert decimal_error(amount, Decimal("NaN")) == "Not a number."


def test_it_checks_text_against_the_fields_length_and_refuses_control_characters() -> None:
    nickname = model_field(Customer, "nickname")
    assert text_error(nickname, "鱼" * 64) is None
    assert text_error(nickname, "鱼" * 65) == "Too long: at most 64 characters."
    for char in ("\x00", "\x07", "\x1b", "\x7f"):
        assert "control character" in (text_error(nickname, f"小{char}美") or "")
    # Line breaks and tabs are text a note may hold.
    assert text_error(model_field(Customer, "notes"), "第一行\n第二行\t完") is None
