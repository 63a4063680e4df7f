"""Lifecycle stages (seed 001), derived from the data, never typed by hand: a classification
of the customer, beside the value and RFM classes."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from yutang.customers.derived import with_referrers
from yutang.customers.models import Customer, Lifecycle
from yutang.orders.models import Order, lasting_days
from yutang.rules.models import Rules


def churn_window(rules: Rules, paid_days: list[date], cycle_days: int | None) -> int:
    """Twice (by default) the customer's own median repurchase interval, at least the product
    cycle plus 30 days, 180 days when the interval is unknown."""
    if len(paid_days) >= 2:
        intervals = [(b - a).days for a, b in zip(paid_days, paid_days[1:], strict=False)]
        base = int(Decimal(statistics.median(intervals)) * rules.churn_multiplier)
    else:
        base = rules.churn_default_days
    if cycle_days:
        base = max(base, cycle_days + rules.churn_cycle_extra_days)
    return base


def compute_lifecycle(
    *,
    rules: Rules,
    today: date,
    paid_days: list[date],
    cycle_days: int | None,
    referred_buyers: int,
    is_agent: bool,
) -> str:
    if is_agent:
        return Lifecycle.DISTRIBUTOR
    if not paid_days:
        return Lifecycle.PROSPECT
    if (today - paid_days[-1]).days > churn_window(rules, paid_days, cycle_days):
        return Lifecycle.CHURNED
    since = today - timedelta(days=rules.loyal_window_days)
    loyal = sum(1 for d in paid_days if d > since) >= rules.loyal_orders
    if len(paid_days) >= 2 and referred_buyers:
        return Lifecycle.FAN
    if loyal:
        return Lifecycle.LOYAL
    if len(paid_days) >= 2:
        return Lifecycle.RETURNING
    return Lifecycle.NEW


def refresh_lifecycles(
    customer_ids: Iterable[int] | None = None, *, today: date | None = None
) -> int:
    """Recompute the stored lifecycle of these customers (all when None); returns how many
    changed. A fixed number of queries whatever the number of customers."""
    today = today or timezone.localdate()
    rules = Rules.current()
    customers = Customer.objects.all()
    paid = Order.objects.paid()
    referrals = Customer.objects.filter(referrer__isnull=False, consumed=True)
    if customer_ids is not None:
        ids = list(customer_ids)
        customers = customers.filter(pk__in=ids)
        paid = paid.filter(customer_id__in=ids)
        referrals = referrals.filter(referrer_id__in=ids)
    days: dict[int, list[date]] = defaultdict(list)
    for customer_id, paid_at in paid.order_by("paid_at", "id").values_list(
        "customer_id", "paid_at"
    ):
        days[customer_id].append(timezone.localdate(paid_at))
    referred = dict(
        referrals.values("referrer_id").annotate(n=Count("id")).values_list("referrer_id", "n")
    )
    last_paid = Order.objects.last_paid_of(OuterRef("pk")).values("id")
    rows = customers.annotate(
        last_paid_order=Subquery(last_paid), cycle=lasting_days(OuterRef("last_paid_order"))
    ).values_list("id", "lifecycle", "agent_account_id", "cycle")
    changed = []
    for pk, current, agent_account_id, cycle in rows.iterator(chunk_size=5000):
        value = compute_lifecycle(
            rules=rules,
            today=today,
            paid_days=days.get(pk, []),
            cycle_days=int(cycle) if cycle else None,
            referred_buyers=referred.get(pk, 0),
            is_agent=agent_account_id is not None,
        )
        if value != current:
            changed.append(Customer(pk=pk, lifecycle=value))
    Customer.objects.bulk_update(changed, ["lifecycle"], batch_size=1000)
    return len(changed)


def refresh_customer_lifecycles(ids: list[int]) -> None:
    """A step of refresh_customers: these customers' lifecycles and their referrers' (a friend
    who buys can make the referrer a fan)."""
    refresh_lifecycles(with_referrers(ids))
