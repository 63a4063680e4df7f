"""The customer list's filters as one plain dict, and the one function that applies it.

`CustomerFilters` holds cleaned values only (strings, ids, booleans, lists of them), so that a
segment can store it as JSON and apply it again later. The list page's form, its export and the
API each clean their own input into this dict; `filter_customers` is the only query logic."""

from __future__ import annotations

from typing import Any, TypedDict

from django.utils import timezone

from yutang.accounts.models import User

# The list's click-throughs from the analytics: RFM class and the profit of a period.
from yutang.analytics.queries import (
    RFM_CLASSES,
    in_scope,
    preset_period,
    profit_expression,
    rfm_filter,
    rfm_thresholds,
)

from .models import DEFAULT_SORT, CustomerQuerySet, TagMode

RFM_KEYS = tuple(name for name, _label in RFM_CLASSES.values())
RFM_CHOICES = list(RFM_CLASSES.values())
# value_period: all time, or the last N days.
VALUE_PERIODS = ("all", "365", "90", "30")


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


def filter_customers(qs: CustomerQuerySet, filters: CustomerFilters, *, user: User) -> Any:
    """`qs` narrowed by the filters, annotated with `profit` and sorted. It only ever narrows
    `qs`: scope it first (`visible_to`). `user` is whose customers the RFM thresholds cover."""
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
        thresholds = rfm_thresholds(in_scope(user), timezone.localdate())
        qs = qs.filter(rfm_filter(rfm, thresholds)) if thresholds else qs.none()
    if cohort := filters.get("cohort"):
        year, month = (int(part) for part in cohort.split("-"))
        qs = qs.filter(stats__first_paid_at__year=year, stats__first_paid_at__month=month)
    if filters.get("repeat"):
        qs = qs.filter(stats__orders__gte=2)
    period = preset_period(filters.get("value_period") or "all", timezone.localdate())
    qs = qs.annotate(profit=profit_expression(period))
    return qs.ordered_by(filters.get("sort") or DEFAULT_SORT)
