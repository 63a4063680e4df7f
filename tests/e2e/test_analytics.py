from __future__ import annotations

import re
from typing import Any

import pytest

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.analytics.actions import refresh_value_classes
from yutang.analytics.tests.data import make_pond
from yutang.test import PASSWORD

from .test_customer_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dashboard_draws_its_charts_and_leads_to_the_customers(
    live_server: Any, phone: Any
) -> None:
    base = live_server.url
    create_user(username="alice", role=Role.OWNER, password=PASSWORD)
    bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    dave = create_user(username="dave", role=Role.AGENT, password=PASSWORD, upline=bob)
    charlie = create_user(username="charlie", role=Role.AGENT, password=PASSWORD)
    make_pond(bob, dave, charlie)
    refresh_value_classes()
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    log_in(phone, base, "alice")
    phone.goto(f"{base}/analytics/")
    for chart in ("chart-lorenz", "chart-rfm", "chart-cohorts", "chart-funnel"):
        phone.wait_for_selector(f"[data-chart={chart}] svg")
    assert "复购率" in phone.inner_text(".figures") and not errors
    # A bar of the RFM chart leads to the customers of that class: c1 is 重要保持.
    phone.goto(f"{base}/analytics/rfm/")
    phone.click("a:has-text('重要保持')")
    phone.wait_for_url(re.compile(r"/customers/\?rfm=important_keep"))
    assert phone.locator("table.cards tbody tr").count() == 1
    assert "c1" in phone.inner_text("table.cards")


def _pond_and_owner(live_server: Any, phone: Any) -> str:
    base = str(live_server.url)
    create_user(username="alice", role=Role.OWNER, password=PASSWORD)
    bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    dave = create_user(username="dave", role=Role.AGENT, password=PASSWORD, upline=bob)
    charlie = create_user(username="charlie", role=Role.AGENT, password=PASSWORD)
    make_pond(bob, dave, charlie)
    refresh_value_classes()
    log_in(phone, base, "alice")
    return base


def test_a_wide_table_scrolls_inside_its_card_with_its_first_column_fixed(
    live_server: Any, phone: Any
) -> None:
    base = _pond_and_owner(live_server, phone)
    # The cohort table has a column for every month since January 2024: far wider than a phone.
    phone.goto(f"{base}/analytics/cohorts/")
    scroller = phone.locator(".card .scroll").first
    sizes = scroller.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] > sizes[1]
    page_width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page_width[0] <= page_width[1]  # the page itself does not scroll sideways
    assert "more-right" in (scroller.get_attribute("class") or "")
    first = scroller.locator("tbody tr").first.locator("td").nth(0)
    second = scroller.locator("tbody tr").first.locator("td").nth(1)
    assert first.evaluate("(el) => getComputedStyle(el).position") == "sticky"
    before = (first.bounding_box(), second.bounding_box())
    scroller.evaluate("(el) => { el.scrollLeft = 200; }")
    phone.wait_for_function(
        "document.querySelector('.card .scroll').classList.contains('more-left')"
    )
    after = (first.bounding_box(), second.bounding_box())
    assert after[0]["x"] == before[0]["x"]  # the month stays where it was
    assert after[1]["x"] < before[1]["x"]  # the figures slide under it
    # The tabs of the analyses scroll too, with the current one in view.
    current = phone.locator(".subtabs [aria-current]").bounding_box()
    assert current["x"] >= 0 and current["x"] + current["width"] <= 390


def test_a_chart_tap_lands_on_the_results_with_chips_and_the_panel_folded(
    live_server: Any, phone: Any
) -> None:
    base = _pond_and_owner(live_server, phone)
    phone.goto(f"{base}/analytics/rfm/")
    phone.wait_for_selector("[data-chart=chart-rfm] svg")
    # Where ECharts drew the bar of 重要保持 (one customer, c1), in the page's coordinates.
    point = phone.evaluate(
        """() => {
        const box = document.querySelector('[data-chart=chart-rfm]');
        box.scrollIntoView({block: 'center'});
        const chart = echarts.getInstanceByDom(box);
        const names = chart.getOption().yAxis[0].data;
        const [x, y] = chart.convertToPixel({seriesIndex: 0}, [0.5, names.indexOf('重要保持')]);
        const rect = box.getBoundingClientRect();
        return [rect.left + x, rect.top + y];
    }"""
    )
    phone.touchscreen.tap(point[0], point[1])
    phone.wait_for_url(re.compile(r"/customers/\?rfm=important_keep"))
    chips = phone.locator(".activefilters .chip")
    assert chips.count() == 1 and " ".join(chips.inner_text().split()) == "RFM 重要保持 × 去掉"
    assert phone.evaluate("document.querySelector('details.morefilters').open") is False
    # The results are on the first screen, below the chips.
    row = phone.locator("table.cards tbody tr").first.bounding_box()
    assert "c1" in phone.inner_text("table.cards") and row["y"] + row["height"] < 844
    # The × of the chip removes the filter.
    chips.first.click()
    phone.wait_for_url(lambda url: "rfm=" not in url)
    assert phone.locator(".activefilters .chip").count() == 0
