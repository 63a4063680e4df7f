from __future__ import annotations

from datetime import date
from decimal import Decimal

from yutang.analytics.actions import refresh_all_stats, refresh_value_classes
from yutang.customers.models import Customer, CustomerStats
from yutang.orders.actions import change_order_status
from yutang.rules.models import Rules
from yutang.test import BaseTestCase

from .data import at, make_pond, paid_order


class StatsTests(BaseTestCase):
    def test_the_order_actions_keep_each_customers_statistics(self) -> None:
        pond = make_pond(self.bob, self.dave, self.charlie)
        stats = {s.customer.nickname: s for s in CustomerStats.objects.select_related("customer")}
        figures = {
            name: (s.orders, s.revenue, s.cost, s.keep_cost, s.profit) for name, s in stats.items()
        }
        assert figures == {
            "c1": (2, Decimal("250"), Decimal("80"), Decimal("0"), Decimal("170")),
            "c2": (1, Decimal("80"), Decimal("40"), Decimal("10"), Decimal("30")),
            # The refunded order counts for nothing; cream costs nothing.
            "c3": (1, Decimal("50"), Decimal("0"), Decimal("0"), Decimal("50")),
            "c4": (0, Decimal("0"), Decimal("0"), Decimal("30"), Decimal("-30")),
            "c5": (1, Decimal("30"), Decimal("40"), Decimal("0"), Decimal("-10")),
            "c7": (1, Decimal("50"), Decimal("0"), Decimal("0"), Decimal("50")),
        }
        c1 = stats["c1"]
        assert c1.first_paid_at and c1.last_paid_at
        assert (c1.first_paid_at.date().isoformat(), c1.last_paid_at.date().isoformat()) == (
            "2024-01-10", "2024-02-09"
        )  # fmt: skip
        assert c1.pay_delay_hours == 0
        # A full rebuild gives the same figures, and a row for c6, who has done nothing.
        CustomerStats.objects.all().delete()
        assert refresh_all_stats() == 7
        assert CustomerStats.objects.get(customer=pond.c1).profit == Decimal("170")
        assert CustomerStats.objects.get(customer=pond.c6).orders == 0


class ValueClassTests(BaseTestCase):
    def classes(self) -> dict[str, tuple[str, str]]:
        return {
            c.nickname: (c.value_class, c.value_flag) for c in Customer.objects.order_by("nickname")
        }

    def test_it_splits_buyers_by_share_of_customers(self) -> None:
        make_pond(self.bob, self.dave, self.charlie)
        # Buyers by profit: c1 170, c3 50, c7 50 (a tie: c3 came first), c2 30, c5 -10.
        # A: ceil(20% of 5) = 1; A+B: ceil(50% of 5) = 3; potential A: ceil(20% of 2) = 1.
        assert refresh_value_classes() == {"A": 1, "B": 2, "C": 2}
        assert self.classes() == {
            "c1": ("A", ""), "c2": ("C", ""), "c3": ("B", "potential"), "c4": ("", "loss"),
            "c5": ("C", "loss"), "c6": ("", ""), "c7": ("B", ""),
        }  # fmt: skip

    def test_a_refresh_that_writes_only_changes_ends_where_a_fresh_one_does(self) -> None:
        pond = make_pond(self.bob, self.dave, self.charlie)
        refresh_value_classes()

        def from_scratch() -> dict[str, tuple[str, str]]:
            kept = self.classes()
            Customer.objects.update(value_class="", value_flag="")
            refresh_value_classes()
            fresh = self.classes()
            for name, (value_class, value_flag) in kept.items():
                Customer.objects.filter(nickname=name).update(
                    value_class=value_class, value_flag=value_flag
                )
            return fresh

        # c6 buys big and c4 at last buys (no longer only a loss); then the owner switches to
        # cumulative profit: classes move up and down, flags come and go.
        paid_order(pond.c6, self.bob, date(2024, 4, 1), (pond.mask, 9, None))
        paid_order(pond.c4, self.bob, date(2024, 4, 2), (pond.cream, 2, None))
        for method in ("share", "profit", "share"):
            Rules.objects.update_or_create(pk=1, defaults={"abc_method": method})
            expected = from_scratch()
            refresh_value_classes()
            assert self.classes() == expected, method
        assert self.classes()["c6"] == ("A", "") and self.classes()["c4"] == ("B", "potential")
        # A buyer whose only order is refunded has no class any more.
        order = pond.c6.orders.get()
        change_order_status(order=order, status="refunded", actor=self.bob, at=at(date(2024, 4, 3)))
        refresh_value_classes()
        assert self.classes()["c6"] == ("", "")

    def test_it_splits_buyers_by_cumulative_profit(self) -> None:
        make_pond(self.bob, self.dave, self.charlie)
        Rules.objects.update_or_create(pk=1, defaults={"abc_method": "profit"})
        # Positive profit 300: 80% = 240 is reached with c7 (170+50+50), 95% = 285 with c2.
        assert refresh_value_classes() == {"A": 3, "B": 1, "C": 1}
        classes = self.classes()
        assert [n for n, (c, _f) in classes.items() if c == "A"] == ["c1", "c3", "c7"]
        assert classes["c2"] == ("B", "potential") and classes["c5"] == ("C", "loss")

    def test_the_weighted_score_can_drive_the_classes(self) -> None:
        pond = make_pond(self.bob, self.dave, self.charlie)
        # Only frequency counts: c1 (2 orders) scores 100, every other buyer 0.
        weights = {f"weight_{n}": 0 for n in ("profit", "recency", "referrals", "timeliness",
                                              "cooperation")}  # fmt: skip
        Rules.objects.update_or_create(pk=1, defaults={**weights, "abc_basis": "score"})
        refresh_value_classes()
        scores = dict(CustomerStats.objects.values_list("customer__nickname", "score"))
        assert scores == {"c1": 100.0, "c2": 0.0, "c3": 0.0, "c4": None, "c5": 0.0, "c7": 0.0}
        # With equal scores, ties go by who came first: c2 and c3 make B after c1.
        assert self.classes()["c2"] == ("B", "potential")
        # The cooperation rating is a factor like any other: 5 is the best, unrated counts half.
        Customer.objects.filter(pk=pond.c5.pk).update(cooperation=5)
        Customer.objects.filter(pk=pond.c7.pk).update(cooperation=1)
        Rules.objects.filter(pk=1).update(weight_frequency=0, weight_cooperation=10)
        refresh_value_classes()
        scores = dict(CustomerStats.objects.values_list("customer__nickname", "score"))
        assert (scores["c5"], scores["c7"], scores["c1"]) == (100.0, 0.0, 50.0)
