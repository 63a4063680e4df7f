"""What the database can hold, read from the model fields, for every import's dry run.

A value the database would refuse at commit (or store wrongly) is a rejected cell in the dry
run, with a reason the user can act on. The bounds come from the fields themselves, so a wider
column is a change to the model only. The parsers accept what people type into a spreadsheet
(ASCII digits, a ¥ sign, thousands separators in their places) and nothing that merely passes
Python's own parsing: NaN, Infinity, "²" or full-width digits are refused, not guessed at.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Field
from django.utils.translation import gettext as _

from yutang.lib.xlsx import is_formula

# C0 controls and DEL, except tab, line feed and carriage return, which notes may hold.
# PostgreSQL refuses NUL in text; SQLite would store any of them silently.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# ASCII digits only: Python's \d and Decimal() also take "１０" and other scripts' digits.
_NUMBER = re.compile(
    r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|[+-]?\.[0-9]+"
)
_WHOLE = re.compile(r"[+-]?[0-9]+")


class BadValue(ValueError):
    """A cell the field cannot hold; `message` says why, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _shown(text: str) -> str:
    return CONTROL.sub("", text)[:20]


def control_message() -> str:
    return _("Contains a control character (such as NUL) that cannot be stored: remove it.")


def length_error(text: str, limit: int | None) -> str | None:
    """Why a column of `limit` characters cannot hold this text (a control character, or too
    long), or None."""
    if CONTROL.search(text):
        return control_message()
    if limit is not None and len(text) > limit:
        return _("Too long: at most %(n)s characters.") % {"n": max(limit, 0)}
    return None


def text_error(field: Field[Any, Any], text: str) -> str | None:
    """Why the field cannot hold this text (a control character, or too long), or None."""
    return length_error(text, field.max_length)


def cell_error(text: str, limit: int | None) -> str | None:
    """Why an imported cell cannot be taken as it is: what `length_error` says, or that it is
    a formula (the user meant its value), or None."""
    if error := length_error(text, limit):
        return error
    if is_formula(text):
        return _("A formula cannot be imported: paste the value instead.")
    return None


def clean_text(field: Field[Any, Any], text: str) -> str:
    """The text, or BadValue saying why the field cannot hold it."""
    error = text_error(field, text)
    if error:
        raise BadValue(error)
    return text


def int_range(field: Field[Any, Any]) -> tuple[int, int]:
    """The integer range of the field's column, the same on every database: SQLite's own
    range is wider than PostgreSQL's, and a file that passes on one must pass on the other."""
    low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
    own_low, own_high = connection.ops.integer_field_range(field.get_internal_type())
    return max(low, own_low if own_low is not None else low), min(
        high, own_high if own_high is not None else high
    )


def int_error(field: Field[Any, Any], value: int, *, minimum: int | None = None) -> str | None:
    low, high = int_range(field)
    if minimum is not None:
        low = max(low, minimum)
    if value < low:
        return _("Must be at least %(n)s.") % {"n": low}
    if value > high:
        return _("Too large: at most %(n)s.") % {"n": high}
    return None


def parse_int(field: Field[Any, Any], text: str, *, minimum: int | None = None) -> int:
    """A whole number in ASCII digits within the field's range, or BadValue."""
    text = text.strip()
    if not _WHOLE.fullmatch(text):
        raise BadValue(
            _("“%(value)s” is not a whole number: write it in ordinary digits, such as 10.")
            % {"value": _shown(text)}
        )
    value = int(text)
    error = int_error(field, value, minimum=minimum)
    if error:
        raise BadValue(error)
    return value


def decimal_error(field: Field[Any, Any], value: Decimal) -> str | None:
    """Why the DecimalField cannot hold this value (not finite, too many decimal places or
    digits), or None."""
    if not value.is_finite():
        return _("Not a number.")
    places = field.decimal_places  # type: ignore[attr-defined]
    digits = field.max_digits  # type: ignore[attr-defined]
    # By the exponent: abs() of 1e999999999 overflows Decimal's own context.
    if value and value.adjusted() >= digits - places:
        largest = Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places)
        return _("Too large: at most %(n)s.") % {"n": f"{largest:,}"}
    if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):
        return _("At most %(n)s decimal places.") % {"n": places}
    return None


def parse_decimal(field: Field[Any, Any], text: str, *, minimum: Decimal | None = None) -> Decimal:
    """An amount as people write it (12.5, ¥1,280.00, 1e3) that the field can hold, or
    BadValue. Thousands separators must sit every three digits: "¥1,2,3" is refused."""
    cleaned = re.sub(r"^[¥￥]\s*|\s*元$", "", text.strip())
    if not _NUMBER.fullmatch(cleaned):
        raise BadValue(
            _("“%(value)s” is not a number: write it like 12.50.") % {"value": _shown(text)}
        )
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # an exponent beyond what Decimal holds at all
        raise BadValue(_("Not a number.")) from None
    if minimum is not None and value < minimum:
        raise BadValue(_("Must be at least %(n)s.") % {"n": minimum})
    error = decimal_error(field, value)
    if error:
        raise BadValue(error)
    return value.quantize(Decimal(1).scaleb(-field.decimal_places))  # type: ignore[attr-defined]


def model_field(model: Any, name: str) -> Field[Any, Any]:
    found = model._meta.get_field(name)
    assert isinstance(found, Field)
    return found
