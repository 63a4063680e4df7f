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
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


# Every placeholder a message may use and where its value comes from: the customer, or the
# touchpoint's data as its derivation filled it. Any other {word} stays as typed, so a typo
# shows. No kind fills 金额 yet: it renders empty.
PLACEHOLDERS: dict[str, Callable[[Named, Data], str]] = {
    "称呼": lambda customer, data: customer.name or customer.nickname,
    "昵称": lambda customer, data: customer.nickname,
    "姓名": lambda customer, data: customer.name or customer.nickname,
    "商品": lambda customer, data: _products(data) or _("the product"),
    "快递公司": lambda customer, data: data.get("courier") or "",
    "快递单号": lambda customer, data: data.get("tracking_number") or "",
    "快递信息": lambda customer, data: _shipment(data),
    "上次购买": lambda customer, data: data.get("last_purchase", ""),
    "节日": lambda customer, data: data.get("holiday", ""),
    "下一步": lambda customer, data: data.get("next_step", ""),
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
        ),
        KindSpec(
            Kind.ORDER_REMINDER,
            transactional=True,
            shelf_life=7,
            urgency=0.95,
            default_template=(
                "{称呼}，上次聊到的{商品}给您留着呢，需要的话我现在帮您下单，当天就能安排发货～"
            ),
            reason=_order_reminder,
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
                "{称呼}，算着时间您的{商品}快用完了吧？用着感觉怎么样？需要的话我提前给您备好货～"
            ),
            reason=_repurchase,
            own_placeholders=("上次购买",),
        ),
        KindSpec(
            Kind.REACTIVATION,
            transactional=False,
            shelf_life=90,
            urgency=0.6,
            default_template=(
                "{称呼}，好久没聊啦，最近状态怎么样？上次的{商品}用得还习惯吗？"
                "有新品和福利第一时间告诉您～"
            ),
            reason=_reactivation,
            own_placeholders=("上次购买",),
        ),
        KindSpec(
            Kind.FOLLOWUP_DUE,
            transactional=False,
            shelf_life=None,
            urgency=0.8,
            default_template="{称呼}，您好！上次我们聊到{下一步}，想跟您再确认一下，您看方便吗？",
            reason=_followup_due,
            own_placeholders=("下一步",),
        ),
        KindSpec(
            Kind.BIRTHDAY,
            transactional=False,
            shelf_life=BELATED_DAYS,
            urgency=0.75,
            default_template=(
                "{称呼}，生日快乐！🎂 祝您天天开心、越来越好～"
                "给您准备了一份生日小心意，记得找我领取哦！"
            ),
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
                "给{称呼}打个电话：感谢长期支持，问问最近用{商品}的感受，告诉她 VIP 专属福利。"
            ),
            reason=_vip_call,
            channel="call",
        ),
    )
}

TRANSACTIONAL = frozenset(spec.kind for spec in KINDS.values() if spec.transactional)
DEADLINE = frozenset(spec.kind for spec in KINDS.values() if spec.deadline)
