"""Read-only analytics, computed in the database so that they scale with it.

Every function takes the customers in scope (a queryset that starts from `visible_to(user)`)
and, where it makes sense, a period. All time reads the per-customer statistics (one row per
customer); a period reads the paid orders of that period. Where the ORM cannot say it (window
functions over grouped rows, medians), the SQL wraps the ORM's own query, so the scoping stays
the ORM's."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.filters import ALL_TIME_PROFIT, CustomerFilters, filter_customers
from yutang.customers.models import (
    Activity,
    ActivityKind,
    Customer,
    CustomerQuerySet,
    CustomerStats,
    ValueClass,
    ValueFlag,
)
from yutang.customers.stats import (
    RFM_CLASSES,
    fetch_rows,
    query_sql,
    rfm_filter,
    rfm_thresholds,
    scoped,
)
from yutang.followups.models import FollowUp
from yutang.orders.models import CustomerCost, Order, OrderLine, OrderQuerySet

from .models import BuyingMonth, Repurchase

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal(0), output_field=MONEY)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included; None on either side: unbounded."""

    start: date | None = None
    end: date | None = None

    @property
    def is_all_time(self) -> bool:
        return self.start is None and self.end is None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.start, time.min, tzinfo=zone) if self.start else None
        end = (
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)
            if self.end
            else None
        )
        return start, end

    def keep_costs(self, customer: Any) -> Subquery:
        """The costs of keeping `customer` (an outer reference) in the period, summed."""
        costs = CustomerCost.objects.filter(customer=customer)
        if self.start:
            costs = costs.filter(on__gte=self.start)
        if self.end:
            costs = costs.filter(on__lte=self.end)
        total = costs.values("customer").annotate(total=Sum("amount")).values("total")
        return Subquery(total, output_field=MONEY)

    def orders(self, customers: QuerySet[Customer]) -> OrderQuerySet:
        """The paid orders of these customers in the period."""
        orders = scoped(Order.objects.paid(), customers)
        start, end = self.bounds()
        if start:
            orders = orders.filter(paid_at__gte=start)
        if end:
            orders = orders.filter(paid_at__lt=end)
        return orders


PERIOD_PRESETS = [
    ("30", _("last 30 days")),
    ("90", _("last 90 days")),
    ("365", _("last 12 months")),
    ("year", _("this year")),
    ("all", _("all time")),
]


def preset_period(preset: str, today: date) -> Period:
    """A period named by one of PERIOD_PRESETS, ending today."""
    if preset == "year":
        return Period(today.replace(month=1, day=1), today)
    if preset.isdigit():
        return Period(today - timedelta(days=int(preset) - 1), today)
    return Period()


def in_scope(user: User, branch: User | None = None) -> QuerySet[Customer]:
    """The customers an analysis covers: those the user may see, within an agent's branch when
    one is chosen (an agent's own analytics always cover their branch only)."""
    customers = Customer.objects.visible_to(user)
    if branch is not None:
        customers = customers.filter(branch.branch_q("owner__"))
    return customers


def buyer_values(customers: QuerySet[Customer], period: Period) -> QuerySet[Any]:
    """One row per buyer of the period: customer_id, orders, revenue, profit."""
    if period.is_all_time:
        return scoped(CustomerStats.objects.filter(orders__gt=0), customers).values(
            "customer_id", "orders", "revenue", "profit"
        )
    keep = period.keep_costs(OuterRef("customer_id"))
    return (
        period.orders(customers)
        .with_totals()
        .values("customer_id")
        .annotate(orders=Count("id"), revenue=Sum("total_amount"), goods=Sum("goods_cost"))
        .annotate(profit=F("revenue") - F("goods") - Coalesce(keep, ZERO))
        .values("customer_id", "orders", "revenue", "profit")
        .order_by()
    )


def money(value: Any) -> Decimal:
    # SQLite sums decimals as floats: back to cents.
    return Decimal(str(value or 0)).quantize(CENT)


def days_between(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0"
    return f"(julianday({later}) - julianday({earlier}))"


def top_count(share: float | Decimal, n: int) -> int:
    """How many of n customers the top `share` (a fraction) are: rounded up, exactly."""
    return min(n, math.ceil(Decimal(str(share)) * n))


# Pareto.


def pareto(
    customers: QuerySet[Customer], period: Period, share: float | Decimal = 0.2, points: int = 20
) -> dict[str, Any]:
    """What the top `share` of buyers bring: their share of revenue (ranked by revenue) and of
    profit (ranked by profit), and the concentration (Lorenz) curve of both."""
    values = buyer_values(customers, period)
    inner, params = query_sql(values)
    totals = fetch_rows(
        f"SELECT COUNT(*), SUM(revenue), SUM(profit) FROM ({inner}) AS buyers", params
    )[0]
    n, revenue, profit = totals[0], money(totals[1]), money(totals[2])
    running: dict[str, dict[int, Decimal]] = {"revenue": {}, "profit": {}}
    if n:
        steps = ", ".join(str(s) for s in pareto_steps(n, share, points))
        for column in running:
            rows = fetch_rows(
                f"SELECT rank, running FROM (SELECT ROW_NUMBER() OVER (ORDER BY {column} DESC, "
                f"customer_id) AS rank, SUM({column}) OVER (ORDER BY {column} DESC, customer_id "
                f"ROWS UNBOUNDED PRECEDING) AS running FROM ({inner}) AS buyers) AS ranked "
                f"WHERE rank IN ({steps})",
                params,
            )
            running[column] = {rank: money(total) for rank, total in rows}
    return pareto_result(n, revenue, profit, running, share, points)


def pareto_steps(n: int, share: float | Decimal, points: int) -> list[int]:
    """The ranks Pareto's figures need: every 1/points of the n buyers, and the top share."""
    return sorted(
        {top_count(Decimal(i) / points, n) for i in range(1, points + 1)} | {top_count(share, n)}
    )


def pareto_result(
    n: int,
    revenue: Decimal,
    profit: Decimal,
    running: dict[str, dict[int, Decimal]],
    share: float | Decimal,
    points: int,
) -> dict[str, Any]:
    """Pareto's figures from the number of buyers, their totals and the running sums of
    revenue and of profit (each ranked by itself) at the ranks of pareto_steps."""
    k = top_count(share, n)
    result: dict[str, Any] = {
        "customers": n,
        "share": float(share),
        "top": k,
        "revenue": revenue,
        "profit": profit,
        "revenue_share": None,
        "profit_share": None,
        "curve": [],
    }
    if not n:
        return result
    if revenue > 0:
        result["revenue_share"] = float(running["revenue"][k] / revenue)
    if profit > 0:
        result["profit_share"] = float(running["profit"][k] / profit)
    result["curve"] = [
        {
            "customers": rank / n,
            "revenue": float(running["revenue"][rank] / revenue) if revenue > 0 else None,
            "profit": float(running["profit"][rank] / profit) if profit > 0 else None,
        }
        for rank in pareto_steps(n, share, points)
    ]
    return result


# ABC.


def abc(customers: QuerySet[Customer]) -> dict[str, Any]:
    """The stored classes: customers, revenue and profit per class; who is 淘汰候选 and 潜力A."""
    rows = (
        customers.values("value_class")
        .annotate(
            n=Count("id"),
            revenue=Coalesce(Sum("stats__revenue"), ZERO),
            profit=Coalesce(Sum("stats__profit"), ZERO),
        )
        .order_by()
    )
    by_class: dict[str, dict[str, Any]] = {r["value_class"]: dict(r) for r in rows}
    classes = {
        key: {
            "count": by_class.get(key, {}).get("n", 0),
            "revenue": money(by_class.get(key, {}).get("revenue")),
            "profit": money(by_class.get(key, {}).get("profit")),
        }
        for key in [*ValueClass.values, ""]
    }
    # Who bought after the last ranking has no class yet: they are in the "" class, and also
    # counted here on their own.
    unranked = customers.filter(value_class="", stats__orders__gt=0).aggregate(
        count=Count("id"),
        revenue=Coalesce(Sum("stats__revenue"), ZERO),
        profit=Coalesce(Sum("stats__profit"), ZERO),
    )
    unranked.update(revenue=money(unranked["revenue"]), profit=money(unranked["profit"]))
    flagged = customers.exclude(value_flag="").order_by("stats__profit", "pk")
    return {
        "classes": classes,
        "unranked": unranked,
        "loss": list(flagged.filter(value_flag=ValueFlag.LOSS).values_list("pk", flat=True)[:1000]),
        "potential": list(
            flagged.filter(value_flag=ValueFlag.POTENTIAL)
            .order_by("-stats__profit", "pk")
            .values_list("pk", flat=True)[:1000]
        ),
    }


# RFM.

RFM_ADVICE = {
    "important_value": _("Your best customers: keep them close, VIP care."),
    "important_develop": _("Recent big spenders who buy rarely: give them reasons to come back."),
    "important_keep": _("Big, frequent buyers drifting away: call them now."),
    "important_retain": _("Big spenders gone quiet: win them back before they are lost."),
    "general_value": _("Frequent, recent, small baskets: sell them more per order."),
    "general_develop": _("New and small: welcome them and build the habit."),
    "general_keep": _("Used to buy often, small: a gentle reminder."),
    "general_retain": _("Low on every count: a cheap, occasional touch."),
}


def rfm(customers: QuerySet[Customer], today: date) -> dict[str, Any]:
    """Count and revenue of the buyers in each of the eight classes (R, F and M each above or
    below the buyers' mean; R above means bought more recently than the mean)."""
    thresholds = rfm_thresholds(customers, today)
    classes = []
    if thresholds is None:
        for name, label in RFM_CLASSES.values():
            classes.append({"key": name, "name": str(label), "count": 0, "revenue": Decimal(0)})
        return {"thresholds": None, "classes": classes}
    aggregates: dict[str, Any] = {}
    for name, _label in RFM_CLASSES.values():
        condition = rfm_filter(name, thresholds)
        aggregates[f"{name}_n"] = Count("id", filter=condition)
        aggregates[f"{name}_m"] = Coalesce(Sum("stats__revenue", filter=condition), ZERO)
    counts = customers.aggregate(**aggregates)
    for name, label in RFM_CLASSES.values():
        classes.append(
            {
                "key": name,
                "name": str(label),
                "advice": str(RFM_ADVICE[name]),
                "count": counts[f"{name}_n"],
                "revenue": money(counts[f"{name}_m"]),
            }
        )
    return {"thresholds": thresholds, "classes": classes}


# Repurchase.


def _gaps_sql(customers: QuerySet[Customer], period: Period, per_product: bool) -> tuple[str, Any]:
    """Days between one purchase and the customer's previous one (of the same product when
    `per_product`), for every purchase of the period that had a previous one."""
    orders = period.orders(customers)
    if per_product:
        lines = OrderLine.objects.filter(order__in=orders).values(
            "product_id", buyer=F("order__customer_id"), paid=F("order__paid_at")
        )
        inner, params = query_sql(lines)
        partition = "buyer, product_id"
        select = "product_id, "
    else:
        inner, params = query_sql(orders.values("id", buyer=F("customer_id"), paid=F("paid_at")))
        partition = "buyer"
        select = ""
    # A product bought twice in one order is one purchase: distinct rows first.
    sql = (
        f"SELECT {select}{days_between('paid', 'previous')} AS gap FROM ("
        f"SELECT {select}paid, LAG(paid) OVER (PARTITION BY {partition} ORDER BY paid) "
        f"AS previous FROM (SELECT DISTINCT {select}buyer, paid FROM ({inner}) AS raw) "
        f"AS purchases) AS ordered WHERE previous IS NOT NULL"
    )
    return sql, params


def _medians(gaps_sql: str, params: Any, group: str | None) -> dict[Any, float]:
    """The median gap, per `group` column (or overall): the mean of the middle one or two."""
    partition = f"PARTITION BY {group} " if group else ""
    key = f"{group}, " if group else ""
    rows = fetch_rows(
        f"SELECT {key}AVG(gap) FROM (SELECT {key}gap, "
        f"ROW_NUMBER() OVER ({partition}ORDER BY gap) AS position, "
        f"COUNT(*) OVER ({partition.strip()}) AS n FROM ({gaps_sql}) AS gaps) AS numbered "
        f"WHERE position IN ((n + 1) / 2, (n + 2) / 2)" + (f" GROUP BY {group}" if group else ""),
        params,
    )
    if not group:
        rows = [(None, rows[0][0])] if rows and rows[0][0] is not None else []
    return {k: round(float(v), 1) for k, v in rows}


def repurchase(customers: QuerySet[Customer], period: Period) -> dict[str, Any]:
    """Repurchase rate (buyers with two or more paid orders in the period, of all buyers),
    median days between purchases, average order value (客单价) and orders per buyer."""
    if period.is_all_time:
        # All time is in the statistics row: one row per buyer instead of every order line.
        totals = scoped(CustomerStats.objects.filter(orders__gt=0), customers).aggregate(
            buyers=Count("pk"),
            repeat=Count("pk", filter=Q(orders__gte=2)),
            orders=Sum("orders"),
            revenue=Sum("revenue"),
        )
        counted = (totals["buyers"], totals["repeat"], totals["orders"])
        revenue = totals["revenue"] or Decimal(0)
    else:
        orders = period.orders(customers)
        per_buyer = orders.values("customer_id").annotate(n=Count("id")).order_by()
        inner, params = query_sql(per_buyer)
        counted = fetch_rows(
            f"SELECT COUNT(*), SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END), SUM(n) FROM ({inner}) AS b",
            params,
        )[0]
        revenue = orders.with_totals().aggregate(total=Sum("total_amount"))["total"] or 0
    # PostgreSQL sums integers as numeric: plain integers on every database.
    buyers, repeat, n_orders = (int(value or 0) for value in counted)
    revenue = money(revenue)
    median = median_interval(customers, period)
    return {
        "buyers": buyers,
        "repeat_buyers": repeat,
        "orders": n_orders,
        "revenue": revenue,
        "repurchase_rate": repeat / buyers if buyers else None,
        "median_interval_days": median,
        "aov": money(revenue / n_orders) if n_orders else None,
        "frequency": round(n_orders / buyers, 2) if buyers else None,
    }


def median_interval(customers: QuerySet[Customer], period: Period) -> float | None:
    """The median of the days between a purchase of the period and the customer's previous
    one, when that was in the period too: the middle one or two of the stored repurchases,
    along the index of their gaps."""
    gaps = scoped(Repurchase.objects.all(), customers)
    start, end = period.bounds()
    if start:
        gaps = gaps.filter(paid_at__gte=start, previous_paid_at__gte=start)
    if end:
        gaps = gaps.filter(paid_at__lt=end)
    n = gaps.count()
    if not n:
        return None
    ordered = gaps.order_by("gap_days").values_list("gap_days", flat=True)
    middle = list(ordered[(n + 1) // 2 - 1 : (n + 2) // 2])
    return round(sum(middle) / len(middle), 1)


INTERVAL_BIN_DAYS = 7
INTERVAL_BINS = 26  # half a year in weeks; longer gaps go in the last bin


def product_intervals(customers: QuerySet[Customer], period: Period) -> list[dict[str, Any]]:
    """Per product: how many repurchases, their median interval in days and its distribution
    in weeks, next to the usage cycle the product is set up with."""
    gaps, params = _gaps_sql(customers, period, per_product=True)
    medians = _medians(gaps, params, "product_id")
    bucket = f"CAST(gap / {INTERVAL_BIN_DAYS} AS INTEGER)"
    if connection.vendor == "postgresql":
        bucket = f"FLOOR(gap / {INTERVAL_BIN_DAYS})::integer"
    rows = fetch_rows(
        f"SELECT product_id, {bucket} AS bucket, COUNT(*) FROM ({gaps}) AS gaps "
        "GROUP BY product_id, bucket",
        params,
    )
    histograms: dict[int, list[int]] = {}
    for product_id, index, count in rows:
        bins = histograms.setdefault(product_id, [0] * INTERVAL_BINS)
        bins[min(int(index), INTERVAL_BINS - 1)] += count
    products = Product.objects.in_bulk(list(histograms))
    result = []
    for product_id, bins in histograms.items():
        product = products[product_id]
        result.append(
            {
                "product": product,
                "repurchases": sum(bins),
                "median_interval_days": medians.get(product_id),
                "usage_cycle_days": product.usage_cycle_days,
                "bins": bins,
            }
        )
    return sorted(result, key=lambda r: (-r["repurchases"], r["product"].name))


# Cohorts.


def _as_month_number(value: Any) -> int:
    if isinstance(value, datetime | date):
        return value.year * 12 + value.month
    return int(value)


def cohorts(customers: QuerySet[Customer], months: int = 12) -> dict[str, Any]:
    """Retention by month of first purchase: of the customers who first bought in a month, the
    share who bought again in each following month (month 0 is 100%)."""
    rows = (
        scoped(BuyingMonth.objects.all(), customers)
        .values_list("first_month", "month")
        .annotate(n=Count("*"))
        .order_by()
    )
    active: dict[int, dict[int, int]] = {}
    for cohort, month, n in rows:
        first, then = _as_month_number(cohort), _as_month_number(month)
        active.setdefault(first, {})[then - first] = n
    today = timezone.localdate()
    this_month = today.year * 12 + today.month
    table = {}
    for cohort in sorted(active)[-months:]:
        size = active[cohort].get(0, 0)
        year, month = divmod(cohort - 1, 12)
        table[f"{year:04d}-{month + 1:02d}"] = {
            "size": size,
            "retention": [
                active[cohort].get(i, 0) / size if size else 0.0
                for i in range(this_month - cohort + 1)
            ],
        }
    return table


def _month(value: date | datetime) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


# Growth funnel.

# The funnel's own line for the customers a file brought without the day they became friends.
IMPORTED_KEY = "imported"
IMPORTED_LABEL = _("imported, no date added")


def imported_undated() -> Q:
    """Customers a customer file created (their timeline's first entry says so) and that have
    no friend-added date: they were friends before the import, on a day nobody knows, so they
    are neither friends added on the import day nor on any other."""
    by_import = Activity.objects.filter(
        customer=OuterRef("pk"), kind=ActivityKind.CREATED, data__source="import"
    )
    return Q(added_on__isnull=True) & Q(Exists(by_import))


def _imported() -> Case:
    """Whether they are imported without a date: the day of the record is then the import's,
    which only places them in a period."""
    return Case(When(imported_undated(), then=Value(True)), default=Value(False))


def funnel(
    customers: QuerySet[Customer], period: Period, by: str = "month"
) -> list[dict[str, Any]]:
    """Friends added → activated (any follow-up) → converted (a paid order) → retained (two or
    more), per month of joining or per source channel, with each step's rate. Customers imported
    without a friend-added date (in the period by the day of the import) are a line of their
    own, last, with the key `imported`: they are not friends added in any month."""
    # The day they became friends (`joined_on`): the friend-added date, else the day the
    # record was made.
    people = customers.annotate(imported=_imported())
    if period.start:
        people = people.filter(joined_on__gte=period.start)
    if period.end:
        people = people.filter(joined_on__lte=period.end)
    key = F("joined_month") if by == "month" else F("channel__name")
    followed = Exists(FollowUp.objects.filter(customer=OuterRef("pk")))
    rows = (
        people.annotate(key=key)
        .values("imported", "key")
        .annotate(
            added=Count("id"),
            activated=Count("id", filter=Q(followed)),
            converted=Count("id", filter=Q(stats__orders__gte=1)),
            retained=Count("id", filter=Q(stats__orders__gte=2)),
            revenue=Coalesce(Sum("stats__revenue"), ZERO),
        )
        .order_by("key")
    )
    result, imported = [], dict.fromkeys(("added", "activated", "converted", "retained"), 0)
    imported_revenue = Decimal(0)
    for row in rows:
        if row["imported"]:
            for step in imported:
                imported[step] += row[step]  # type: ignore[literal-required]
            imported_revenue += row["revenue"]
            continue
        key_value = row["key"]
        if by == "month" and key_value is not None:
            key_value = _month(key_value).strftime("%Y-%m")
        result.append(_funnel_row(key_value or "", key_value or "", dict(row), row["revenue"]))
    if by != "month":
        result.sort(key=lambda r: (-r["converted"], -r["added"]))
    if imported["added"]:
        result.append(_funnel_row(IMPORTED_KEY, str(IMPORTED_LABEL), imported, imported_revenue))
    return result


def _funnel_row(key: str, label: str, counts: dict[str, Any], revenue: Any) -> dict[str, Any]:
    added, converted = counts["added"], counts["converted"]
    return {
        "key": key,
        "label": label,
        "added": added,
        "activated": counts["activated"],
        "converted": converted,
        "retained": counts["retained"],
        "revenue": money(revenue),
        "activation_rate": counts["activated"] / added if added else None,
        "conversion_rate": converted / added if added else None,
        "retention_rate": counts["retained"] / converted if converted else None,
    }


def growth_progress(customers: QuerySet[Customer], today: date) -> dict[str, int]:
    """New friends today and this month, for the targets: by the friend-added date, else the
    day the record was made; never customers imported without a friend-added date."""
    # Only this month's friends are counted: the index on the joined day finds them.
    joined = customers.filter(joined_on__gte=today.replace(day=1), joined_on__lte=today)
    counts = joined.filter(~imported_undated()).aggregate(
        today=Count("id", filter=Q(joined_on=today)), month=Count("id")
    )
    return {"today": counts["today"], "month": counts["month"]}


# Profit contribution of one customer, or of a page of customers, over a period.


def profit_by_customer(customers: QuerySet[Customer], period: Period) -> dict[int, Decimal]:
    """Profit contribution per buyer of the period."""
    return {row["customer_id"]: money(row["profit"]) for row in buyer_values(customers, period)}


def profit_expression(period: Period) -> Any:
    """Each customer's profit contribution in the period, as an annotation on Customer: the
    statistics row for all time, correlated subqueries over orders and costs for a period."""
    if period.is_all_time:
        return ALL_TIME_PROFIT
    orders = period.orders(Customer.objects.all()).filter(customer=OuterRef("pk")).with_totals()
    sales = Subquery(
        orders.values("customer")
        .annotate(net=Sum("total_amount") - Sum("goods_cost"))
        .values("net"),
        output_field=MONEY,
    )
    return Coalesce(sales, ZERO) - Coalesce(period.keep_costs(OuterRef("pk")), ZERO)


def filter_customers_for_period(
    qs: CustomerQuerySet, filters: CustomerFilters, *, user: User
) -> Any:
    """`filter_customers` with the profit column and sorts of the filters' `value_period`: the
    customer list page and its export. A period's profit reads the orders, so this is above the
    customers app, which alone can give all time only."""
    period = preset_period(filters.get("value_period") or "all", timezone.localdate())
    return filter_customers(qs, filters, user=user, profit=profit_expression(period))
