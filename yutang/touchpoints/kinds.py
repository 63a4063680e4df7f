"""Every kind of touchpoint, one entry each, with every part it needs beside it.

A kind is its database value and label (`Kind`) and one `KindSpec` in `KINDS`: whether it
is transactional, how urgent it is, its built-in message, how its reason reads and which
placeholders its message may use. The model's choices, the workbench, the messages and the
settings page all read from here; `tests/test_kinds.py` fails when a kind lacks a part.
What a kind is derived from (orders, follow-ups, dates) stays in derive.py, where one query
serves several kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yutang.lib.names import default_short_name

Data = dict[str, Any]

# Greetings that come a little late still please; later than this they are dropped.
BELATED_DAYS = 3


class Kind(models.TextChoices):
    PAYMENT_REMINDER = "payment_reminder", gettext_lazy("payment reminder (催付)")
    ORDER_REMINDER = "order_reminder", gettext_lazy("order reminder (下单提醒)")
    SHIPPING_NOTICE = "shipping_notice", gettext_lazy("shipping notice (发货通知)")
    DELIVERY_CARE = "delivery_care", gettext_lazy("delivery care (签收关怀)")
    REPURCHASE = "repurchase", gettext_lazy("repurchase (用完复购)")
    REACTIVATION = "reactivation", gettext_lazy("reactivation (沉睡唤醒)")
    FOLLOWUP_DUE = "followup_due", gettext_lazy("follow-up due (跟进到期)")
    BIRTHDAY = "birthday", gettext_lazy("birthday (生日)")
    HOLIDAY = "holiday", gettext_lazy("holiday (节日)")
    VIP_CALL = "vip_call", gettext_lazy("VIP call (VIP 电话)")


class Named(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def nickname(self) -> str: ...
    @property
    def addressed_as(self) -> str: ...


def _products(data: Data) -> str:
    return "、".join(data.get("products", []))


def _shipment(data: Data) -> str:
    """The courier and the tracking number as a clause of the shipping notice, ending with its
    comma, or nothing: a parcel without a number never reads “单号 ，”."""
    courier = data.get("courier") or ""
    courier = "" if courier == "其他" else courier
    number = data.get("tracking_number") or ""
    if number:
        return f"{courier} 单号 {number}，".lstrip()
    return f"走的{courier}，" if courier else ""


def _short_products(data: Data) -> str:
    """The products as the customer calls them ("面膜"), not as the catalog lists them;
    touchpoints derived before short names existed clean their full names."""
    short = data.get("short_products")
    if short is None:
        short = list(dict.fromkeys(default_short_name(p) for p in data.get("products", [])))
    return "、".join(short)


def _used_up(data: Data) -> str:
    """Before the estimated use-up day it is running out; from that day on it should be gone."""
    use_up, today = data.get("use_up"), data.get("today")
    if use_up and today and today >= date.fromisoformat(use_up):
        return "应该用完了吧"
    return "快用完了吧"


def _month_day(day: str) -> str:
    """A date as a chat message says it: 3月5日."""
    if not day:
        return ""
    on = date.fromisoformat(day)
    return f"{on.month}月{on.day}日"


# Every placeholder a message may use and where its value comes from: the customer, or the
# touchpoint's data as its derivation filled it (with "today", and the order's "total" when it
# is about one). The settings page refuses any other {word}. The seller's private next step of
# a follow-up is deliberately not one: it is the reason shown to the seller, never pasted.
PLACEHOLDERS: dict[str, Callable[[Named, Data], str]] = {
    "称呼": lambda customer, data: customer.addressed_as,
    "昵称": lambda customer, data: customer.nickname,
    "姓名": lambda customer, data: customer.name or customer.nickname,
    "商品": lambda customer, data: _short_products(data) or _("the product"),
    "快递公司": lambda customer, data: data.get("courier") or "",
    "快递单号": lambda customer, data: data.get("tracking_number") or "",
    "快递信息": lambda customer, data: _shipment(data),
    "上次购买": lambda customer, data: _month_day(data.get("last_purchase", "")),
    "用完了吧": lambda customer, data: _used_up(data),
    "节日": lambda customer, data: data.get("holiday", ""),
    "金额": lambda customer, data: data.get("total", ""),
}
# What every kind's message may use: the customer's names, and 商品 (which falls back to "the
# product" when the touchpoint is about none).
EVERY_KIND = ("称呼", "昵称", "姓名", "商品")


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    # About an order in progress: ignores the frequency cap and do-not-disturb.
    transactional: bool
    # How urgent it is on its due day, in (0, 1]; a day overdue adds a tenth, up to a week.
    urgency: float
    # Shelf life: how many days past its due date the item still makes sense; later, the
    # derivation closes it as expired. None: it lasts until something supersedes it (a newer
    # follow-up, a new order, a call).
    shelf_life: int | None
    # The built-in suggested message (seeds 000 and 001); the owner edits it in the settings.
    default_template: str
    # The reason in plain words, from the touchpoint's data (with its "order" id).
    reason: Callable[[Data], str]
    # The placeholders this kind's data gives a value to, beyond EVERY_KIND.
    own_placeholders: tuple[str, ...] = ()
    # How the follow-up logged when it is done went (a FollowUpChannel value).
    channel: str = "chat"
    # Has a deadline (an order on its way): comes before every item without one in the day's
    # capacity, so older chats never push it out.
    deadline: bool = False

    @property
    def value(self) -> str:
        return self.kind.value

    @property
    def label(self) -> str:
        return str(self.kind.label)

    @property
    def placeholders(self) -> tuple[str, ...]:
        return EVERY_KIND + self.own_placeholders


def _payment_reminder(data: Data) -> str:
    return _("Order #%(order)s (%(products)s) is unpaid since %(since)s.") % {
        "order": data.get("order"),
        "products": _products(data),
        "since": data.get("since", ""),
    }


def _order_reminder(data: Data) -> str:
    return _("Agreed to buy %(products)s on %(since)s but has not ordered yet.") % {
        "products": _products(data),
        "since": data.get("since", ""),
    }


def _shipping_notice(data: Data) -> str:
    return _("Order #%(order)s shipped: tell them %(courier)s %(tracking)s.") % {
        "order": data.get("order"),
        "courier": data.get("courier") or "",
        "tracking": data.get("tracking_number") or _("(no tracking number yet)"),
    }


def _delivery_care(data: Data) -> str:
    return _("Signed for %(products)s on %(since)s: ask whether it arrived well.") % {
        "products": _products(data),
        "since": data.get("since", ""),
    }


def _repurchase(data: Data) -> str:
    return _("%(products)s runs out around %(use_up)s: ask about the experience.") % {
        "products": _products(data),
        "use_up": data.get("use_up", ""),
    }


def _reactivation(data: Data) -> str:
    return _("No new order since %(products)s ran out around %(use_up)s.") % {
        "products": _products(data),
        "use_up": data.get("use_up", ""),
    }


def _followup_due(data: Data) -> str:
    return _("Follow-up planned for today: %(next_step)s") % {
        "next_step": data.get("next_step") or _("(no next step noted)")
    }


def _birthday(data: Data) -> str:
    if data.get("lunar"):
        return _("Lunar birthday on %(day)s (%(lunar)s).") % {
            "day": data.get("day", ""),
            "lunar": data.get("lunar_label", ""),
        }
    return _("Birthday on %(day)s.") % {"day": data.get("day", "")}


def _holiday(data: Data) -> str:
    return _("%(holiday)s on %(day)s.") % {
        "holiday": data.get("holiday", ""),
        "day": data.get("day", ""),
    }


def _vip_call(data: Data) -> str:
    if data.get("last_call"):
        return _("VIP last called on %(day)s: call twice a year.") % {"day": data["last_call"]}
    return _("VIP never called yet: call twice a year.")


# In the order of `Kind`, which is the order of the settings page.
KINDS: dict[str, KindSpec] = {
    spec.value: spec
    for spec in (
        KindSpec(
            Kind.PAYMENT_REMINDER,
            transactional=True,
            deadline=True,
            shelf_life=7,
            urgency=1.0,
            default_template=(
                "{称呼}，您好！您拍下的{商品}还在等您付款哦，付款后我们第一时间安排发货～"
                "有任何疑问随时问我。"
            ),
            reason=_payment_reminder,
            own_placeholders=("金额",),
        ),
        KindSpec(
            Kind.ORDER_REMINDER,
            transactional=True,
            shelf_life=7,
            urgency=0.95,
            default_template=(
                "{称呼}，上次聊到的{商品}给您留着呢，需要的话跟我说一声，我马上帮您下单～"
            ),
            reason=_order_reminder,
            own_placeholders=("金额",),
        ),
        KindSpec(
            Kind.SHIPPING_NOTICE,
            transactional=True,
            deadline=True,
            shelf_life=3,
            urgency=0.9,
            default_template=("{称呼}，您的{商品}已经发货啦！{快递信息}注意查收哦～"),
            reason=_shipping_notice,
            own_placeholders=("快递公司", "快递单号", "快递信息"),
        ),
        KindSpec(
            Kind.DELIVERY_CARE,
            transactional=False,
            deadline=True,
            shelf_life=7,
            urgency=0.7,
            default_template=(
                "{称呼}，看到您的{商品}已经签收了，包装都完好吗？使用中有任何问题随时找我～"
            ),
            reason=_delivery_care,
        ),
        KindSpec(
            Kind.REPURCHASE,
            transactional=False,
            shelf_life=None,
            urgency=0.85,
            default_template=(
                "{称呼}，算着时间您的{商品}{用完了吧}？用着感觉怎么样？需要的话跟我说一声，"
                "我给您备好货～"
            ),
            reason=_repurchase,
            own_placeholders=("上次购买", "用完了吧"),
        ),
        KindSpec(
            Kind.REACTIVATION,
            transactional=False,
            shelf_life=90,
            urgency=0.6,
            default_template=(
                "{称呼}，好久没聊啦，最近还好吗？上次的{商品}用得还习惯吗？有什么需要随时找我～"
            ),
            reason=_reactivation,
            own_placeholders=("上次购买", "用完了吧"),
        ),
        KindSpec(
            Kind.FOLLOWUP_DUE,
            transactional=False,
            shelf_life=None,
            urgency=0.8,
            # Not the seller's next step: that is a private note, shown to the seller as the
            # reason.
            default_template="{称呼}，您好！上次跟您聊的事，想再跟您确认一下，您看现在方便吗？",
            reason=_followup_due,
        ),
        KindSpec(
            Kind.BIRTHDAY,
            transactional=False,
            shelf_life=BELATED_DAYS,
            urgency=0.75,
            default_template=("{称呼}，生日快乐！🎂 祝您新的一岁天天开心、万事顺意～"),
            reason=_birthday,
        ),
        KindSpec(
            Kind.HOLIDAY,
            transactional=False,
            shelf_life=BELATED_DAYS,
            urgency=0.5,
            default_template="{称呼}，{节日}快乐！感谢一直以来的支持，祝您和家人幸福安康～",
            reason=_holiday,
            own_placeholders=("节日",),
        ),
        KindSpec(
            Kind.VIP_CALL,
            transactional=False,
            shelf_life=None,
            urgency=0.7,
            default_template=(
                "给{称呼}打个电话：感谢长期以来的支持，问问最近产品用得怎么样，"
                "听听有什么需要和建议。"
            ),
            reason=_vip_call,
            channel="call",
        ),
    )
}

TRANSACTIONAL = frozenset(spec.kind for spec in KINDS.values() if spec.transactional)
DEADLINE = frozenset(spec.kind for spec in KINDS.values() if spec.deadline)
