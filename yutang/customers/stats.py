"""Queries over the customers and their statistics row (`CustomerStats`) alone: the RFM classes
and their thresholds, which the customer list filters by and the analytics count.

Nothing here reads an order: what needs the orders of a period is in `yutang.analytics`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Customer, CustomerStats

Rows = TypeVar("Rows", bound=QuerySet[Any])


def scoped(rows: Rows, customers: QuerySet[Customer]) -> Rows:
    """Rows of these customers. When the scope is the whole pool (the owner's and staff's),
    no filter at all: `customer_id IN (every customer)` costs PostgreSQL a second a query."""
    if not customers.query.where:
        return rows
    return rows.filter(customer__in=customers)


# Raw SQL around the ORM's queries, for window functions and medians.


def query_sql(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def fetch_rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# RFM.

# (R high, F high, M high) → class; "high" is better than the buyers' mean.
RFM_CLASSES = {
    (True, True, True): ("important_value", _("important value")),
    (True, False, True): ("important_develop", _("important, to develop")),
    (False, True, True): ("important_keep", _("important, to keep")),
    (False, False, True): ("important_retain", _("important, to win back")),
    (True, True, False): ("general_value", _("general value")),
    (True, False, False): ("general_develop", _("general, to develop")),
    (False, True, False): ("general_keep", _("general, to keep")),
    (False, False, False): ("general_retain", _("general, to win back")),
}


def rfm_thresholds(customers: QuerySet[Customer], today: date) -> dict[str, Any] | None:
    """The buyers' means: days since the last purchase, paid orders, revenue."""
    stats = scoped(CustomerStats.objects.filter(orders__gt=0), customers)
    inner, params = query_sql(stats.values("last_paid_day", "orders", "revenue"))
    rows = fetch_rows(
        f"SELECT COUNT(*), AVG(last_paid_day), AVG(orders), AVG(revenue) FROM ({inner}) AS buyers",
        params,
    )[0]
    if not rows[0]:
        return None
    return {
        "buyers": rows[0],
        "mean_day": float(rows[1]),
        "recency_days": today.toordinal() - float(rows[1]),
        "frequency": float(rows[2]),
        "monetary": float(rows[3]),
    }


def rfm_filter(key: str, thresholds: dict[str, Any]) -> Q:
    """The customers of one RFM class, as a filter on Customer."""
    r, f, m = next(k for k, (name, _label) in RFM_CLASSES.items() if name == key)
    conditions = Q(stats__orders__gt=0)
    for high, field, mean in (
        (r, "stats__last_paid_day", thresholds["mean_day"]),
        (f, "stats__orders", thresholds["frequency"]),
        (m, "stats__revenue", thresholds["monetary"]),
    ):
        above = Q(**{f"{field}__gt": mean})
        conditions &= above if high else ~above
    return conditions
