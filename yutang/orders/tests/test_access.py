from __future__ import annotations

from decimal import Decimal

from django.http import Http404

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.orders.access import get_order_for
from yutang.orders.actions import LineInput, place_order
from yutang.orders.models import Order
from yutang.test import BaseTestCase, make_customer


class GetOrderForTests(BaseTestCase):
    def order_of(self, agent: User) -> Order:
        product, _ = Product.objects.get_or_create(
            sku="MASK", defaults={"name": "面膜", "price": 99}
        )
        return place_order(
            customer=make_customer(agent),
            seller=agent,
            actor=agent,
            status="unpaid",
            lines=[LineInput(product=product, quantity=2)],
        )

    def test_it_answers_bobs_order_to_bob_and_the_pond_and_404_to_the_others(self) -> None:
        order = self.order_of(self.bob)
        self.assert_fetches(
            get_order_for,
            order.pk,
            reach=[self.bob, self.alice, self.sam],
            refused=[self.charlie, self.dave],
        )

    def test_it_answers_daves_order_to_his_upline(self) -> None:
        order = self.order_of(self.dave)
        self.assert_fetches(
            get_order_for,
            order.pk,
            reach=[self.dave, self.bob, self.alice, self.sam],
            refused=[self.charlie],
        )

    def test_it_answers_404_for_an_order_that_does_not_exist(self) -> None:
        with self.assertRaises(Http404):
            get_order_for(self.alice, 999_999)

    def test_it_scopes_the_callers_queryset_too(self) -> None:
        order = self.order_of(self.bob)
        with_lines = Order.objects.prefetch_related("lines__product")
        with self.assertRaises(Http404):
            get_order_for(self.charlie, order.pk, queryset=with_lines)
        found = get_order_for(self.bob, order.pk, queryset=with_lines)
        with self.assertNumQueries(0):
            assert [(line.product.sku, line.quantity) for line in found.lines.all()] == [
                ("MASK", 2)
            ]

    def test_it_reads_customer_and_seller_in_one_query(self) -> None:
        order = self.order_of(self.bob)
        with self.assertNumQueries(1):
            found = get_order_for(self.bob, order.pk)
            assert (found.customer.nickname, found.seller.username) == ("小美", "bob")
        assert Decimal(found.total()) == Decimal("198")
