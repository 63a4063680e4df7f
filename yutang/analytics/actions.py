"""Writes of the analytics app: the per-customer order statistics, the weighted score and the
ABC classes stored on the customer."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.expressions import Combinable, RowRange
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from yutang.customers.derived import with_referrers
from yutang.customers.models import Customer, CustomerStats, ValueClass, ValueFlag
from yutang.customers.stats import query_sql
from yutang.orders.models import CustomerCost, Order
from yutang.rules.models import Rules

from .models import BuyingMonth, Repurchase, ValueClassRun
from .queries import days_between

BATCH = 5000
MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal(0), output_field=MONEY)
STAT_FIELDS = ["orders", "first_paid_at", "last_paid_at", "last_paid_day", "revenue", "cost",
               "keep_cost", "profit", "referred_buyers", "pay_delay_hours"]  # fmt: skip


def refresh_stats(customer_ids: Iterable[int | None], *, purchases: bool = True) -> None:
    """Recompute the statistics of these customers from their orders and costs, and their
    buying months and repurchases unless told not to."""
    ids = sorted({pk for pk in customer_ids if pk})
    for start in range(0, len(ids), BATCH):
        _refresh_batch(ids[start : start + BATCH], purchases=purchases)


def refresh_customer_stats(ids: list[int]) -> None:
    """A step of refresh_customers: these customers' statistics and their referrers' (whose
    count of referred buyers a friend's first purchase changes)."""
    refresh_stats(with_referrers(ids))


def refresh_all_stats() -> int:
    """Recompute every customer's statistics (the daily run, and after bulk data loads)."""
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    with _large_cache():
        refresh_stats(ids, purchases=False)
        # Everyone's buying months and repurchases in one pass, not one per batch.
        with transaction.atomic():
            _refresh_purchases(None)
    return len(ids)


@contextmanager
def _large_cache() -> Iterator[None]:
    """On SQLite, a cache that holds the index pages a rebuild writes all over: with the
    default of 2 MB, writing every buyer's months and repurchases takes twice as long."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -2000")  # SQLite's default


@transaction.atomic
def _refresh_batch(ids: list[int], *, purchases: bool) -> None:
    orders = (
        Order.objects.filter(customer_id__in=ids)
        .paid()
        .with_totals()
        .annotate(
            delay=ExpressionWrapper(F("paid_at") - F("created"), output_field=DurationField())
        )
        .values("customer_id")
        .annotate(
            n=Count("id"),
            first=Min("paid_at"),
            last=Max("paid_at"),
            revenue=Sum("total_amount"),
            goods=Sum("goods_cost"),
            mean_delay=Avg("delay"),
        )
        .order_by()
    )
    by_customer: dict[int, dict[str, Any]] = {row["customer_id"]: dict(row) for row in orders}
    keep_costs = dict(
        CustomerCost.objects.filter(customer_id__in=ids)
        .values("customer_id")
        .annotate(total=Sum("amount"))
        .values_list("customer_id", "total")
        .order_by()
    )
    referred = dict(
        Customer.objects.filter(referrer_id__in=ids, consumed=True)
        .values("referrer_id")
        .annotate(n=Count("id"))
        .values_list("referrer_id", "n")
        .order_by()
    )
    rows = []
    for pk in ids:
        row = by_customer.get(pk, {})
        revenue = row.get("revenue") or Decimal(0)
        cost = row.get("goods") or Decimal(0)
        keep_cost = keep_costs.get(pk) or Decimal(0)
        delay = row.get("mean_delay")
        rows.append(
            CustomerStats(
                customer_id=pk,
                orders=row.get("n", 0),
                first_paid_at=row.get("first"),
                last_paid_at=row.get("last"),
                last_paid_day=day_number(row["last"]) if row.get("last") else None,
                revenue=revenue,
                cost=cost,
                keep_cost=keep_cost,
                profit=revenue - cost - keep_cost,
                referred_buyers=referred.get(pk, 0),
                pay_delay_hours=_hours(delay) if delay is not None else None,
            )
        )
    CustomerStats.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["customer"], update_fields=STAT_FIELDS
    )
    if purchases:
        _refresh_purchases(ids)


def _refresh_purchases(ids: list[int] | None) -> None:
    """The buying months and the repurchases of these customers (None: everyone's, in one
    pass over the paid orders), anew from their paid orders: orders paid at one moment are
    one purchase."""
    months, gaps = BuyingMonth.objects.all(), Repurchase.objects.all()
    paid = Order.objects.filter(paid_at__isnull=False).paid()
    if ids is not None:
        months, gaps = months.filter(customer_id__in=ids), gaps.filter(customer_id__in=ids)
        paid = paid.filter(customer_id__in=ids)
    months.delete()
    gaps.delete()
    inner, params = query_sql(paid.values("customer_id", "paid_at").distinct().order_by())
    month, month_params = local_month("paid_at")
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(BuyingMonth._meta.db_table)} (customer_id, month, first_month) "
            "SELECT customer_id, month, MIN(month) OVER (PARTITION BY customer_id) FROM "
            f"(SELECT DISTINCT customer_id, {month} AS month FROM ({inner}) AS paid) AS months",
            [*month_params, *params],
        )
        cursor.execute(
            f"INSERT INTO {qn(Repurchase._meta.db_table)} "
            "(customer_id, paid_at, previous_paid_at, gap_days) "
            f"SELECT customer_id, paid_at, previous, {days_between('paid_at', 'previous')} "
            "FROM (SELECT customer_id, paid_at, LAG(paid_at) OVER (PARTITION BY customer_id "
            f"ORDER BY paid_at) AS previous FROM ({inner}) AS paid) AS ordered "
            "WHERE previous IS NOT NULL",
            params,
        )


def local_month(column: str) -> tuple[str, list[Any]]:
    """SQL for the first day of the local month of a timestamp column, in native functions
    (Django's TruncMonth runs a Python function per row on SQLite), as a date."""
    zone = timezone.get_current_timezone()
    if connection.vendor == "postgresql":
        return f"CAST(DATE_TRUNC('month', {column} AT TIME ZONE %s) AS DATE)", [str(zone)]
    # SQLite stores UTC: shift by the zone's offset (Asia/Shanghai has had no summer time since
    # 1991, so one offset holds for every date a shop has sold on).
    offset = timezone.localtime(timezone.now(), zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return f"date({column}, '{minutes:+d} minutes', 'start of month')", []


def day_number(moment: datetime) -> int:
    return timezone.localdate(moment).toordinal()


def _hours(delay: timedelta | float | int) -> float:
    # SQLite gives the mean of a duration in microseconds, PostgreSQL an interval.
    if isinstance(delay, timedelta):
        return max(delay.total_seconds() / 3600, 0.0)
    return max(float(delay) / 3_600_000_000, 0.0)


# The weighted score and the ABC classes.

# Factors where less is better are turned round, so that 1 is always the best customer.
LOWER_IS_BETTER = {"timeliness"}
FACTOR_FIELDS = {
    "profit": "profit",
    "frequency": "orders",
    "recency": "last_paid_day",
    "referrals": "referred_buyers",
    "timeliness": "pay_delay_hours",
    "cooperation": "cooperation",
}
# A factor a buyer has no value for (not rated, never ordered before paying) counts half.
MISSING = 0.5
# The lowest or highest value of a factor over the buyers, as the database aggregates it.
Bound = Decimal | float | int | None


def _factor_term(name: str, low: Bound, high: Bound) -> Combinable:
    """Min–max normalisation of one factor to 0…1 over the buyers, as an SQL expression."""
    column = FACTOR_FIELDS[name]
    if name == "cooperation":
        value: Subquery | F = Subquery(
            Customer.objects.filter(pk=OuterRef("customer_id")).values("cooperation")
        )
        low, high = 1, 5
    else:
        value = F(column)
    if low is None or high is None:
        return Value(MISSING)
    if float(high) == float(low):
        return Value(1.0)  # everybody is equal on this factor: it ranks nobody above anybody
    scaled = (Cast(value, FloatField()) - float(low)) / (float(high) - float(low))
    if name in LOWER_IS_BETTER:
        scaled = 1.0 - scaled
    return Coalesce(scaled, Value(MISSING))


def refresh_scores(rules: Rules) -> None:
    """Score = Σ weight × normalised factor / Σ weight, from 0 to 100, for every buyer."""
    buyers = CustomerStats.objects.filter(orders__gt=0)
    bounds = buyers.aggregate(
        **{f"{n}_low": Min(c) for n, c in FACTOR_FIELDS.items() if n != "cooperation"},
        **{f"{n}_high": Max(c) for n, c in FACTOR_FIELDS.items() if n != "cooperation"},
    )
    weights = [(name, weight) for name, weight in rules.weights() if weight]
    total = sum(weight for _name, weight in weights) or 1
    expression: Combinable = Value(0.0)
    for name, weight in weights:
        term = _factor_term(name, bounds.get(f"{name}_low", 1), bounds.get(f"{name}_high", 5))
        expression = expression + term * float(weight)
    score = expression * (100.0 / total)
    buyers.exclude(score=score).update(score=score)  # unchanged scores are not rewritten
    CustomerStats.objects.filter(orders=0).exclude(score=None).update(score=None)


def _set_where(
    field_name: str, conditions: dict[str, list[Q]], *, among: QuerySet[Customer]
) -> None:
    """Give `field_name` each value to the customers of `among` meeting all its conditions,
    and "" to everybody else, writing only the rows whose value changes."""
    for value, parts in conditions.items():
        matching = among.filter(*parts).exclude(**{field_name: value})
        Customer.objects.filter(pk__in=matching.values("pk")).update(**{field_name: value})
    others = Customer.objects.exclude(**{field_name: ""})
    for parts in conditions.values():
        others = others.exclude(pk__in=among.filter(*parts).values("pk"))
    others.update(**{field_name: ""})


def _cut(ranked: QuerySet[Customer], basis: str, index: int) -> Q:
    """Customers ranked at `index` or better (0-based): basis higher, or equal with a smaller
    id, so ties are broken by who came first and every cut is exact."""
    value, pk = ranked.values_list(f"stats__{basis}", "pk")[index]
    return Q(**{f"stats__{basis}__gt": value}) | Q(**{f"stats__{basis}": value, "pk__lte": pk})


def _count_for(share: int, n: int) -> int:
    """How many of n customers the top `share` percent are (rounded up, exactly)."""
    return math.ceil(Decimal(share) * n / 100)


def _cumulative_cut(ranked: QuerySet[Customer], basis: str, share: int) -> Q | None:
    """The customers whose cumulative basis first reaches `share` percent of the total."""
    positive = ranked.filter(**{f"stats__{basis}__gt": 0})
    total = positive.aggregate(total=Sum(f"stats__{basis}"))["total"]
    if not total:
        return None
    target = float(total) * share / 100
    cumulative = positive.annotate(
        running=Window(
            Sum(f"stats__{basis}"),
            order_by=[F(f"stats__{basis}").desc(), F("pk").asc()],
            frame=RowRange(start=None, end=0),
        )
    )
    reached = cumulative.filter(running__gte=target - 1e-9).order_by(
        F(f"stats__{basis}").desc(), "pk"
    )
    row = reached.values_list(f"stats__{basis}", "pk").first()
    if row is None:
        return None
    value, pk = row
    return Q(**{f"stats__{basis}__gt": value}) | Q(**{f"stats__{basis}": value, "pk__lte": pk})


@transaction.atomic
def refresh_value_classes(rules: Rules | None = None) -> dict[str, int]:
    """Rank the buyers of the whole pool and store their ABC class and flags on the customer:
    A, B, C by the owner's split; 潜力A for the top of B; 淘汰候选 for every loss-maker."""
    rules = rules or Rules.current()
    refresh_scores(rules)
    basis = "score" if rules.abc_basis == "score" else "profit"
    buyers = Customer.objects.filter(stats__orders__gt=0)
    ranked = buyers.order_by(F(f"stats__{basis}").desc(nulls_last=True), "pk")
    n = buyers.count()
    a_cut = b_cut = None
    if n:
        if rules.abc_method == "profit":
            a_cut = _cumulative_cut(ranked, basis, rules.abc_profit_a_percent)
            b_cut = _cumulative_cut(
                ranked, basis, rules.abc_profit_a_percent + rules.abc_profit_b_percent
            )
        else:
            a_count = _count_for(rules.abc_a_percent, n)
            b_count = _count_for(rules.abc_a_percent + rules.abc_b_percent, n)
            a_cut = _cut(ranked, basis, a_count - 1) if a_count else None
            b_cut = _cut(ranked, basis, b_count - 1) if b_count else None
    nobody = Q(pk__in=[])
    in_a, in_b = a_cut or nobody, b_cut or nobody
    # Only the customers whose class or flag changes are written: a night on which little
    # changed writes little, and PostgreSQL's customer table does not swell by a copy of
    # every buyer each night.
    _set_where(
        "value_class",
        {ValueClass.A: [in_a], ValueClass.B: [in_b, ~in_a], ValueClass.C: [~in_b]},
        among=buyers,
    )
    b_ranked = ranked.filter(value_class=ValueClass.B)
    potential_count = _count_for(rules.potential_percent, b_ranked.count())
    potential = _cut(b_ranked, basis, potential_count - 1) if potential_count else nobody
    loss = Q(stats__profit__lt=0)
    _set_where(
        "value_flag",
        {
            ValueFlag.LOSS: [loss],
            ValueFlag.POTENTIAL: [Q(value_class=ValueClass.B), potential, ~loss],
        },
        among=Customer.objects.all(),
    )
    ValueClassRun.record()
    counts = dict(
        Customer.objects.exclude(value_class="")
        .values("value_class")
        .annotate(n=Count("id"))
        .values_list("value_class", "n")
        .order_by()
    )
    return {c: counts.get(c, 0) for c in ValueClass.values}
