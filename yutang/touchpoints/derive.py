"""Every moment when the seller has a good reason to appear, derived from orders, follow-ups
and dates. Idempotent: a touchpoint is found again by (customer, kind, key), never twinned."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from yutang.customers.models import BIRTHDAY_FIELDS, Customer
from yutang.followups.models import FollowUp, FollowUpChannel
from yutang.lib.cncalendar import holidays_between, lunar_label
from yutang.lib.names import default_short_name
from yutang.orders.models import PAID_STATUSES, Order, OrderLine, lasting_days
from yutang.orders.models import Status as OrderStatus
from yutang.rules.models import Rules

from .kinds import BELATED_DAYS, KINDS, Kind
from .models import REOPENABLE, DerivationRun, State, Touchpoint

Wanted = dict[tuple[int, str, str], tuple[date, dict[str, Any], int | None]]


def _local(dt: Any) -> date:
    # Rows come as dicts whose timestamps the query has already filtered to non-null.
    return timezone.localdate(dt)


def _as_of(today: date) -> datetime:
    """The moment "today" stands for: now when it is today, else the end of that day."""
    now = timezone.now()
    if today == timezone.localdate(now):
        return now
    end = datetime.combine(today + timedelta(days=1), time.min)
    return timezone.make_aware(end) - timedelta(microseconds=1)


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _products_by_order(order_ids: Iterable[int]) -> dict[int, dict[str, list[str]]]:
    """Each order's products for the seller ("补水面膜（30天装）×3", in the reason) and as a
    message to the customer names them ("面膜", in {商品}), each once."""
    names: dict[int, dict[str, list[str]]] = {}
    for chunk in _chunks(list(order_ids)):
        for order_id, name, short, qty in OrderLine.objects.filter(order_id__in=chunk).values_list(
            "order_id", "product__name", "product__short_name", "quantity"
        ):
            found = names.setdefault(order_id, {"products": [], "short_products": []})
            found["products"].append(name if qty == 1 else f"{name}×{qty}")
            short = short or default_short_name(name)
            if short not in found["short_products"]:
                found["short_products"].append(short)
    return names


NO_PRODUCTS: dict[str, list[str]] = {"products": [], "short_products": []}


def _order_kinds(orders: QuerySet[Order], rules: Rules, as_of: datetime, wanted: Wanted) -> None:
    hours = timedelta(hours=rules.payment_reminder_hours)
    waiting = timedelta(days=rules.order_reminder_days)
    rows = list(
        orders.filter(
            Q(status=OrderStatus.UNPAID, unpaid_at__lte=as_of - hours)
            | Q(status=OrderStatus.INTENT, intent_at__lte=as_of - waiting)
            | Q(status__in=[OrderStatus.SHIPPED, OrderStatus.SIGNED])
        ).values(
            "id",
            "customer_id",
            "status",
            "unpaid_at",
            "intent_at",
            "shipped_at",
            "signed_at",
            "courier",
            "tracking_number",
        )
    )
    products = _products_by_order(r["id"] for r in rows)
    for row in rows:
        r: dict[str, Any] = dict(row)
        data: dict[str, Any] = {**products.get(r["id"], NO_PRODUCTS)}
        if r["status"] == OrderStatus.UNPAID:
            kind, due = Kind.PAYMENT_REMINDER, _local(r["unpaid_at"] + hours)
            data["since"] = _local(r["unpaid_at"]).isoformat()
        elif r["status"] == OrderStatus.INTENT:
            kind, due = Kind.ORDER_REMINDER, _local(r["intent_at"] + waiting)
            data["since"] = _local(r["intent_at"]).isoformat()
        elif r["status"] == OrderStatus.SHIPPED:
            kind, due = Kind.SHIPPING_NOTICE, _local(r["shipped_at"])
            data.update(courier=r["courier"], tracking_number=r["tracking_number"])
        else:
            kind, due = Kind.DELIVERY_CARE, _local(r["signed_at"])
            data["since"] = due.isoformat()
        wanted[(r["customer_id"], kind, f"order:{r['id']}")] = (due, data, r["id"])


def _reactivation(customers: QuerySet[Customer], rules: Rules, today: date, wanted: Wanted) -> None:
    """沉睡唤醒 for the last paid order of each buyer, once its goods ran out
    `reactivation_days` ago: any later order supersedes it, whatever its products."""
    last_paid = Order.objects.last_paid_of(OuterRef("pk")).values("id")
    order_ids = customers.filter(consumed=True).annotate(last=Subquery(last_paid)).values("last")
    rows = list(
        Order.objects.filter(id__in=order_ids)
        .annotate(
            received=Coalesce("signed_at", "completed_at", "shipped_at", "paid_at"),
            lasts=lasting_days(),
        )
        .filter(lasts__gt=0)
        .values("id", "customer_id", "received", "lasts", "paid_at")
    )
    # Only the buyers asleep today: the others' products are read by the per-product query.
    wakes: dict[int, tuple[int, date, date, date]] = {}
    for r in rows:
        use_up = _local(r["received"]) + timedelta(days=r["lasts"])
        wake = use_up + timedelta(days=rules.reactivation_days)
        if today >= wake:
            wakes[r["id"]] = (r["customer_id"], use_up, wake, _local(r["paid_at"]))
    products = _products_by_order(wakes)
    for order_id, (customer_id, use_up, wake, paid) in wakes.items():
        data = {
            **products.get(order_id, NO_PRODUCTS),
            "use_up": use_up.isoformat(),
            "last_purchase": paid.isoformat(),
        }
        wanted[(customer_id, Kind.REACTIVATION, f"order:{order_id}")] = (wake, data, order_id)


# Before any payment: what a paid order without its payment time (an old import) counts as.
_NEVER = datetime.min.replace(tzinfo=UTC)


def repurchase_key(product_id: int, order_id: int) -> str:
    """A repurchase reminder is one product's purchase in one order."""
    return f"repurchase:{product_id}:{order_id}"


def _repurchase(customers: QuerySet[Customer], rules: Rules, today: date, wanted: Wanted) -> None:
    """用完复购 per product: for every product with a usage cycle, the buyer's last paid order
    of it lasts quantity × cycle days from the day it arrived, and only a newer purchase of the
    same product supersedes it. Until `reactivation_days` after that use-up, like the order's
    沉睡唤醒. One query over the lines, grouped by order and product (several lines of one
    product in an order add up), whatever the number of customers."""
    rows: Any = (
        OrderLine.objects.filter(
            order__status__in=PAID_STATUSES,
            order__customer__in=customers.filter(consumed=True).values("pk"),
            product__usage_cycle_days__gt=0,
        )
        .annotate(
            customer_id=F("order__customer_id"),
            received=Coalesce(
                "order__signed_at", "order__completed_at", "order__shipped_at", "order__paid_at"
            ),
            paid_at=F("order__paid_at"),
            name=F("product__name"),
            short=F("product__short_name"),
            cycle=F("product__usage_cycle_days"),
        )
        .values(
            "order_id", "product_id", "customer_id", "received", "paid_at", "name", "short", "cycle"
        )
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    # The buyer's last paid order of each product: the latest payment, the newer order of two
    # paid at once. Picked here in one pass rather than by a subquery per line, which read every
    # line of the product again for each (minutes at 100,000 customers).
    last: dict[tuple[int, int], tuple[tuple[Any, ...], dict[str, Any]]] = {}
    for r in rows.iterator(chunk_size=5000):
        rank = (r["paid_at"] is not None, r["paid_at"] or _NEVER, r["order_id"])
        pair = (r["customer_id"], r["product_id"])
        current = last.get(pair)
        if current is None or rank > current[0]:
            last[pair] = (rank, r)
    rows = [r for _rank, r in last.values()]
    for r in rows:
        use_up = _local(r["received"]) + timedelta(days=r["quantity"] * r["cycle"])
        if today >= use_up + timedelta(days=rules.reactivation_days):
            continue
        qty = r["quantity"]
        data = {
            "products": [r["name"] if qty == 1 else f"{r['name']}×{qty}"],
            "short_products": [r["short"] or default_short_name(r["name"])],
            "use_up": use_up.isoformat(),
            "last_purchase": _local(r["paid_at"]).isoformat(),
        }
        due = use_up - timedelta(days=rules.repurchase_lead_days)
        key = repurchase_key(r["product_id"], r["order_id"])
        wanted[(r["customer_id"], Kind.REPURCHASE, key)] = (due, data, r["order_id"])


def _settled_by_order(existing: QuerySet[Touchpoint], wanted: Wanted) -> None:
    """Repurchase reminders were once keyed by the whole order ("order:N"). The seller's done or
    skipped one settles that order's per-product reminders too, so they never come back as new;
    an open, snoozed or closed one simply no longer applies and is closed like any other."""
    settled = set(
        existing.filter(
            kind=Kind.REPURCHASE, key__startswith="order:", state__in=(State.DONE, State.SKIPPED)
        ).values_list("customer_id", "order_id")
    )
    if not settled:
        return
    for c, k, key in [w for w in wanted if w[1] == Kind.REPURCHASE]:
        if (c, wanted[(c, k, key)][2]) in settled:
            del wanted[(c, k, key)]


def _followup_due(customers: QuerySet[Customer], today: date, wanted: Wanted) -> None:
    latest = (
        FollowUp.objects.filter(customer=OuterRef("pk")).order_by("-at", "-id").values("id")[:1]
    )
    ids = customers.annotate(latest=Subquery(latest)).values("latest")
    for pk, customer_id, on, next_step in FollowUp.objects.filter(
        id__in=ids, next_contact_on__isnull=False, next_contact_on__lte=today
    ).values_list("id", "customer_id", "next_contact_on", "next_step"):
        assert on is not None
        data = {"next_step": next_step}
        wanted[(customer_id, Kind.FOLLOWUP_DUE, f"followup:{pk}")] = (on, data, None)


def _birthdays(customers: QuerySet[Customer], rules: Rules, today: date, wanted: Wanted) -> None:
    start = today - timedelta(days=BELATED_DAYS)
    horizon = today + timedelta(days=rules.birthday_lead_days)
    for customer in customers.filter(birthday_month__isnull=False, birthday_day__isnull=False).only(
        *BIRTHDAY_FIELDS
    ):
        try:
            day = customer.next_birthday(start)
        except ValueError:
            continue  # outside the lunar calendar's range: nothing to celebrate we can compute
        if day is not None and day <= horizon:
            lunar = customer.lunar_birthday
            data = {"day": day.isoformat(), "lunar": lunar}
            if lunar:
                data["lunar_label"] = lunar_label(day)
            wanted[(customer.pk, Kind.BIRTHDAY, f"birthday:{day.isoformat()}")] = (day, data, None)


def _holidays(customers: QuerySet[Customer], rules: Rules, today: date, wanted: Wanted) -> None:
    days = holidays_between(
        today - timedelta(days=BELATED_DAYS), today + timedelta(days=rules.holiday_lead_days)
    )
    if not days:
        return
    grades, vip = rules.holiday_audience()
    audience = Q(grade__in=grades)
    if vip:
        audience |= Q(vip=True)
    ids = list(customers.filter(audience).values_list("id", flat=True))
    for holiday in days:
        data = {"holiday": holiday.name, "day": holiday.day.isoformat()}
        key = f"holiday:{holiday.key}:{holiday.day.year}"
        for pk in ids:
            wanted[(pk, Kind.HOLIDAY, key)] = (holiday.day, data, None)


def _vip_calls(customers: QuerySet[Customer], rules: Rules, today: date, wanted: Wanted) -> None:
    last_call = (
        FollowUp.objects.filter(customer=OuterRef("pk"), channel=FollowUpChannel.CALL)
        .order_by("-at", "-id")
        .values("id", "at")[:1]
    )
    rows = customers.filter(vip=True).annotate(
        call_id=Subquery(last_call.values("id")), call_at=Subquery(last_call.values("at"))
    )
    for pk, call_id, call_at in rows.values_list("id", "call_id", "call_at"):
        if call_at is None:
            wanted[(pk, Kind.VIP_CALL, "call:never")] = (today, {}, None)
            continue
        due = _local(call_at) + timedelta(days=rules.vip_call_days)
        if due <= today:
            data = {"last_call": _local(call_at).isoformat()}
            wanted[(pk, Kind.VIP_CALL, f"call:{call_id}")] = (due, data, None)


def expired(kind: str, due: date, today: date) -> bool:
    """Past the kind's shelf life: `due` plus that many days is behind `today`."""
    spec = KINDS.get(kind)
    if spec is None or spec.shelf_life is None:
        return False
    return today > due + timedelta(days=spec.shelf_life)


@transaction.atomic
def derive_touchpoints(*, today: date, customer_ids: list[int] | None = None) -> dict[str, int]:
    """Create the touchpoints that apply on `today`, refresh the open ones, close those that
    no longer apply or are past their shelf life, and reopen what the system closed when it
    applies again. Returns counts of created, updated, closed, expired and reopened."""
    rules = Rules.current()
    customers = Customer.objects.all()
    orders = Order.objects.all()
    existing = Touchpoint.objects.all()
    if customer_ids is not None:
        customers = customers.filter(pk__in=customer_ids)
        orders = orders.filter(customer_id__in=customer_ids)
        existing = existing.filter(customer_id__in=customer_ids)
    wanted: Wanted = {}
    _order_kinds(orders, rules, _as_of(today), wanted)
    _reactivation(customers, rules, today, wanted)
    _repurchase(customers, rules, today, wanted)
    _settled_by_order(existing, wanted)
    _followup_due(customers, today, wanted)
    _birthdays(customers, rules, today, wanted)
    _holidays(customers, rules, today, wanted)
    _vip_calls(customers, rules, today, wanted)

    now = timezone.now()
    to_close: list[int] = []
    to_expire: list[int] = []
    to_update: list[Touchpoint] = []
    for tp in existing.pending().only(
        "id", "customer_id", "kind", "key", "state", "due_on", "data"
    ):
        found = wanted.pop((tp.customer_id, tp.kind, tp.key), None)
        # A snoozed item keeps the day the seller chose; an open one moves with its reason.
        due = found[0] if found is not None and tp.state == State.OPEN else tp.due_on
        if expired(tp.kind, due, today):
            to_expire.append(tp.pk)
            continue
        if found is None:
            to_close.append(tp.pk)
            continue
        due, data, _order = found
        if tp.data != data or (tp.state == State.OPEN and tp.due_on != due):
            tp.data = data
            if tp.state == State.OPEN:
                tp.due_on = due
            to_update.append(tp)
    # What the system closed (no longer applied, expired) comes back when its reason applies
    # again within its shelf life, e.g. the reactivation of an older order once the newer
    # order is refunded. Done and skipped rows are the seller's word: the unique constraint
    # makes the insert below skip them, so nothing settled is made again.
    to_reopen: list[Touchpoint] = []
    for chunk in _chunks(sorted({key for _c, _k, key in wanted})):
        for tp in existing.filter(state__in=REOPENABLE, key__in=chunk).only(
            "id", "customer_id", "kind", "key", "state", "due_on", "data"
        ):
            found = wanted.pop((tp.customer_id, tp.kind, tp.key), None)
            if found is None or expired(tp.kind, found[0], today):
                continue
            tp.due_on, tp.data = found[0], found[1]
            tp.state, tp.closed_at, tp.closed_by = State.OPEN, None, None
            to_reopen.append(tp)
    before = existing.count()
    Touchpoint.objects.bulk_create(
        [
            Touchpoint(customer_id=c, kind=k, key=key, due_on=due, data=data, order_id=order_id)
            for (c, k, key), (due, data, order_id) in wanted.items()
            # Already past its shelf life when first seen: never worth a message.
            if not expired(k, due, today)
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    Touchpoint.objects.bulk_update(to_update, ["data", "due_on"], batch_size=1000)
    Touchpoint.objects.bulk_update(
        to_reopen, ["data", "due_on", "state", "closed_at", "closed_by"], batch_size=1000
    )
    for chunk in _chunks(to_close):
        Touchpoint.objects.filter(pk__in=chunk).update(state=State.CLOSED, closed_at=now)
    for chunk in _chunks(to_expire):
        Touchpoint.objects.filter(pk__in=chunk).update(state=State.EXPIRED, closed_at=now)
    created = existing.count() - before
    stats = {
        "created": created,
        "updated": len(to_update),
        "closed": len(to_close),
        "expired": len(to_expire),
        "reopened": len(to_reopen),
    }
    if customer_ids is None:
        DerivationRun.objects.update_or_create(on=today, defaults={"finished": now, "stats": stats})
    return stats


def ensure_derived(today: date, *, max_age: timedelta = timedelta(hours=1)) -> None:
    """Derive on demand when the workbench opens, at most once per `max_age`."""
    run = DerivationRun.objects.filter(on=today).first()
    if run is None or timezone.now() - run.finished > max_age:
        derive_touchpoints(today=today)


def settle_answered_followups(customer_ids: list[int]) -> None:
    """A conversation recorded after the follow-up that fell due answers it, whatever its
    date: the touchpoint is done, by whoever recorded the newest conversation."""
    due = list(
        Touchpoint.objects.pending()
        .filter(customer_id__in=customer_ids, kind=Kind.FOLLOWUP_DUE)
        .only("id", "customer_id", "key")
    )
    if not due:
        return
    newest = FollowUp.objects.filter(customer=OuterRef("pk")).order_by("-id")
    conversations = {
        pk: (followup_id, author_id)
        for pk, followup_id, author_id in Customer.objects.filter(
            pk__in={tp.customer_id for tp in due}
        )
        .annotate(
            followup_id=Subquery(newest.values("id")[:1]),
            author_id=Subquery(newest.values("author_id")[:1]),
        )
        .values_list("pk", "followup_id", "author_id")
    }
    now = timezone.now()
    answered = []
    for tp in due:
        followup_id, author_id = conversations.get(tp.customer_id, (None, None))
        _prefix, _colon, asked = tp.key.partition("followup:")
        if followup_id is not None and followup_id > (int(asked) if asked.isdigit() else 0):
            tp.state, tp.closed_at, tp.closed_by_id = State.DONE, now, author_id
            answered.append(tp)
    Touchpoint.objects.bulk_update(answered, ["state", "closed_at", "closed_by"])


def refresh_customer_touchpoints(customer_ids: list[int]) -> None:
    """A step of refresh_customers: settle the follow-ups a conversation answered, then derive
    these customers' touchpoints as of today."""
    settle_answered_followups(customer_ids)
    derive_touchpoints(today=timezone.localdate(), customer_ids=customer_ids)
