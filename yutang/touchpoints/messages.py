"""Reasons in plain words and suggested messages for touchpoints."""

from __future__ import annotations

import re
from typing import Any

from .kinds import KINDS, PLACEHOLDERS
from .models import MessageTemplate, Touchpoint

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,8})\}")
# The shipping notice's courier and number as templates wrote them before {快递信息}: read as
# {快递信息}, which leaves the clause out when there is no number, so that a template the owner
# saved long ago never tells a customer "单号 ，".
OLD_SHIPMENT = re.compile(r"(?:\{快递公司\}\s*)?单号[\s:：]*\{快递单号\}\s*[，,]?")


def context_for(touchpoint: Touchpoint) -> dict[str, str]:
    data: dict[str, Any] = touchpoint.data or {}
    return {name: fill(touchpoint.customer, data) for name, fill in PLACEHOLDERS.items()}


def render(text: str, context: dict[str, str]) -> str:
    """Fill the known placeholders; an unknown one stays as typed, so a typo shows."""
    text = OLD_SHIPMENT.sub("{快递信息}", text)
    return PLACEHOLDER.sub(lambda m: context.get(m.group(1), m.group(0)), text)


def templates_by_kind() -> dict[str, str]:
    """The owner's templates, with the built-in one for any kind they have not saved."""
    built_in = {kind: spec.default_template for kind, spec in KINDS.items()}
    return {**built_in, **dict(MessageTemplate.objects.values_list("kind", "text"))}


def message(touchpoint: Touchpoint, templates: dict[str, str] | None = None) -> str:
    templates = templates if templates is not None else templates_by_kind()
    return render(templates.get(touchpoint.kind, ""), context_for(touchpoint))


def reason(touchpoint: Touchpoint) -> str:
    spec = KINDS.get(touchpoint.kind)
    if spec is None:  # a kind no longer made: its rows keep their value
        return str(touchpoint.get_kind_display())
    return spec.reason({**(touchpoint.data or {}), "order": touchpoint.order_id})
