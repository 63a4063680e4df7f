"""用完复购 per product: each product line bought keeps its own use-up date, and only a newer
purchase of the same product supersedes it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.orders import actions as orders
from yutang.orders.models import Order
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.derive import derive_touchpoints, repurchase_key
from yutang.touchpoints.kinds import Kind
from yutang.touchpoints.messages import message
from yutang.touchpoints.models import State, Touchpoint

from .helpers import at


def product(name: str, cycle: int | None) -> Product:
    return Product.objects.create(
        name=name,
        sku=f"{name}-{cycle}",
        price=Decimal("99"),
        cost=Decimal("30"),
        usage_cycle_days=cycle,
    )


def derive(day: str, customer_ids: list[int] | None = None) -> dict[str, int]:
    with time_machine.travel(at(day, 11), tick=False):
        return derive_touchpoints(today=date.fromisoformat(day), customer_ids=customer_ids)


class RepurchasePerProductTests(BaseTestCase):
    def setUp(self) -> None:
        self.cream = product("面霜", 30)
        self.serum = product("精华", 60)
        self.customer = make_customer(self.bob, "小美")

    def buy(self, day: str, *items: tuple[Product, int], customer: Customer | None = None) -> Order:
        with time_machine.travel(at(day, 9), tick=False):
            return orders.place_order(
                customer=customer or self.customer,
                seller=self.bob,
                actor=self.bob,
                status="paid",
                lines=[orders.LineInput(product=p, quantity=q) for p, q in items],
            )

    def repurchases(self, state: str = State.OPEN) -> dict[str, Touchpoint]:
        return {
            tp.key: tp
            for tp in Touchpoint.objects.filter(
                customer=self.customer, kind=Kind.REPURCHASE, state=state
            )
        }

    def test_a_different_product_keeps_the_first_products_reminder(self) -> None:
        first = self.buy("2026-03-01", (self.cream, 1))
        second = self.buy("2026-03-08", (self.serum, 1))
        derive("2026-03-09")
        items = self.repurchases()
        assert set(items) == {
            repurchase_key(self.cream.pk, first.pk),
            repurchase_key(self.serum.pk, second.pk),
        }
        cream = items[repurchase_key(self.cream.pk, first.pk)]
        serum = items[repurchase_key(self.serum.pk, second.pk)]
        # Each from its own order: 30 days from 03-01, 60 days from 03-08, 3 days ahead.
        assert cream.data["use_up"] == "2026-03-31" and cream.due_on == date(2026, 3, 28)
        assert serum.data["use_up"] == "2026-05-07" and serum.due_on == date(2026, 5, 4)
        assert cream.order_id == first.pk and serum.order_id == second.pk
        # {商品} names that product only.
        assert "面霜" in message(cream) and "精华" not in message(cream)
        assert "精华" in message(serum) and "面霜" not in message(serum)
        assert cream.data["last_purchase"] == "2026-03-01"

    def test_buying_the_same_product_again_closes_only_its_reminder(self) -> None:
        first = self.buy("2026-03-01", (self.cream, 1))
        second = self.buy("2026-03-08", (self.serum, 1))
        derive("2026-03-09")
        serum = self.repurchases()[repurchase_key(self.serum.pk, second.pk)]
        again = self.buy("2026-03-25", (self.cream, 2))
        derive("2026-03-26")
        items = self.repurchases()
        assert set(items) == {
            repurchase_key(self.cream.pk, again.pk),
            repurchase_key(self.serum.pk, second.pk),
        }
        assert items[repurchase_key(self.serum.pk, second.pk)].pk == serum.pk
        assert items[repurchase_key(self.cream.pk, again.pk)].data["use_up"] == "2026-05-24"
        assert set(self.repurchases(State.CLOSED)) == {repurchase_key(self.cream.pk, first.pk)}

    def test_one_order_of_two_products_gives_each_its_own_date(self) -> None:
        order = self.buy("2026-03-01", (self.cream, 2), (self.serum, 1))
        derive("2026-03-02")
        items = self.repurchases()
        assert items[repurchase_key(self.cream.pk, order.pk)].data["use_up"] == "2026-04-30"
        assert items[repurchase_key(self.cream.pk, order.pk)].data["products"] == ["面霜×2"]
        assert items[repurchase_key(self.serum.pk, order.pk)].data["use_up"] == "2026-04-30"
        assert len(items) == 2

    def test_a_product_without_a_cycle_makes_none(self) -> None:
        self.buy("2026-03-01", (product("化妆棉", None), 3), (product("小样", 0), 1))
        derive("2026-03-02")
        assert self.repurchases() == {}
        order = self.buy("2026-03-05", (self.cream, 1), (product("赠品", None), 1))
        derive("2026-03-06")
        assert set(self.repurchases()) == {repurchase_key(self.cream.pk, order.pk)}

    def test_a_refund_brings_back_the_older_purchase_of_that_product(self) -> None:
        first = self.buy("2026-03-01", (self.cream, 1))
        again = self.buy("2026-03-20", (self.cream, 1))
        derive("2026-03-21")
        with time_machine.travel(at("2026-03-22", 9), tick=False):
            orders.change_order_status(order=again, status="refunded", actor=self.bob)
        derive("2026-03-22")
        assert set(self.repurchases()) == {repurchase_key(self.cream.pk, first.pk)}

    def test_reactivation_still_keys_on_the_last_order_overall(self) -> None:
        serum = self.buy("2026-03-01", (self.serum, 1))
        last = self.buy("2026-03-08", (self.cream, 1))
        # The cream (the last order) ran out 04-07; 30 days later the customer is asleep.
        derive("2026-05-07")
        woken = Touchpoint.objects.get(customer=self.customer, kind=Kind.REACTIVATION)
        assert woken.key == f"order:{last.pk}" and woken.due_on == date(2026, 5, 7)
        assert woken.data["short_products"] == ["面霜"]
        # The serum lasts until 04-30, its reminder until 30 days after; the cream's is gone.
        assert [tp.data["use_up"] for tp in self.repurchases().values()] == ["2026-04-30"]
        assert set(self.repurchases()) == {repurchase_key(self.serum.pk, serum.pk)}
        derive("2026-05-30")
        assert self.repurchases() == {}

    def test_the_query_count_does_not_grow_with_the_customers(self) -> None:
        def run(n: int) -> int:
            for i in range(n):
                buyer = make_customer(self.bob, f"客{n}-{i}")
                self.buy("2026-03-01", (self.cream, 1), customer=buyer)
                self.buy("2026-03-08", (self.serum, 1), customer=buyer)
            Touchpoint.objects.all().delete()
            with CaptureQueriesContext(connection) as ctx:
                derive("2026-03-09")
            return len(ctx.captured_queries)

        run(1)  # the rules and the day's run record exist from now on
        few = run(2)
        assert Touchpoint.objects.filter(kind=Kind.REPURCHASE).count() == 2 * (1 + 2)
        assert run(8) == few
        assert Touchpoint.objects.filter(kind=Kind.REPURCHASE).count() == 2 * (1 + 2 + 8)

    def test_an_order_keyed_reminder_the_seller_settled_does_not_come_back(self) -> None:
        order = self.buy("2026-03-01", (self.cream, 1), (self.serum, 1))
        later = self.buy("2026-03-02", (self.cream, 1))
        derive("2026-03-03")
        Touchpoint.objects.filter(kind=Kind.REPURCHASE).delete()
        # As the derivation left them before reminders were per product.
        done = Touchpoint.objects.create(
            customer=self.customer,
            kind=Kind.REPURCHASE,
            key=f"order:{order.pk}",
            due_on=date(2026, 3, 28),
            state=State.DONE,
            order=order,
        )
        still_open = Touchpoint.objects.create(
            customer=self.customer,
            kind=Kind.REPURCHASE,
            key=f"order:{later.pk}",
            due_on=date(2026, 3, 29),
            order=later,
        )
        derive("2026-03-04")
        # The serum of the settled order stays settled; the open one gives way to per product.
        assert set(self.repurchases()) == {repurchase_key(self.cream.pk, later.pk)}
        done.refresh_from_db()
        still_open.refresh_from_db()
        assert done.state == State.DONE and still_open.state == State.CLOSED
        derive("2026-03-05")
        assert set(self.repurchases()) == {repurchase_key(self.cream.pk, later.pk)}
