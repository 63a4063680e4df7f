"""Every list exports to xlsx, scoped like the page it comes from."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from yutang.accounts.models import User
from yutang.analytics.queries import filter_customers_for_period
from yutang.customers.forms import CustomerFilterForm
from yutang.customers.models import Customer
from yutang.followups.models import FollowUp
from yutang.lib.xlsx import Sheet
from yutang.orders.models import Order, OrderLine
from yutang.touchpoints.messages import message, reason, templates_by_kind
from yutang.touchpoints.models import Touchpoint

CHUNK = 2000


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


def customers(user: User, params: QueryDict | dict[str, Any]) -> Sheet:
    form = CustomerFilterForm(params or None, user=user)
    qs = Customer.objects.visible_to(user)
    if form.is_bound and form.is_valid():
        qs = filter_customers_for_period(qs, form.filters(), user=user)
    else:
        qs = qs.order_by("-created", "-id")
    qs = qs.select_related("channel", "owner", "referrer").prefetch_related("tags")
    visible_ids = Customer.objects.visible_to(user)
    hidden_referrers = set()
    if not user.sees_everything:
        hidden_referrers = set(
            qs.exclude(referrer__isnull=True)
            .exclude(referrer__in=visible_ids)
            .values_list("referrer_id", flat=True)
        )
    headers = [
        _("ID"), _("nickname"), _("real name"), _("WeChat ID"), _("mobile phone"), _("gender"),
        _("birthday"), _("celebrates"), _("province"), _("city"), _("district"),
        _("street address"), _("source"), _("grade"), _("deal stage"), _("lifecycle"),
        _("tags"), _("owner"), _("referred by"), _("friend since"), _("visited the store"),
        _("VIP"), _("do not disturb"), _("has bought (M)"), _("notes"), _("created"),
    ]  # fmt: skip

    def rows() -> Iterator[Sequence[Any]]:
        for c in qs.iterator(chunk_size=CHUNK):
            referrer = (
                c.referrer.nickname if c.referrer and c.referrer_id not in hidden_referrers else ""
            )
            yield [
                c.pk, c.nickname, c.name, c.wechat_id, c.phone, c.get_gender_display(),
                c.birthday or c.birthday_label or None, c.get_birthday_calendar_display(),
                c.province, c.city, c.district,
                c.address, c.channel.name if c.channel else "", c.grade, c.stage,
                c.get_lifecycle_display(), "、".join(t.name for t in c.tags.all()),
                c.owner.display_name, referrer, c.added_on, c.visited_store, c.vip,
                c.do_not_disturb, c.consumed, c.notes, _local(c.created),
            ]  # fmt: skip

    return Sheet(_("Customers"), headers, rows())


def orders(user: User, params: QueryDict | dict[str, Any]) -> Sheet:
    qs = (
        Order.objects.visible_to(user)
        .select_related("customer", "seller")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product")))
        .order_by("-created", "-id")
    )
    headers = [
        _("Order"), _("customer"), _("status"), _("Products"), _("Subtotal"), _("discount"),
        _("Total"), _("Cost"), _("payment method"), _("courier"), _("tracking number"),
        _("seller"), _("created"), _("paid"), _("shipped"), _("signed for"), _("completed"),
        _("note"),
    ]  # fmt: skip

    def rows() -> Iterator[Sequence[Any]]:
        for o in qs.iterator(chunk_size=CHUNK):
            yield [
                o.pk, o.customer.nickname, o.get_status_display(),
                "、".join(f"{line.product.name}×{line.quantity}" for line in o.lines.all()),
                o.subtotal(), o.discount, o.total(), o.cost(), o.get_payment_method_display(),
                o.courier, o.tracking_number, o.seller.display_name, _local(o.created),
                _local(o.paid_at), _local(o.shipped_at), _local(o.signed_at),
                _local(o.completed_at), o.note,
            ]  # fmt: skip

    return Sheet(_("Orders"), headers, rows())


def followups(user: User, params: QueryDict | dict[str, Any]) -> Sheet:
    qs = FollowUp.objects.visible_to(user).select_related("customer", "author").order_by("-at")
    headers = [
        _("customer"), _("when"), _("channel"), _("deal stage"), _("what was covered"),
        _("next step"), _("next contact date"), _("expected amount"), _("Responsible"),
    ]  # fmt: skip

    def rows() -> Iterator[Sequence[Any]]:
        for f in qs.iterator(chunk_size=CHUNK):
            yield [
                f.customer.nickname, _local(f.at), f.get_channel_display(), f.stage, f.summary,
                f.next_step, f.next_contact_on, f.amount,
                f.author.display_name if f.author else "",
            ]  # fmt: skip

    return Sheet(_("Follow-ups"), headers, rows())


def touchpoints(user: User, params: QueryDict | dict[str, Any]) -> Sheet:
    qs = Touchpoint.objects.visible_to(user).select_related("customer").order_by("due_on", "id")
    state = params.get("state", "")
    if state:
        qs = qs.filter(state=state)
    templates = templates_by_kind()
    headers = [
        _("customer"), _("kind"), _("due"), _("reason"), _("Suggested messages"), _("state"),
    ]  # fmt: skip

    def rows() -> Iterator[Sequence[Any]]:
        for tp in qs.iterator(chunk_size=CHUNK):
            yield [
                tp.customer.nickname, tp.get_kind_display(), tp.due_on, reason(tp),
                message(tp, templates), tp.get_state_display(),
            ]  # fmt: skip

    return Sheet(_("Touchpoints"), headers, rows())


EXPORTS: dict[str, Callable[[User, Any], Sheet]] = {
    "customers": customers,
    "orders": orders,
    "followups": followups,
    "touchpoints": touchpoints,
}
