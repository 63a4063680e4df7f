"""The analytics pages: the dashboard and one page per analysis, each with the period and
branch picker, its charts, its table and the table as xlsx (`?format=xlsx`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yutang.accounts.access import request_user
from yutang.accounts.views import owner_required, sheet_response
from yutang.customers.models import Customer, ValueClass
from yutang.lib.xlsx import Sheet
from yutang.rules.models import Rules

from . import charts, queries
from .actions import refresh_value_classes
from .forms import AnalyticsFilter, ValueSettingsForm
from .models import ValueClassRun
from .queries import Period

TOP_ROWS = 100


@dataclass
class Scope:
    form: AnalyticsFilter
    customers: QuerySet[Customer]
    period: Period


def _scope(request: HttpRequest) -> Scope:
    user = request_user(request)
    form = AnalyticsFilter(request.GET, user=user)
    customers = queries.in_scope(user, form.branch_value())
    return Scope(form, customers, form.period_value())


def _customers_url(**filters: Any) -> str:
    return f"{reverse('customers:list')}?{urlencode(filters)}"


def _page(
    request: HttpRequest,
    template: str,
    scope: Scope,
    context: dict[str, Any],
    table: tuple[str, Sequence[str], Sequence[Sequence[Any]]] | None = None,
    *,
    uses_period: bool = True,
) -> HttpResponseBase:
    """The page, or its table as xlsx when asked with ?format=xlsx. A page whose analysis
    ignores the period (RFM, cohorts, ABC) does not show the period picker."""
    if table is not None and request.GET.get("format") == "xlsx":
        title, headers, rows = table
        name = request.resolver_match.url_name if request.resolver_match else "analytics"
        return sheet_response(Sheet(title=title, headers=headers, rows=rows), str(name))
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        template,
        {
            **context,
            "filter": scope.form,
            "has_table": table is not None,
            "uses_period": uses_period,
            "period": scope.period,
            "xlsx_query": urlencode({**query.dict(), "format": "xlsx"}),
        },
    )


def dashboard(request: HttpRequest) -> HttpResponseBase:
    scope = _scope(request)
    today = timezone.localdate()
    pareto = queries.pareto(scope.customers, scope.period, 0.2)
    repurchase = queries.repurchase(scope.customers, scope.period)
    rfm = queries.rfm(scope.customers, today)
    cohorts = queries.cohorts(scope.customers, months=12)
    months = _latest_months(queries.funnel(scope.customers, scope.period, by="month"))
    abc = queries.abc(scope.customers)
    rules = Rules.current()
    growth = queries.growth_progress(scope.customers, today)
    context = {
        "pareto": pareto,
        "repurchase": repurchase,
        "rfm": rfm,
        "abc": abc,
        "growth": growth,
        "targets": _targets(growth, rules),
        "lorenz": charts.lorenz(pareto["curve"]),
        "rfm_chart": _rfm_chart(rfm),
        "cohort_chart": charts.heatmap(cohorts),
        "funnel_chart": charts.funnel_bars(months),
        "has_cohorts": bool(cohorts),
    }
    return _page(request, "analytics/dashboard.html", scope, context)


def _latest_months(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last twelve months of the funnel, and the imported line when there is one."""
    dated = [r for r in rows if r["key"] != queries.IMPORTED_KEY]
    return dated[-12:] + [r for r in rows if r["key"] == queries.IMPORTED_KEY]


def _targets(growth: dict[str, int], rules: Rules) -> list[dict[str, Any]]:
    """New friends today and this month against the owner's targets, for progress bars."""
    targets = []
    for label, done, target in (
        (_("New friends today"), growth["today"], rules.friends_per_day),
        (_("New friends this month"), growth["month"], rules.friends_per_month),
    ):
        percent = min(100, round(100 * done / target)) if target else 100
        targets.append({"label": label, "done": done, "target": target, "percent": percent})
    return targets


def _rfm_chart(rfm: dict[str, Any]) -> dict[str, Any]:
    classes = rfm["classes"]
    return charts.bars(
        [c["name"] for c in classes],
        [c["count"] for c in classes],
        name=_("customers"),
        links=[_customers_url(rfm=c["key"]) for c in classes],
    )


def pareto_page(request: HttpRequest) -> HttpResponseBase:
    scope = _scope(request)
    share = scope.form.share_value()
    pareto = queries.pareto(scope.customers, scope.period, share)
    top = list(
        queries.buyer_values(scope.customers, scope.period).order_by("-revenue", "customer_id")[
            : pareto["top"]
        ]
    )
    names = dict(
        Customer.objects.filter(pk__in=[r["customer_id"] for r in top[:TOP_ROWS]]).values_list(
            "pk", "nickname"
        )
    )
    rows = [
        (rank, r["customer_id"], names.get(r["customer_id"], ""), r["orders"],
         queries.money(r["revenue"]), queries.money(r["profit"]))
        for rank, r in enumerate(top, start=1)
    ]  # fmt: skip
    table = (
        _("Top customers"),
        [_("rank"), _("customer ID"), _("nickname"), _("orders"), _("revenue"), _("profit")],
        rows,
    )
    context = {
        "pareto": pareto,
        "share_text": str(share.normalize()),
        "share_choices": [(s, f"{round(float(s) * 100)}%") for s in ("0.1", "0.2", "0.3", "0.5")],
        "lorenz": charts.lorenz(pareto["curve"]),
        "rows": rows[:TOP_ROWS],
        "more": max(0, len(rows) - TOP_ROWS),
    }
    return _page(request, "analytics/pareto.html", scope, context, table)


def rfm_page(request: HttpRequest) -> HttpResponseBase:
    scope = _scope(request)
    rfm = queries.rfm(scope.customers, timezone.localdate())
    for row in rfm["classes"]:
        row["url"] = _customers_url(rfm=row["key"])
    table = (
        _("RFM classes"),
        [_("class"), _("customers"), _("revenue"), _("what to do")],
        [(c["name"], c["count"], c["revenue"], c.get("advice", "")) for c in rfm["classes"]],
    )
    context = {"rfm": rfm, "chart": _rfm_chart(rfm)}
    return _page(request, "analytics/rfm.html", scope, context, table, uses_period=False)


def repurchase_page(request: HttpRequest) -> HttpResponseBase:
    scope = _scope(request)
    repurchase = queries.repurchase(scope.customers, scope.period)
    products = queries.product_intervals(scope.customers, scope.period)
    for product in products:
        product["chart"] = charts.intervals(
            product["bins"], product["usage_cycle_days"], queries.INTERVAL_BIN_DAYS
        )
        median, cycle = product["median_interval_days"], product["usage_cycle_days"]
        product["verdict"] = _cycle_verdict(median, cycle)
        product["chart_id"] = f"chart-p{product['product'].pk}"
    table = (
        _("Repurchase by product"),
        [_("product"), _("repurchases"), _("median interval (days)"), _("usage cycle (days)")],
        [
            (p["product"].name, p["repurchases"], p["median_interval_days"], p["usage_cycle_days"])
            for p in products
        ],
    )
    context = {"repurchase": repurchase, "products": products}
    return _page(request, "analytics/repurchase.html", scope, context, table)


def _cycle_verdict(median: float | None, cycle: int | None) -> str:
    """Whether the usage cycle set on the product matches how customers actually rebuy."""
    if median is None or not cycle:
        return ""
    if median > cycle * 1.3:
        return _("Customers rebuy later than the usage cycle: lengthen it, or remind them.")
    if median < cycle * 0.7:
        return _("Customers rebuy sooner than the usage cycle: shorten it.")
    return _("The usage cycle matches how customers rebuy.")


def cohorts_page(request: HttpRequest) -> HttpResponseBase:
    scope = _scope(request)
    table_data = queries.cohorts(scope.customers, months=24)
    width = max((len(r["retention"]) for r in table_data.values()), default=0)
    headers = [_("first purchase"), _("customers")] + [
        _("month %(n)s") % {"n": i} for i in range(width)
    ]
    rows = [
        [month, row["size"], *[round(share * 100, 1) for share in row["retention"]]]
        for month, row in table_data.items()
    ]
    context = {
        "rows": rows,
        "offsets": list(range(width)),
        "chart": charts.heatmap(table_data),
        "links": {m: _customers_url(cohort=m) for m in table_data},
        "this_month": timezone.localdate().strftime("%Y-%m"),
    }
    table = (_("Cohorts"), headers, rows)
    return _page(request, "analytics/cohorts.html", scope, context, table, uses_period=False)


def funnel_page(request: HttpRequest) -> HttpResponseBase:
    scope = _scope(request)
    by = "channel" if request.GET.get("by") == "channel" else "month"
    rows = queries.funnel(scope.customers, scope.period, by=by)
    growth = queries.growth_progress(scope.customers, timezone.localdate())
    table = (
        _("Growth funnel"),
        [_("month") if by == "month" else _("source"), _("added"), _("activated"),
         _("converted"), _("retained"), _("revenue")],
        [(r["label"], r["added"], r["activated"], r["converted"], r["retained"], r["revenue"])
         for r in rows],
    )  # fmt: skip
    context = {
        "rows": rows,
        "by": by,
        "chart": charts.funnel_bars(_latest_months(rows) if by == "month" else rows[:12]),
        "targets": _targets(growth, Rules.current()),
    }
    return _page(request, "analytics/funnel.html", scope, context, table)


def abc_page(request: HttpRequest) -> HttpResponseBase:
    user = request_user(request)
    if request.method == "POST":
        owner_required(request)
        counts = refresh_value_classes()
        messages.success(
            request,
            _("Classes recomputed: %(a)s A, %(b)s B, %(c)s C.")
            % {"a": counts["A"], "b": counts["B"], "c": counts["C"]},
        )
        return redirect("analytics:abc")
    scope = _scope(request)
    abc = queries.abc(scope.customers)
    labels = {key: f"{_('Value')} {label}" for key, label in ValueClass.choices}
    classes = [
        {"key": key, "label": labels[key], **abc["classes"][key],
         "url": _customers_url(value_class=key)}
        for key in ValueClass.values
    ]  # fmt: skip
    # The classes rank the whole pool and are stored by the last run; statistics are fresh.
    # Who bought since has no class yet and is counted on a row of their own.
    unranked, nobody = abc["unranked"], abc["classes"][""]
    if unranked["count"]:
        classes.append({"key": "new", "label": _("bought since, not ranked yet"), **unranked,
                        "url": ""})  # fmt: skip
    classes.append(
        {"key": "", "label": _("no purchase yet"), "url": _customers_url(value_class="none"),
         **{k: nobody[k] - unranked[k] for k in ("count", "revenue", "profit")}}
    )  # fmt: skip
    flagged = {
        name: list(
            Customer.objects.filter(pk__in=abc[name][:50])
            .select_related("stats")
            .order_by("stats__profit" if name == "loss" else "-stats__profit", "pk")
        )  # fmt: skip
        for name in ("loss", "potential")
    }
    table = (
        _("ABC classes"),
        [_("class"), _("customers"), _("revenue"), _("profit")],
        [(c["label"], c["count"], c["revenue"], c["profit"]) for c in classes],
    )
    context = {
        "classes": classes,
        "flagged": flagged,
        "rules": Rules.current(),
        "can_refresh": user.is_owner,
        "classes_as_of": _as_of(ValueClassRun.last()),
        "chart": charts.bars(
            [str(c["label"]) for c in classes],
            [c["profit"] for c in classes],
            name=_("profit"),
            links=[c["url"] for c in classes],
        ),  # fmt: skip
    }
    return _page(request, "analytics/abc.html", scope, context, table, uses_period=False)


def _as_of(moment: datetime | None) -> str:
    """How old the stored value classes are: 截至昨晚 23:30, 截至今天 03:00."""
    if moment is None:
        return _("The classes have not been computed yet.")
    local = timezone.localtime(moment)
    today, time = timezone.localdate(), local.strftime("%H:%M")
    if local.date() == today:
        return _("Classes as of today %(time)s.") % {"time": time}
    if local.date() == today - timedelta(days=1):
        if local.hour >= 18:
            return _("Classes as of last night %(time)s.") % {"time": time}
        return _("Classes as of yesterday %(time)s.") % {"time": time}
    return _("Classes as of %(date)s %(time)s.") % {"date": local.date().isoformat(), "time": time}


def value_settings(request: HttpRequest) -> HttpResponseBase:
    owner_required(request)
    form = ValueSettingsForm(request.POST or None, instance=Rules.current())
    if request.method == "POST" and form.is_valid():
        form.save()
        refresh_value_classes(form.instance)
        messages.success(request, _("Saved; the classes and scores are recomputed."))
        return redirect("analytics:settings")
    ranked = list(
        Customer.objects.filter(stats__score__isnull=False)
        .select_related("stats")
        .order_by("-stats__score", "pk")[:20]
    )
    return render(request, "analytics/settings.html", {"form": form, "ranked": ranked})
