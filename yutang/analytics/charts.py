"""ECharts options built on the server: the page hands them to `charts.js` as JSON, so the
browser only draws. Sized for a phone first: few labels, readable fonts, no legends that wrap."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

BRAND = "#0a8f6a"
SECOND = "#e08a1e"
GRID = {"left": 44, "right": 16, "top": 36, "bottom": 36, "containLabel": True}
# Axis labels never overlap on a narrow screen: ECharts drops the ones that would.
LABEL = {"hideOverlap": True}
# A value axis has few ticks, so that amounts such as 12,000 fit side by side on a phone.
VALUE_AXIS = {"type": "value", "splitNumber": 3, "axisLabel": LABEL}


def lorenz(curve: list[dict[str, Any]]) -> dict[str, Any]:
    """Cumulative share of revenue and profit against the share of buyers, best first."""
    points = [{"customers": 0.0, "revenue": 0.0, "profit": 0.0}, *curve]

    def series(name: str, key: str, color: str) -> dict[str, Any]:
        return {
            "name": name,
            "type": "line",
            "smooth": False,
            "showSymbol": False,
            "color": color,
            "data": [
                [round(p["customers"] * 100, 1), round((p[key] or 0) * 100, 1)] for p in points
            ],
        }

    equal = {
        "name": _("everyone equal"),
        "type": "line",
        "showSymbol": False,
        "color": "#9aa7b1",
        "lineStyle": {"type": "dashed"},
        "data": [[0, 0], [100, 100]],
    }
    return {
        "grid": GRID,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {**LABEL, "formatter": "{value}%"}},
        "yAxis": {"type": "value", "max": 100, "axisLabel": {**LABEL, "formatter": "{value}%"}},
        "series": [
            series(_("revenue"), "revenue", BRAND),
            series(_("profit"), "profit", SECOND),
            equal,
        ],
    }


def bars(
    labels: list[str], values: list[Any], *, name: str, links: list[str] | None = None
) -> dict[str, Any]:
    """Horizontal bars (long Chinese labels stay readable on a phone); a click follows the
    bar's link."""
    return {
        # Room on the right for the value at the end of the longest bar: it is never cut.
        "grid": {**GRID, "left": 8, "right": 64},
        "tooltip": {"trigger": "axis"},
        "xAxis": VALUE_AXIS,
        "yAxis": {"type": "category", "data": labels, "inverse": True, "axisLabel": LABEL},
        "series": [
            {
                "name": name,
                "type": "bar",
                "color": BRAND,
                "data": [float(v) for v in values],
                "label": {"show": True, "position": "right"},
            }
        ],
        "links": links or [],
    }


def heatmap(table: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The cohort triangle: a row per month of first purchase, a column per month after."""
    cohorts = list(table)
    width = max((len(row["retention"]) for row in table.values()), default=1)
    data = [
        [offset, index, round(share * 100)]
        for index, row in enumerate(table.values())
        for offset, share in enumerate(row["retention"])
        if offset > 0
    ]
    return {
        "grid": {**GRID, "top": 8, "bottom": 56},
        "tooltip": {"position": "top"},
        "xAxis": {"type": "category", "data": [str(i) for i in range(width)], "axisLabel": LABEL},
        "yAxis": {"type": "category", "data": cohorts, "inverse": True, "axisLabel": LABEL},
        "visualMap": {
            "min": 0,
            "max": max((d[2] for d in data), default=100) or 100,
            "calculable": False,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "itemHeight": 120,
            "inRange": {"color": ["#f4f7f9", "#7fd1b5", BRAND]},
        },
        "series": [
            {
                "name": _("retention %"),
                "type": "heatmap",
                "data": data,
                "label": {"show": width <= 13, "fontSize": 10},
            }
        ],
    }


def funnel_bars(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per month: friends added, activated, converted, retained, side by side."""
    steps = [
        ("added", _("added")),
        ("activated", _("activated")),
        ("converted", _("converted")),
        ("retained", _("retained")),
    ]
    colors = ["#b8c7d1", "#7fd1b5", BRAND, SECOND]
    return {
        "grid": GRID,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "xAxis": {
            "type": "category",
            "data": [r["label"] or "—" for r in rows],
            "axisLabel": LABEL,
        },
        "yAxis": {"type": "value", "axisLabel": LABEL},
        "series": [
            {"name": str(label), "type": "bar", "color": color, "data": [r[key] for r in rows]}
            for (key, label), color in zip(steps, colors, strict=True)
        ],
    }


def intervals(bins: list[int], cycle_days: int | None, bin_days: int) -> dict[str, Any]:
    """How many repurchases came after each number of weeks, with the usage cycle marked."""
    labels = [f"{i * bin_days}" for i in range(len(bins))]
    labels[-1] += "+"
    series: dict[str, Any] = {
        "name": _("repurchases"),
        "type": "bar",
        "color": BRAND,
        "data": bins,
    }
    if cycle_days:
        series["markLine"] = {
            "symbol": "none",
            "lineStyle": {"color": SECOND},
            "label": {"formatter": _("usage cycle")},
            "data": [{"xAxis": labels[min(cycle_days // bin_days, len(bins) - 1)]}],
        }
    return {
        "grid": {**GRID, "top": 24},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": labels, "name": _("days"), "axisLabel": LABEL},
        "yAxis": {"type": "value", "minInterval": 1, "axisLabel": LABEL},
        "series": [series],
    }
