"""Reasons in plain words and suggested messages for touchpoints."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .kinds import KINDS, PLACEHOLDERS
from .models import MessageTemplate, Touchpoint

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,8})\}")
# The shipping notice's courier and number as templates wrote them before {快递信息}: read as
# {快递信息}, which leaves the clause out when there is no number, so that a template the owner
# saved long ago never tells a customer "单号 ，".
OLD_SHIPMENT = re.compile(r"(?:\{快递公司\}\s*)?单号[\s:：]*\{快递单号\}\s*[，,]?")


def money(amount: Decimal) -> str:
    """An amount as a chat message writes it: ¥128, ¥128.50."""
    return f"¥{amount:.2f}".removesuffix(".00")


def context_for(touchpoint: Touchpoint, *, used: set[str] | None = None) -> dict[str, str]:
    """The value of each placeholder for this touchpoint; only those in `used` when given."""
    data: dict[str, Any] = {**(touchpoint.data or {}), "today": timezone.localdate()}
    if touchpoint.order_id and (used is None or "金额" in used):
        data["total"] = money(touchpoint.order.total())  # type: ignore[union-attr]
    return {
        name: fill(touchpoint.customer, data)
        for name, fill in PLACEHOLDERS.items()
        if used is None or name in used
    }


def render(text: str, context: dict[str, str]) -> str:
    """Fill the known placeholders; an unknown one stays as typed, so a typo shows."""
    return PLACEHOLDER.sub(lambda m: context.get(m.group(1), m.group(0)), text)


def unknown_placeholders(kind: str, text: str) -> list[str]:
    """The {words} in `text` that this kind's message cannot fill, in the order they appear.
    Any brace pair counts, so that "{ 称呼 }" or "{称乎}" is caught and not sent as typed."""
    valid = set(KINDS[kind].placeholders)
    found = re.findall(r"\{([^{}]*)\}", text)
    return list(dict.fromkeys(word for word in found if word not in valid))


def check_template(kind: str, text: str) -> str:
    """Why this text cannot be the kind's message, in words for the owner; empty when it can."""
    if "｛" in text or "｝" in text:
        return _("Write placeholders with half-width braces, as {称呼}.")
    unknown = unknown_placeholders(kind, text)
    if unknown:
        return _("Unknown placeholder %(unknown)s. This message can use: %(valid)s") % {
            "unknown": "、".join(f"{{{word}}}" for word in unknown),
            "valid": " ".join(f"{{{p}}}" for p in KINDS[kind].placeholders),
        }
    rest = PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        return _("A brace is not closed: write placeholders as {称呼}.")
    return ""


def templates_by_kind() -> dict[str, str]:
    """The owner's templates, with the built-in one for any kind they have not saved."""
    built_in = {kind: spec.default_template for kind, spec in KINDS.items()}
    return {**built_in, **dict(MessageTemplate.objects.values_list("kind", "text"))}


def message(touchpoint: Touchpoint, templates: dict[str, str] | None = None) -> str:
    templates = templates if templates is not None else templates_by_kind()
    text = OLD_SHIPMENT.sub("{快递信息}", templates.get(touchpoint.kind, ""))
    return render(text, context_for(touchpoint, used=set(PLACEHOLDER.findall(text))))


def reason(touchpoint: Touchpoint) -> str:
    spec = KINDS.get(touchpoint.kind)
    if spec is None:  # a kind no longer made: its rows keep their value
        return str(touchpoint.get_kind_display())
    return spec.reason({**(touchpoint.data or {}), "order": touchpoint.order_id})
