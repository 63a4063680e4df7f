"""Every analytics figure as JSON, scoped like the pages: an agent's cover their branch only.

Common query parameters: `from` and `to` (dates, both included; all time without them) and
`branch` (the id of an agent whose branch to look at, among those the caller may see)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from yutang.accounts.access import request_user
from yutang.accounts.apikit import field_errors
from yutang.accounts.views import owner_required
from yutang.rules.models import Rules

from . import queries
from .actions import refresh_value_classes
from .forms import AnalyticsFilter

router: Router = Router(tags=["analytics"])


class Filters(Schema):
    """Read by AnalyticsFilter, which gives the messages; declared here for the schema."""

    period: str | None = Field(None, description="30, 90, 365, year or all (the default)")
    from_: str | None = Field(None, alias="from", description="YYYY-MM-DD")
    to: str | None = Field(None, description="YYYY-MM-DD")
    branch: str | None = Field(None, description="the id of an agent whose branch to look at")
    share: str | None = Field(None, description="pareto only: the top share, 0.01–1")


def _filter(request: HttpRequest, filters: Filters) -> tuple[AnalyticsFilter, Any]:
    """The filter, and the 422 answer to send when it is not valid."""
    data = filters.dict(by_alias=True, exclude_none=True)
    form = AnalyticsFilter(data, user=request_user(request))
    if not form.is_valid():
        errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        return form, field_errors(errors)
    return form, None


def _customers(request: HttpRequest, form: AnalyticsFilter) -> Any:
    return queries.in_scope(request_user(request), form.branch_value())


@router.get("/analytics/pareto", summary="Share of revenue and profit of the top buyers")
def pareto(request: HttpRequest, filters: Query[Filters]) -> Any:
    """`share` (default 0.2): the top share of buyers. Buyers are ranked by revenue for
    `revenue_share` and by profit for `profit_share`; `top` is how many they are (rounded up);
    `curve` gives both cumulative shares at every 5% of buyers."""
    form, error = _filter(request, filters)
    if error:
        return error
    result = queries.pareto(_customers(request, form), form.period_value(), form.share_value())
    return {**result, "revenue": str(result["revenue"]), "profit": str(result["profit"])}


@router.get("/analytics/abc", summary="Customers per ABC class, and who is flagged")
def abc(request: HttpRequest, filters: Query[Filters]) -> Any:
    """Counts per class (A, B, C, and `none` for customers without a purchase), the ids of the
    candidates to let go (`loss`, 淘汰候选) and of the potential A (`potential`, 潜力A), and
    revenue and profit per class in `classes`. Classes cover all time."""
    form, error = _filter(request, filters)
    if error:
        return error
    result = queries.abc(_customers(request, form))
    classes = {
        key or "none": {**v, "revenue": str(v["revenue"]), "profit": str(v["profit"])}
        for key, v in result["classes"].items()
    }
    return {
        **{key: value["count"] for key, value in classes.items()},
        "loss": result["loss"],
        "potential": result["potential"],
        "classes": classes,
    }


@router.post("/analytics/abc/refresh", summary="Recompute the scores and ABC classes (owner)")
def abc_refresh(request: HttpRequest) -> Any:
    owner_required(request)
    return refresh_value_classes()


@router.get("/analytics/rfm", summary="Buyers and revenue per RFM class")
def rfm(request: HttpRequest, filters: Query[Filters]) -> Any:
    """The eight classes by their Chinese names, each with `key`, `count` and `revenue`.
    RFM covers all time up to today; the thresholds are at /api/analytics/rfm/thresholds."""
    form, error = _filter(request, filters)
    if error:
        return error
    result = queries.rfm(_customers(request, form), timezone.localdate())
    return {
        c["name"]: {"key": c["key"], "count": c["count"], "revenue": str(c["revenue"])}
        for c in result["classes"]
    }


@router.get("/analytics/rfm/thresholds", summary="The means the RFM classes compare with")
def rfm_thresholds(request: HttpRequest, filters: Query[Filters]) -> Any:
    form, error = _filter(request, filters)
    if error:
        return error
    return queries.rfm_thresholds(_customers(request, form), timezone.localdate()) or {}


@router.get("/analytics/repurchase", summary="Repurchase rate, interval, order value")
def repurchase(request: HttpRequest, filters: Query[Filters]) -> Any:
    """`repurchase_rate` (buyers with two or more paid orders in the period, of all buyers),
    `median_interval_days`, `aov` (average order value, 客单价) and `frequency` (orders per
    buyer); per product, the median interval next to its usage cycle."""
    form, error = _filter(request, filters)
    if error:
        return error
    customers, period = _customers(request, form), form.period_value()
    result = queries.repurchase(customers, period)
    products = [
        {
            "product": p["product"].pk,
            "name": p["product"].name,
            "repurchases": p["repurchases"],
            "median_interval_days": p["median_interval_days"],
            "usage_cycle_days": p["usage_cycle_days"],
            "weekly_counts": p["bins"],
        }
        for p in queries.product_intervals(customers, period)
    ]
    aov = result["aov"]
    return {
        **result,
        "revenue": str(result["revenue"]),
        "aov": str(aov) if aov is not None else None,
        "products": products,
    }


@router.get("/analytics/cohorts", summary="Retention by month of first purchase")
def cohorts(request: HttpRequest, filters: Query[Filters]) -> Any:
    """First-purchase month (YYYY-MM) → the share of that cohort who bought in each month
    since (index 0 is the first month itself, always 1). Sizes: /api/analytics/cohorts/sizes."""
    form, error = _filter(request, filters)
    if error:
        return error
    table = queries.cohorts(_customers(request, form), months=120)
    return {month: row["retention"] for month, row in table.items()}


@router.get("/analytics/cohorts/sizes", summary="Customers per first-purchase month")
def cohort_sizes(request: HttpRequest, filters: Query[Filters]) -> Any:
    form, error = _filter(request, filters)
    if error:
        return error
    table = queries.cohorts(_customers(request, form), months=120)
    return {month: row["size"] for month, row in table.items()}


@router.get("/analytics/funnel", summary="Friends added → activated → converted → retained")
def funnel(request: HttpRequest, filters: Query[Filters], by: str = "month") -> Any:
    """Per month joined (`by=month`) or per source channel (`by=channel`), with the rates."""
    form, error = _filter(request, filters)
    if error:
        return error
    rows = queries.funnel(
        _customers(request, form), form.period_value(), by="channel" if by == "channel" else "month"
    )
    return [{**r, "revenue": str(r["revenue"])} for r in rows]


@router.get("/analytics/growth", summary="New friends against the targets")
def growth(request: HttpRequest, filters: Query[Filters]) -> Any:
    form, error = _filter(request, filters)
    if error:
        return error
    progress = queries.growth_progress(_customers(request, form), timezone.localdate())
    rules = Rules.current()
    return {
        "today": progress["today"],
        "today_target": rules.friends_per_day,
        "month": progress["month"],
        "month_target": rules.friends_per_month,
    }
