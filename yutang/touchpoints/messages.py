"""Reasons in plain words and suggested messages for touchpoints."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from yutang.customers.models import Customer

from .defaults import DEFAULT_TEMPLATES
from .models import Kind, MessageTemplate, Touchpoint

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,8})\}")


def salutation(customer: Customer) -> str:
    return customer.name or customer.nickname


def context_for(touchpoint: Touchpoint) -> dict[str, str]:
    data: dict[str, Any] = touchpoint.data or {}
    customer = touchpoint.customer
    return {
        "称呼": salutation(customer),
        "昵称": customer.nickname,
        "姓名": customer.name or customer.nickname,
        "商品": "、".join(data.get("products", [])) or _("the product"),
        "快递公司": data.get("courier") or "",
        "快递单号": data.get("tracking_number") or "",
        "上次购买": data.get("last_purchase", ""),
        "节日": data.get("holiday", ""),
        "下一步": data.get("next_step", ""),
        "金额": data.get("total", ""),
    }


def render(text: str, context: dict[str, str]) -> str:
    """Fill the known placeholders; an unknown one stays as typed, so a typo shows."""
    return PLACEHOLDER.sub(lambda m: context.get(m.group(1), m.group(0)), text)


def templates_by_kind() -> dict[str, str]:
    """The owner's templates, with the built-in one for any kind they have not saved."""
    return {**DEFAULT_TEMPLATES, **dict(MessageTemplate.objects.values_list("kind", "text"))}


def message(touchpoint: Touchpoint, templates: dict[str, str] | None = None) -> str:
    templates = templates if templates is not None else templates_by_kind()
    return render(templates.get(touchpoint.kind, ""), context_for(touchpoint))


def reason(touchpoint: Touchpoint) -> str:
    data: dict[str, Any] = touchpoint.data or {}
    products = "、".join(data.get("products", []))
    kind = touchpoint.kind
    if kind == Kind.PAYMENT_REMINDER:
        return _("Order #%(order)s (%(products)s) is unpaid since %(since)s.") % {
            "order": touchpoint.order_id,
            "products": products,
            "since": data.get("since", ""),
        }
    if kind == Kind.ORDER_REMINDER:
        return _("Agreed to buy %(products)s on %(since)s but has not ordered yet.") % {
            "products": products,
            "since": data.get("since", ""),
        }
    if kind == Kind.SHIPPING_NOTICE:
        return _("Order #%(order)s shipped: tell them %(courier)s %(tracking)s.") % {
            "order": touchpoint.order_id,
            "courier": data.get("courier") or "",
            "tracking": data.get("tracking_number") or _("(no tracking number yet)"),
        }
    if kind == Kind.DELIVERY_CARE:
        return _("Signed for %(products)s on %(since)s: ask whether it arrived well.") % {
            "products": products,
            "since": data.get("since", ""),
        }
    if kind == Kind.REPURCHASE:
        return _("%(products)s runs out around %(use_up)s: ask about the experience.") % {
            "products": products,
            "use_up": data.get("use_up", ""),
        }
    if kind == Kind.REACTIVATION:
        return _("No new order since %(products)s ran out around %(use_up)s.") % {
            "products": products,
            "use_up": data.get("use_up", ""),
        }
    if kind == Kind.FOLLOWUP_DUE:
        return _("Follow-up planned for today: %(next_step)s") % {
            "next_step": data.get("next_step") or _("(no next step noted)")
        }
    if kind == Kind.BIRTHDAY:
        if data.get("lunar"):
            return _("Lunar birthday on %(day)s (%(lunar)s).") % {
                "day": data.get("day", ""),
                "lunar": data.get("lunar_label", ""),
            }
        return _("Birthday on %(day)s.") % {"day": data.get("day", "")}
    if kind == Kind.HOLIDAY:
        return _("%(holiday)s on %(day)s.") % {
            "holiday": data.get("holiday", ""),
            "day": data.get("day", ""),
        }
    if kind == Kind.VIP_CALL:
        if data.get("last_call"):
            return _("VIP last called on %(day)s: call twice a year.") % {"day": data["last_call"]}
        return _("VIP never called yet: call twice a year.")
    return str(touchpoint.get_kind_display())
