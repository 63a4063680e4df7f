"""The customer list's filters as one plain dict, and the one function that applies it.

`CustomerFilters` holds cleaned values only (strings, ids, booleans, lists of them), so that a
segment can store it as JSON and apply it again later. The list page's form, its export and the
API each clean their own input into this dict; `filter_customers` is the only query logic.

The profit of a period (`value_period` other than all time) reads the paid orders and costs of
that period, which live above this app: `yutang.analytics.queries.filter_customers_for_period`
applies the dict with that profit, and is what the list page and its export call."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from django.db.models import DecimalField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from yutang.accounts.models import User

from .models import DEFAULT_SORT, Customer, CustomerQuerySet, TagMode
from .stats import RFM_CLASSES, rfm_filter, rfm_thresholds

RFM_KEYS = tuple(name for name, _label in RFM_CLASSES.values())
RFM_CHOICES = list(RFM_CLASSES.values())
# value_period: all time, or the last N days.
VALUE_PERIODS = ("all", "365", "90", "30")
# The profit column and sorts of all time: the statistics row, 0 for a customer without one.
ALL_TIME_PROFIT = Coalesce(
    F("stats__profit"),
    Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=2)),
)


class CustomerFilters(TypedDict, total=False):
    """Every key is optional; an absent, empty or None value does not filter."""

    q: str
    grade: list[str]  # Grade values, NOT_GRADED for the ungraded
    tag: list[int]  # tag ids
    tag_mode: TagMode
    channel: int | None  # channel id
    owner: int | None  # user id
    lifecycle: list[str]
    stage: list[str]
    visited_store: bool | None
    vip: bool | None
    do_not_disturb: bool | None
    value_class: list[str]  # ValueClass values, NO_PURCHASE for customers without one
    value_flag: str
    rfm: str  # one of RFM_KEYS
    cohort: str  # "YYYY-MM": the month of the first paid order
    repeat: bool  # two paid orders or more
    value_period: str  # one of VALUE_PERIODS: the period of the profit column and sorts
    sort: str  # one of CUSTOMER_SORTS


def filter_customers(
    qs: CustomerQuerySet, filters: CustomerFilters, *, user: User, profit: Any = None
) -> Any:
    """`qs` narrowed by the filters, annotated with `profit` and sorted. It only ever narrows
    `qs`: scope it first (`visible_to`). `user` is whose customers the RFM thresholds cover.

    `profit` is the annotation of the profit column and sorts, by default all time (the
    statistics row). A `value_period` of N days needs the profit of that period passed in:
    `filter_customers_for_period` in analytics does it; without it, the period is an error
    rather than a silent all time."""
    if profit is None:
        if (filters.get("value_period") or "all") != "all":
            raise ValueError("the profit of a period reads orders: filter_customers_for_period")
        profit = ALL_TIME_PROFIT
    qs = qs.search(filters.get("q") or "")
    if grades := filters.get("grade"):
        qs = qs.graded(grades)
    if tags := filters.get("tag"):
        qs = qs.tagged(tags, mode=filters.get("tag_mode") or "any")
    if channel := filters.get("channel"):
        qs = qs.filter(channel_id=channel)
    if owner := filters.get("owner"):
        qs = qs.filter(owner_id=owner)
    if lifecycle := filters.get("lifecycle"):
        qs = qs.in_lifecycle(lifecycle)
    if stage := filters.get("stage"):
        qs = qs.at_stage(stage)
    qs = qs.flagged(
        visited_store=filters.get("visited_store"),
        vip=filters.get("vip"),
        do_not_disturb=filters.get("do_not_disturb"),
    )
    if classes := filters.get("value_class"):
        qs = qs.in_class(classes)
    if flag := filters.get("value_flag"):
        qs = qs.value_flagged(flag)
    if rfm := filters.get("rfm"):
        # The thresholds are the means of every buyer the user may see, not of this list.
        thresholds = rfm_thresholds(Customer.objects.visible_to(user), timezone.localdate())
        qs = qs.filter(rfm_filter(rfm, thresholds)) if thresholds else qs.none()
    if cohort := filters.get("cohort"):
        year, month = (int(part) for part in cohort.split("-"))
        qs = qs.filter(stats__first_paid_at__year=year, stats__first_paid_at__month=month)
    if filters.get("repeat"):
        qs = qs.filter(stats__orders__gte=2)
    qs = qs.annotate(profit=profit)
    return qs.ordered_by(filters.get("sort") or DEFAULT_SORT)
