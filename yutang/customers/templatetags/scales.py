"""The three A/B/C scales as badges, each with its name on it, so that none is mistaken for
another: the grade (AA–F, how close the customer is to buying), the deal stage (a–d, always
lowercase) and the value class (A–C, what the customer brings). Every page shows them through
these tags and their partials in `customers/badges/`, never the bare code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from yutang.customers.models import Grade, Stage, ValueClass

register = template.Library()


def _choice(choices: type[Grade] | type[Stage] | type[ValueClass], code: Any) -> Any:
    """The member for the code, or None for an empty or unknown one (which shows nothing)."""
    try:
        return choices(code) if code else None
    except ValueError:
        return None


@register.inclusion_tag("customers/badges/grade.html")
def grade_badge(code: str | None) -> dict[str, Any]:
    """等级 A, coloured by grade; the grade's meaning as its title."""
    return {"grade": _choice(Grade, code)}


@register.inclusion_tag("customers/badges/stage.html")
def stage_badge(code: str | None, amount: Decimal | None = None) -> dict[str, Any]:
    """阶段 b · 找到痛点，还没认可产品, with the deal amount when there is one."""
    return {"stage": _choice(Stage, code), "amount": amount}


@register.inclusion_tag("customers/badges/value.html")
def value_badge(code: str | None) -> dict[str, Any]:
    """价值 A, with the class's meaning as its title."""
    return {"value_class": _choice(ValueClass, code)}


@register.filter
def stage_label(code: str | None) -> str:
    """The stage's full label (b · 找到痛点，还没认可产品), for a chip or a button."""
    stage = _choice(Stage, code)
    return str(stage.label) if stage else ""


@register.filter
def grade_label(code: str | None) -> str:
    grade = _choice(Grade, code)
    return str(grade.label) if grade else ""


@register.filter
def value_label(code: str | None) -> str:
    value_class = _choice(ValueClass, code)
    return str(value_class.label) if value_class else ""
