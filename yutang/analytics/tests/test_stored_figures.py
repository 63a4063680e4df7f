"""The rows the dashboard reads instead of every customer and order: the joined day and month
of a customer, the buying months (cohorts) and the repurchases (the median interval). Each is
kept by whatever writes what it derives from, and equals what the orders say."""

from __future__ import annotations

import importlib
import io
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from statistics import median
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yutang.analytics import queries
from yutang.analytics.actions import refresh_all_stats
from yutang.analytics.models import BuyingMonth, Repurchase
from yutang.analytics.queries import Period, in_scope
from yutang.catalog.models import Product
from yutang.customers import actions as customer_actions
from yutang.customers.models import Customer
from yutang.imports.bulk import Staging, insert_rows
from yutang.orders.actions import LineInput, change_order_status, place_order
from yutang.orders.models import PAID_STATUSES, Order
from yutang.test import BaseTestCase, make_customer

from .data import SHANGHAI, at, paid_order


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class JoinedDayTests(BaseTestCase):
    def joined(self, customer: Customer) -> tuple[date, date]:
        row = Customer.objects.values_list("joined_on", "joined_month").get(pk=customer.pk)
        return row[0], row[1]

    def test_it_is_the_local_day_the_record_was_made_without_a_friend_added_date(self) -> None:
        # 20:30 UTC on 31 March is 04:30 on 1 April in Shanghai.
        customer = make_customer(self.bob, "小美", created=utc(2024, 3, 31, 20, 30))
        assert self.joined(customer) == (date(2024, 4, 1), date(2024, 4, 1))
        evening = make_customer(self.bob, "阿强", created=utc(2024, 3, 31, 15, 30))
        assert self.joined(evening) == (date(2024, 3, 31), date(2024, 3, 1))

    def test_it_follows_the_friend_added_date_through_every_edit(self) -> None:
        customer = make_customer(self.bob, "小美", created=utc(2024, 3, 31, 20, 30))
        before = customer_actions.snapshot(customer)
        customer.added_on = date(2023, 11, 20)
        customer_actions.update_customer(customer=customer, before=before, actor=self.bob)
        assert self.joined(customer) == (date(2023, 11, 20), date(2023, 11, 1))
        customer.added_on = None
        customer.save(update_fields=["added_on"])
        assert self.joined(customer) == (date(2024, 4, 1), date(2024, 4, 1))
        Customer.objects.filter(pk=customer.pk).update(added_on=date(2022, 2, 2))
        assert self.joined(customer) == (date(2022, 2, 2), date(2022, 2, 1))
        Customer.objects.filter(pk=customer.pk).update(
            added_on=None, created=utc(2021, 12, 31, 16, 1)
        )
        assert self.joined(customer) == (date(2022, 1, 1), date(2022, 1, 1))

    def test_bulk_create_derives_it_too(self) -> None:
        made = Customer.objects.bulk_create(
            [
                Customer(owner=self.bob, nickname="甲", added_on=date(2024, 5, 6)),
                Customer(owner=self.bob, nickname="乙", created=utc(2024, 6, 30, 17)),
            ]
        )
        assert [self.joined(c) for c in made] == [
            (date(2024, 5, 6), date(2024, 5, 1)),
            (date(2024, 7, 1), date(2024, 7, 1)),
        ]

    def test_a_merge_keeps_the_earlier_friend_added_date(self) -> None:
        keep = make_customer(self.bob, "小美", added_on=date(2024, 5, 6))
        remove = make_customer(self.bob, "美美", added_on=date(2023, 1, 2))
        customer_actions.merge_customers(keep=keep, remove=remove, actor=self.bob)
        assert self.joined(keep) == (date(2023, 1, 2), date(2023, 1, 1))

    def test_imports_bulk_rows_get_it(self) -> None:
        today = timezone.localdate()
        insert_rows(
            Customer,
            [
                {"nickname": "甲", "owner_id": self.bob.pk, "added_on": date(2024, 5, 6)},
                {"nickname": "乙", "owner_id": self.bob.pk},
            ],
        )
        rows = dict(Customer.objects.values_list("nickname", "joined_on"))
        assert rows == {"甲": date(2024, 5, 6), "乙": today}

    def test_imports_staged_rows_and_updates_get_it(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("imports stage rows on SQLite only")
        old = make_customer(self.bob, "旧", created=utc(2024, 3, 31, 20, 30))
        staging = Staging()
        try:
            staging.add(Customer, [{"nickname": "甲", "owner_id": self.bob.pk,
                                    "added_on": date(2024, 5, 6)}])  # fmt: skip
            staging.update(
                Customer,
                [{"id": old.pk, "added_on": date(2020, 8, 9), "expected": old.updated}],
                check="updated",
            )
            staging.move_in()
        finally:
            staging.discard()
        assert self.joined(Customer.objects.get(nickname="甲")) == (
            date(2024, 5, 6),
            date(2024, 5, 1),
        )
        assert self.joined(old) == (date(2020, 8, 9), date(2020, 8, 1))
        staging = Staging()
        try:
            old.refresh_from_db()
            staging.update(
                Customer,
                [{"id": old.pk, "added_on": None, "expected": old.updated}],
                check="updated",
            )
            staging.move_in()
        finally:
            staging.discard()
        assert self.joined(old) == (date(2024, 4, 1), date(2024, 4, 1))

    def test_the_migration_fills_existing_customers(self) -> None:
        late = make_customer(self.bob, "小美", created=utc(2024, 3, 31, 20, 30))
        dated = make_customer(self.bob, "阿强", added_on=date(2023, 11, 20))
        with connection.cursor() as cursor:
            cursor.execute("UPDATE customers_customer SET joined_on = %s, joined_month = %s",
                           [date(2000, 1, 1), date(2000, 1, 1)])  # fmt: skip
        migration = importlib.import_module(
            "yutang.customers.migrations.0013_customer_joined_on_and_month"
        )
        migration.fill_joined(apps, None)
        assert self.joined(late) == (date(2024, 4, 1), date(2024, 4, 1))
        assert self.joined(dated) == (date(2023, 11, 20), date(2023, 11, 1))


def paid_moments(customer: Customer) -> list[datetime]:
    """The distinct moments of the customer's paid orders, in order."""
    orders = Order.objects.filter(customer=customer, status__in=PAID_STATUSES)
    return sorted({m for m in orders.values_list("paid_at", flat=True) if m is not None})


def expected_months(customer: Customer) -> set[tuple[date, date]]:
    """(month, first month) of every local month the customer paid in, from the orders."""
    moments = paid_moments(customer)
    months = {timezone.localtime(m, SHANGHAI).date().replace(day=1) for m in moments}
    return {(m, min(months)) for m in months}


def expected_gaps(customer: Customer) -> list[float]:
    moments = paid_moments(customer)
    return [(b - a).total_seconds() / 86400 for a, b in zip(moments, moments[1:], strict=False)]


class PurchaseRowsTests(BaseTestCase):
    def setUp(self) -> None:
        self.mask = Product.objects.create(name="面膜", sku="MASK", price=Decimal("100"))

    def stored_months(self, customer: Customer) -> set[tuple[date, date]]:
        return set(
            BuyingMonth.objects.filter(customer=customer).values_list("month", "first_month")
        )

    def stored_gaps(self, customer: Customer) -> list[float]:
        return list(
            Repurchase.objects.filter(customer=customer)
            .order_by("paid_at")
            .values_list("gap_days", flat=True)
        )

    def assert_kept(self, *customers: Customer) -> None:
        for customer in customers:
            assert self.stored_months(customer) == expected_months(customer)
            stored, expected = self.stored_gaps(customer), expected_gaps(customer)
            assert len(stored) == len(expected)
            for a, b in zip(stored, expected, strict=True):
                assert abs(a - b) < 1e-6

    def order(self, customer: Customer, moment: datetime, status: str = "paid") -> Order:
        return place_order(
            customer=customer,
            seller=self.bob,
            actor=self.bob,
            status=status,
            at=moment,
            lines=[LineInput(product=self.mask, quantity=1)],
        )

    def test_order_actions_keep_them(self) -> None:
        customer = make_customer(self.bob, "小美")
        # 23:30 on 31 January in Shanghai is January's, 00:30 on 1 February is February's.
        self.order(customer, datetime(2024, 1, 31, 23, 30, tzinfo=SHANGHAI))
        assert self.stored_months(customer) == {(date(2024, 1, 1), date(2024, 1, 1))}
        assert self.stored_gaps(customer) == []
        self.order(customer, datetime(2024, 2, 1, 0, 30, tzinfo=SHANGHAI))
        assert self.stored_months(customer) == {
            (date(2024, 1, 1), date(2024, 1, 1)),
            (date(2024, 2, 1), date(2024, 1, 1)),
        }
        assert self.stored_gaps(customer) == pytest.approx([1 / 24])
        unpaid = self.order(customer, at(date(2024, 3, 20)), status="unpaid")
        self.assert_kept(customer)
        assert len(self.stored_gaps(customer)) == 1
        change_order_status(order=unpaid, status="paid", actor=self.bob, at=at(date(2024, 4, 2)))
        self.assert_kept(customer)
        assert len(self.stored_gaps(customer)) == 2
        # A refund of the first purchase moves the customer to February's cohort.
        first = Order.objects.filter(customer=customer).order_by("paid_at").first()
        assert first is not None
        change_order_status(order=first, status="refunded", actor=self.bob,
                            at=at(date(2024, 4, 5)))  # fmt: skip
        self.assert_kept(customer)
        assert {m[1] for m in self.stored_months(customer)} == {date(2024, 2, 1)}
        cancelled = self.order(customer, at(date(2024, 5, 1)), status="unpaid")
        change_order_status(order=cancelled, status="cancelled", actor=self.bob,
                            at=at(date(2024, 5, 2)))  # fmt: skip
        self.assert_kept(customer)

    def test_orders_paid_at_one_moment_are_one_purchase(self) -> None:
        customer = make_customer(self.bob, "小美")
        moment = at(date(2024, 1, 10))
        self.order(customer, moment)
        self.order(customer, moment)
        self.order(customer, moment + timedelta(days=3))
        assert self.stored_gaps(customer) == pytest.approx([3.0])

    def test_a_merge_keeps_them(self) -> None:
        keep, remove = make_customer(self.bob, "小美"), make_customer(self.bob, "美美")
        self.order(keep, at(date(2024, 3, 1)))
        self.order(remove, at(date(2024, 1, 1)))
        self.order(remove, at(date(2024, 3, 1)))
        customer_actions.merge_customers(keep=keep, remove=remove, actor=self.bob)
        self.assert_kept(keep)
        assert self.stored_gaps(keep) == pytest.approx([60.0])
        assert BuyingMonth.objects.count() == 2 and Repurchase.objects.count() == 1

    def test_an_order_import_keeps_them(self) -> None:
        customer = make_customer(self.bob, "小美", phone="13800138000")
        self.order(customer, at(date(2024, 1, 10)))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "orders.csv"
            path.write_text(
                "手机,商品,数量,日期,状态\n13800138000,面膜,1,2024-02-20,已付款\n",
                encoding="utf-8",
            )
            call_command(
                "import", "orders", str(path), "--as", "bob", "--json", stdout=io.StringIO()
            )
        assert Order.objects.filter(customer=customer).count() == 2
        self.assert_kept(customer)
        assert len(self.stored_gaps(customer)) == 1

    def test_the_nightly_rebuild_makes_the_same_rows(self) -> None:
        customers = [make_customer(self.bob, f"c{n}") for n in range(3)]
        for n, customer in enumerate(customers):
            for day in range(n + 1):
                self.order(customer, at(date(2024, 1 + day, 5 + n)))
        months = set(BuyingMonth.objects.values_list("customer_id", "month", "first_month"))
        gaps = sorted(Repurchase.objects.values_list("customer_id", "paid_at", "gap_days"))
        BuyingMonth.objects.all().delete()
        Repurchase.objects.all().delete()
        refresh_all_stats()
        assert set(BuyingMonth.objects.values_list("customer_id", "month", "first_month")) == months
        assert sorted(Repurchase.objects.values_list("customer_id", "paid_at", "gap_days")) == gaps

    def test_the_migration_fills_them_from_the_orders(self) -> None:
        customer = make_customer(self.bob, "小美")
        self.order(customer, at(date(2024, 1, 10)))
        self.order(customer, at(date(2024, 2, 19)))
        BuyingMonth.objects.all().delete()
        Repurchase.objects.all().delete()
        migration = importlib.import_module(
            "yutang.analytics.migrations.0005_fill_buying_months_and_repurchases"
        )
        migration.fill(apps, SimpleNamespace(connection=connection))
        self.assert_kept(customer)
        assert self.stored_gaps(customer) == pytest.approx([40.0])


class FiguresTests(BaseTestCase):
    """The figures read from the stored rows are the ones the orders give."""

    def setUp(self) -> None:
        self.mask = Product.objects.create(name="面膜", sku="MASK", price=Decimal("100"))

    def test_the_median_interval_of_a_period_counts_gaps_inside_it(self) -> None:
        c1, c2 = make_customer(self.bob, "c1"), make_customer(self.dave, "c2")
        for day in (date(2024, 1, 10), date(2024, 2, 9), date(2024, 3, 1), date(2024, 3, 5)):
            paid_order(c1, self.bob, day, (self.mask, 1, None))
        for day in (date(2024, 2, 1), date(2024, 2, 11)):
            paid_order(c2, self.dave, day, (self.mask, 1, None))
        everyone = in_scope(self.alice)
        # All time: gaps 30, 21, 4 and 10 days: the median is (10 + 21) / 2.
        assert queries.repurchase(everyone, Period())["median_interval_days"] == 15.5
        # From February: Jan 10 → Feb 9 is not in it; 21, 4 and 10: the median is 10.
        february = Period(date(2024, 2, 1), None)
        assert queries.repurchase(everyone, february)["median_interval_days"] == 10.0
        # Until 4 March: 30 and 10 (Mar 1 → Mar 5 ends after it).
        assert queries.repurchase(everyone, Period(None, date(2024, 3, 4)))[
            "median_interval_days"
        ] == median([30.0, 10.0, 21.0])
        # Dave's branch: c2's one gap.
        assert queries.repurchase(in_scope(self.dave), Period())["median_interval_days"] == 10.0
        assert queries.repurchase(in_scope(self.charlie), Period())["median_interval_days"] is None

    def test_cohorts_count_each_buyer_once_a_month(self) -> None:
        c1, c2 = make_customer(self.bob, "c1"), make_customer(self.charlie, "c2")
        for day in (date(2024, 1, 10), date(2024, 1, 20), date(2024, 3, 1)):
            paid_order(c1, self.bob, day, (self.mask, 1, None))
        paid_order(c2, self.charlie, date(2024, 1, 5), (self.mask, 1, None))
        table = queries.cohorts(in_scope(self.alice), months=12)
        assert table["2024-01"]["size"] == 2
        assert table["2024-01"]["retention"][:3] == [1.0, 0.0, 0.5]
        bob = queries.cohorts(in_scope(self.bob), months=12)
        assert bob["2024-01"]["size"] == 1 and bob["2024-01"]["retention"][:3] == [1.0, 0, 1.0]


class QueryPlanTests(BaseTestCase):
    """The dashboard's cohorts, median interval and growth progress read indexes, not every
    paid order or every customer."""

    def plans(self, run: Any) -> list[tuple[str, str]]:
        with CaptureQueriesContext(connection) as captured:
            run()
        found = []
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                found.append((query["sql"], " / ".join(row[-1] for row in cursor.fetchall())))
        return found

    def test_they_use_their_indexes(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("PostgreSQL scans tables this small whatever the indexes")
        mask = Product.objects.create(name="面膜", sku="MASK", price=Decimal("100"))
        customer = make_customer(self.bob, "小美")
        paid_order(customer, self.bob, date(2024, 1, 10), (mask, 1, None))
        paid_order(customer, self.bob, date(2024, 2, 10), (mask, 1, None))
        for user in (self.alice, self.bob):
            scope = in_scope(user)
            today = timezone.localdate()
            for sql, plan in [
                *self.plans(lambda s=scope: queries.cohorts(s)),
                *self.plans(lambda s=scope: queries.median_interval(s, Period())),
                *self.plans(lambda s=scope, t=today: queries.growth_progress(s, t)),
            ]:
                assert "orders_order" not in sql, sql
                # A scan is along an index (the whole pool's cohorts read every buyer's
                # months, from the index alone), never of a table's rows.
                scans = [step for step in plan.split(" / ") if step.startswith("SCAN ")]
                assert all(" USING " in step for step in scans), (sql, plan)
        growth = self.plans(lambda: queries.growth_progress(in_scope(self.alice), today))
        assert any("customer_joined_on_idx" in plan for _sql, plan in growth), growth
        median_plans = self.plans(lambda: queries.median_interval(in_scope(self.alice), Period()))
        assert any("repurchase_gap_idx" in plan for _sql, plan in median_plans), median_plans
        cohort_plans = self.plans(lambda: queries.cohorts(in_scope(self.alice)))
        assert any("buying_month_cohort_idx" in plan for _sql, plan in cohort_plans)
