"""Each analysis on the small pond of `data.py`, against figures computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import time_machine
from django.utils import timezone, translation

from yutang.analytics import queries
from yutang.analytics.actions import refresh_value_classes
from yutang.analytics.queries import Period, in_scope
from yutang.followups.models import FollowUp
from yutang.test import BaseTestCase, channel

from .data import at, make_pond, paid_order

ALL = Period()


class ParetoTests(BaseTestCase):
    def test_it_gives_the_share_of_the_top_buyers(self) -> None:
        make_pond(self.bob, self.dave, self.charlie)
        # Buyers: c1 250/170, c2 80/30, c3 50/50, c5 30/-10, c7 50/50 (revenue/profit).
        result = queries.pareto(in_scope(self.alice), ALL, 0.2)
        assert (result["customers"], result["top"]) == (5, 1)
        assert result["revenue"] == Decimal("460") and result["profit"] == Decimal("290")
        assert result["revenue_share"] == 250 / 460 and result["profit_share"] == 170 / 290
        # Half of 5 is 2.5: the top 3, whichever of the tied c3 and c7 comes first.
        half = queries.pareto(in_scope(self.alice), ALL, 0.5)
        assert half["top"] == 3 and half["revenue_share"] == 380 / 460
        assert half["profit_share"] == 270 / 290
        # The curve ends with everybody and everything.
        assert half["curve"][-1] == {"customers": 1.0, "revenue": 1.0, "profit": 1.0}

    def test_it_covers_a_branch_and_a_period(self) -> None:
        make_pond(self.bob, self.dave, self.charlie)
        bob = queries.pareto(in_scope(self.bob), ALL, 0.2)
        assert (bob["customers"], bob["revenue_share"]) == (4, 250 / 410)
        assert queries.pareto(in_scope(self.alice, branch=self.bob), ALL, 0.2) == bob
        charlie = queries.pareto(in_scope(self.charlie), ALL, 0.2)
        assert (charlie["customers"], charlie["revenue_share"]) == (1, 1.0)
        # February: c1's cream and c3's cream (c3's mask was refunded); c4's gift is no sale.
        february = Period(date(2024, 2, 1), date(2024, 2, 29))
        result = queries.pareto(in_scope(self.alice), february, 0.2)
        assert (result["customers"], result["revenue"], result["revenue_share"]) == (
            2, Decimal("100"), 0.5
        )  # fmt: skip

    def test_it_has_no_shares_without_buyers(self) -> None:
        result = queries.pareto(in_scope(self.bob), ALL, 0.2)
        assert (result["customers"], result["revenue_share"], result["curve"]) == (0, None, [])


class AbcTests(BaseTestCase):
    def test_it_counts_each_class_and_names_the_flagged(self) -> None:
        pond = make_pond(self.bob, self.dave, self.charlie)
        refresh_value_classes()
        result = queries.abc(in_scope(self.alice))
        counts = {k: (v["count"], v["revenue"], v["profit"]) for k, v in result["classes"].items()}
        assert counts == {
            "A": (1, Decimal("250"), Decimal("170")),
            "B": (2, Decimal("100"), Decimal("100")),
            "C": (2, Decimal("110"), Decimal("20")),
            "": (2, Decimal("0"), Decimal("-30")),
        }
        assert result["loss"] == [pond.c4.pk, pond.c5.pk] and result["potential"] == [pond.c3.pk]
        charlie = queries.abc(in_scope(self.charlie))
        assert charlie["classes"]["B"]["count"] == 1 and charlie["loss"] == []


class RfmTests(BaseTestCase):
    def test_it_sorts_buyers_into_the_eight_classes(self) -> None:
        make_pond(self.bob, self.dave, self.charlie)
        # Last purchases, in days after 2024-01-15: c2 0, c3 17, c1 25, c5 46, c7 50: mean 27.6.
        # Orders: mean 1.2 (only c1 is above); revenue: mean 92 (only c1 is above).
        result = queries.rfm(in_scope(self.alice), date(2024, 4, 1))
        thresholds = result["thresholds"]
        assert thresholds["buyers"] == 5 and thresholds["frequency"] == 1.2
        assert thresholds["monetary"] == 92.0
        assert round(thresholds["recency_days"], 1) == round(
            (date(2024, 4, 1) - date(2024, 1, 15)).days - 27.6, 1
        )
        classes = {c["key"]: (c["count"], c["revenue"]) for c in result["classes"] if c["count"]}
        assert classes == {
            "important_keep": (1, Decimal("250")),  # c1: not recent, frequent, big
            "general_develop": (2, Decimal("80")),  # c5, c7: recent, once, small
            "general_retain": (2, Decimal("130")),  # c2, c3
        }
        with translation.override("zh-hans"):
            names = [
                c["name"] for c in queries.rfm(in_scope(self.alice), date(2024, 4, 1))["classes"]
            ]
        assert names[:2] == ["重要价值", "重要发展"]

    def test_it_has_no_thresholds_without_buyers(self) -> None:
        result = queries.rfm(in_scope(self.bob), date(2024, 4, 1))
        assert result["thresholds"] is None and sum(c["count"] for c in result["classes"]) == 0


class RepurchaseTests(BaseTestCase):
    def test_it_measures_repurchase_intervals_and_order_value(self) -> None:
        pond = make_pond(self.bob, self.dave, self.charlie)
        first = queries.repurchase(in_scope(self.alice), ALL)
        # Only c1 bought twice (30 days apart); 6 paid orders bring 460.
        assert first == {
            "buyers": 5, "repeat_buyers": 1, "orders": 6, "revenue": Decimal("460.00"),
            "repurchase_rate": 0.2, "median_interval_days": 30.0,
            "aov": Decimal("76.67"), "frequency": 1.2,
        }  # fmt: skip
        paid_order(pond.c1, self.bob, date(2024, 3, 10), (pond.mask, 1, None))
        paid_order(pond.c2, self.dave, date(2024, 1, 25), (pond.mask, 1, None))
        paid_order(pond.c3, self.bob, date(2024, 2, 11), (pond.cream, 1, None))
        # Gaps: c1 30 and 30, c2 10, c3 10: an even count, the median is (10 + 30) / 2.
        result = queries.repurchase(in_scope(self.alice), ALL)
        assert (result["repurchase_rate"], result["median_interval_days"]) == (0.6, 20.0)
        assert (result["aov"], result["frequency"]) == (Decimal("78.89"), 1.8)
        # Per product: mask c1 60 days, c2 10 days (median 35); cream c3 10 days.
        products = {
            p["product"].sku: (p["repurchases"], p["median_interval_days"], p["bins"][:9])
            for p in queries.product_intervals(in_scope(self.alice), ALL)
        }
        assert products == {
            "MASK": (2, 35.0, [0, 1, 0, 0, 0, 0, 0, 0, 1]),
            "CREAM": (1, 10.0, [0, 1, 0, 0, 0, 0, 0, 0, 0]),
        }
        # Bob's branch leaves out charlie's c7; a period keeps the gaps that end in it.
        bob = queries.repurchase(in_scope(self.bob), ALL)
        assert (bob["buyers"], bob["repeat_buyers"]) == (4, 3)
        january = queries.repurchase(
            in_scope(self.alice), Period(date(2024, 1, 1), date(2024, 1, 31))
        )
        assert (january["buyers"], january["median_interval_days"]) == (2, 10.0)

    def test_it_has_nothing_to_say_without_orders(self) -> None:
        result = queries.repurchase(in_scope(self.bob), ALL)
        assert (result["repurchase_rate"], result["median_interval_days"], result["aov"]) == (
            None, None, None
        )  # fmt: skip


class CohortTests(BaseTestCase):
    def test_it_tracks_retention_by_month_of_first_purchase(self) -> None:
        make_pond(self.bob, self.dave, self.charlie)
        with time_machine.travel(at(date(2024, 4, 15)), tick=False):
            table = queries.cohorts(in_scope(self.alice))
        # January: c1 and c2, c1 again in February; February: c3; March: c5 and c7.
        assert table == {
            "2024-01": {"size": 2, "retention": [1.0, 0.5, 0.0, 0.0]},
            "2024-02": {"size": 1, "retention": [1.0, 0.0, 0.0]},
            "2024-03": {"size": 2, "retention": [1.0, 0.0]},
        }


class FunnelTests(BaseTestCase):
    def test_it_follows_friends_to_buyers_by_month_and_channel(self) -> None:
        pond = make_pond(self.bob, self.dave, self.charlie)
        for customer, day, source in [(pond.c1, date(2024, 1, 1), "抖音"),
                                      (pond.c2, date(2024, 1, 5), "抖音"),
                                      (pond.c3, date(2024, 2, 1), "朋友圈")]:  # fmt: skip
            customer.added_on, customer.channel = day, channel(source)
            customer.save()
        FollowUp.objects.create(customer=pond.c1, author=self.bob, summary="问了面膜")
        FollowUp.objects.create(customer=pond.c6, author=self.bob, summary="打了招呼")
        with time_machine.travel(at(date(2024, 4, 15)), tick=False):
            months = queries.funnel(in_scope(self.alice), ALL, by="month")
        steps = {r["key"]: (r["added"], r["activated"], r["converted"], r["retained"])
                 for r in months}  # fmt: skip
        # The others joined when they were entered: today in the test's clock.
        today = timezone.localdate().strftime("%Y-%m")
        assert steps == {"2024-01": (2, 1, 2, 1), "2024-02": (1, 0, 1, 0), today: (4, 1, 2, 0)}
        january = months[0]
        assert (january["conversion_rate"], january["retention_rate"]) == (1.0, 0.5)
        channels = {r["key"]: (r["added"], r["converted"], r["revenue"])
                    for r in queries.funnel(in_scope(self.bob), ALL, by="channel")}  # fmt: skip
        assert channels == {"抖音": (2, 2, Decimal("330")), "朋友圈": (1, 1, Decimal("50")),
                            "": (3, 1, Decimal("30"))}  # fmt: skip
