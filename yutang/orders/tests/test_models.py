from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.orders.models import PAID_STATUSES, Order, OrderLine, Status, lasting_days
from yutang.test import BaseTestCase, make_customer


class OrderModelTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.mask = Product.objects.create(
            name="面膜", sku="MASK", price=Decimal("33.33"), cost=Decimal("10"), usage_cycle_days=30
        )
        self.cream = Product.objects.create(
            name="晚霜",
            sku="CREAM",
            price=Decimal("168"),
            cost=Decimal("55.5"),
            usage_cycle_days=60,
        )
        self.customer = make_customer(self.bob, "小美")

    def order(
        self, *lines: tuple[Product, int, str], discount: str = "0", status: str = Status.PAID
    ) -> Order:
        order = Order.objects.create(
            customer=self.customer, seller=self.bob, status=status, discount=Decimal(discount)
        )
        for product, quantity, price in lines:
            OrderLine.objects.create(
                order=order,
                product=product,
                quantity=quantity,
                unit_price=Decimal(price),
                unit_cost=product.cost,
            )
        return order


class TotalTests(OrderModelTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.expected = {
            # 3 × 33.33 + 168 − 0.99
            self.order((self.mask, 3, "33.33"), (self.cream, 1, "168"), discount="0.99"): (
                Decimal("267.99"),
                Decimal("267.00"),
                Decimal("85.50"),
            ),
            # A discount larger than the goods makes the order free, never negative.
            self.order((self.mask, 1, "33.33"), discount="50"): (
                Decimal("33.33"),
                Decimal("0"),
                Decimal("10"),
            ),
            # No lines at all.
            self.order(discount="5"): (Decimal("0"), Decimal("0"), Decimal("0")),
            # A gift at zero price.
            self.order((self.cream, 2, "0")): (Decimal("0"), Decimal("0"), Decimal("111")),
            # Refunded: the total is still what it was, revenue excludes it by status.
            self.order((self.mask, 2, "30"), discount="1", status=Status.REFUNDED): (
                Decimal("60"),
                Decimal("59"),
                Decimal("20"),
            ),
        }

    def test_it_computes_the_same_total_in_memory_and_in_the_database(self) -> None:
        for order, (subtotal, total, cost) in self.expected.items():
            assert (order.subtotal(), order.total(), order.cost()) == (subtotal, total, cost)
        orders: Any = Order.objects.with_totals()  # with annotations the models do not declare
        annotated = {o: (o.goods_amount, o.total_amount, o.goods_cost) for o in orders}
        assert annotated == self.expected

    def test_it_sums_the_totals_again_over_orders(self) -> None:
        paid = Order.objects.paid().with_totals().aggregate(total=Sum("total_amount"))
        assert paid["total"] == Decimal("267.00")
        per_customer = Customer.objects.annotate(
            spent=Subquery(
                Order.objects.filter(customer=OuterRef("pk"))
                .with_totals()
                .values("customer")
                .annotate(spent=Sum("total_amount"))
                .values("spent")
            )
        )
        assert per_customer.get().spent == Decimal("326.00")

    def test_it_counts_every_line_when_filtered_by_one_of_them(self) -> None:
        with_mask = Order.objects.filter(lines__product=self.mask, discount=Decimal("0.99"))
        order: Any = with_mask.with_totals().get()
        assert (order.goods_amount, order.total_amount) == (Decimal("267.99"), Decimal("267.00"))


class PaidTests(OrderModelTestCase):
    def test_it_keeps_the_paid_statuses_only(self) -> None:
        for status in Status.values:
            self.order(status=status)
        assert {o.status for o in Order.objects.paid()} == set(PAID_STATUSES)
        assert {o.status for o in Order.objects.all() if o.is_paid} == set(PAID_STATUSES)


class LastPaidTests(OrderModelTestCase):
    def test_it_finds_the_last_paid_order_and_how_long_it_lasts(self) -> None:
        now = timezone.now()
        older = self.order((self.cream, 1, "168"))
        last = self.order((self.mask, 3, "33.33"), (self.cream, 1, "168"))
        unpaid = self.order((self.cream, 5, "168"), status=Status.UNPAID)  # newer, not paid
        Order.objects.filter(pk=older.pk).update(paid_at=now - timedelta(days=40))
        Order.objects.filter(pk=last.pk).update(paid_at=now - timedelta(days=3))
        last_paid = Order.objects.last_paid_of(OuterRef("pk")).values("id")
        row = Customer.objects.annotate(
            last=Subquery(last_paid), lasts=lasting_days(OuterRef("last"))
        ).get()
        # The longest line: 3 masks × 30 days beat 1 cream × 60 days.
        assert (row.last, row.lasts) == (last.pk, 90)
        lasts = dict(Order.objects.annotate(days=lasting_days()).values_list("id", "days"))
        assert lasts == {older.pk: 60, last.pk: 90, unpaid.pk: 300}
