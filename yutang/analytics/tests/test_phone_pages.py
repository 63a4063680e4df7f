"""What the analytics pages say about themselves on a small screen: which pages take a period,
how old the value classes are, the cohort's unfinished month and the named badges."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from unittest import mock

from django.utils import timezone

from yutang.analytics import charts, views
from yutang.analytics.actions import refresh_value_classes
from yutang.analytics.models import ValueClassRun
from yutang.test import BaseTestCase, make_customer

from .data import SHANGHAI, make_pond, paid_order

WITHOUT_PERIOD = ["abc/", "rfm/", "cohorts/"]
WITH_PERIOD = ["", "pareto/", "repurchase/", "funnel/"]


class PhonePageTests(BaseTestCase):
    def setUp(self) -> None:
        self.pond = make_pond(self.bob, self.dave, self.charlie)
        refresh_value_classes()
        self.login(self.alice)

    def test_a_page_that_ignores_the_period_does_not_offer_it(self) -> None:
        for page in WITHOUT_PERIOD:
            html = self.client.get(f"/analytics/{page}").content.decode()
            assert 'name="period"' not in html and 'name="start"' not in html, page
            assert 'name="branch"' in html, page  # the branch still applies
        for page in WITH_PERIOD:
            html = self.client.get(f"/analytics/{page}").content.decode()
            assert 'name="period"' in html and 'name="start"' in html, page

    def test_the_current_month_of_each_cohort_is_marked_partial(self) -> None:
        newcomer = make_customer(self.bob, "newcomer")
        paid_order(newcomer, self.bob, timezone.localdate(), (self.pond.cream, 1, None))
        page = self.client.get("/analytics/cohorts/")
        html = page.content.decode()
        this_month = timezone.localdate().strftime("%Y-%m")
        rows = page.context["rows"]
        # One mark per earlier cohort (its last cell is this month) and one on this month's row.
        assert html.count('<small class="partial">未完</small>') == len(rows)
        assert re.search(rf"<td>{this_month} <small class=\"partial\">未完</small></td>", html)
        assert f"每行最后一格是本月（{this_month}）" in html

    def test_abc_says_when_the_classes_were_computed_and_counts_who_bought_since(self) -> None:
        html = self.client.get("/analytics/abc/").content.decode()
        finished = timezone.localtime(ValueClassRun.last())
        assert f"分层截至今天 {finished:%H:%M}。" in html
        assert "价值 A · 头部" in html and "新买家" not in html
        # c6 buys today: the stored classes do not know yet, the page counts c6 apart.
        paid_order(self.pond.c6, self.bob, timezone.localdate(), (self.pond.cream, 1, None))
        page = self.client.get("/analytics/abc/")
        rows = {str(c["label"]): c["count"] for c in page.context["classes"]}
        assert rows["新买家，尚未分层"] == 1 and rows["尚未购买"] == 1  # c4 alone now
        assert "新买家，尚未分层" in page.content.decode()

    def test_the_age_of_the_classes_reads_as_a_person_says_it(self) -> None:
        now = datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)
        with mock.patch.object(timezone, "now", return_value=now):
            assert views._as_of(None) == "分层尚未计算过。"
            assert views._as_of(now.replace(hour=3, minute=5)) == "分层截至今天 03:05。"
            yesterday = now - timedelta(days=1)
            assert views._as_of(yesterday.replace(hour=23, minute=30)) == "分层截至昨晚 23:30。"
            assert views._as_of(yesterday.replace(hour=10)) == "分层截至昨天 10:00。"
            older = datetime(2026, 11, 20, 2, 0, tzinfo=SHANGHAI)
            assert views._as_of(older) == "分层截至 2026-11-20 02:00。"
        assert date(2026, 12, 2) == now.date()

    def test_the_dashboard_and_weights_name_the_value_class(self) -> None:
        html = self.client.get("/analytics/").content.decode()
        assert "价值 A · 1" in html  # the chip of class A: one customer
        html = self.client.get("/analytics/settings/").content.decode()
        assert '<span class="badge valueclass" title="A · 头部">价值 A</span>' in html


def test_charts_keep_their_labels_apart_and_whole() -> None:
    options = [
        charts.bars(["a"], [19588], name="profit"),
        charts.lorenz([]),
        charts.heatmap({"2024-01": {"size": 1, "retention": [1.0] * 24}}),
        charts.funnel_bars([]),
        charts.intervals([1, 2], 30, 7),
    ]
    for option in options:
        for axis in ("xAxis", "yAxis"):
            assert option[axis]["axisLabel"]["hideOverlap"] is True, (option, axis)
    # A bar's value is written to its right: the grid leaves room for it.
    assert charts.bars(["a"], [19588], name="profit")["grid"]["right"] >= 56
