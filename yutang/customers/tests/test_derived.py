"""refresh_customers: the one refresh of the derived customer state, run by every action that
changes what it is read from."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yutang.catalog.models import Product
from yutang.customers import actions
from yutang.customers.derived import refresh_customers, with_referrers
from yutang.customers.models import Customer, CustomerStats
from yutang.followups.actions import log_followup
from yutang.orders import actions as orders
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.kinds import Kind
from yutang.touchpoints.messages import message, reason


def product() -> Product:
    return Product.objects.get_or_create(
        sku="MASK", defaults={"name": "面膜", "price": Decimal(99), "cost": Decimal(30)}
    )[0]


class RefreshCustomersTests(BaseTestCase):
    def buy(self, customer: Customer, status: str = "paid", **fields: Any) -> orders.Order:
        return orders.place_order(
            customer=customer,
            seller=self.bob,
            actor=self.bob,
            status=status,
            lines=[orders.LineInput(product=product(), quantity=1)],
            **fields,
        )

    def test_it_does_nothing_without_a_customer(self) -> None:
        with self.assertNumQueries(0):
            refresh_customers([])
        with self.assertNumQueries(0):
            refresh_customers([None, None])

    def test_it_puts_the_new_tracking_number_in_the_shipping_notice_at_once(self) -> None:
        customer = make_customer(self.bob, "小美")
        order = self.buy(customer, status="shipped", courier="顺丰")
        notice = customer.touchpoints.pending().get(kind=Kind.SHIPPING_NOTICE)
        assert "SF1234567890" not in message(notice)
        orders.update_shipping(
            order=order, courier="顺丰", tracking_number="SF1234567890", actor=self.bob
        )
        notice = customer.touchpoints.pending().get(kind=Kind.SHIPPING_NOTICE)
        assert "SF1234567890" in message(notice) and "顺丰" in message(notice)

    def test_it_refreshes_the_merged_customer_and_their_referrer(self) -> None:
        referrer = make_customer(self.bob, "介绍人")
        keep = make_customer(self.bob, "小美", referrer=referrer)
        remove = make_customer(self.bob, "美美")
        self.buy(remove)
        refresh_customers([referrer.pk, keep.pk])
        assert CustomerStats.objects.get(customer=referrer).referred_buyers == 0
        merged = actions.merge_customers(keep=keep, remove=remove, actor=self.bob)
        assert merged.consumed and merged.lifecycle == "new"
        merged.refresh_from_db()
        assert merged.consumed and merged.lifecycle == "new"
        assert CustomerStats.objects.get(customer=merged).orders == 1
        assert CustomerStats.objects.get(customer=referrer).referred_buyers == 1

    def test_a_conversation_sets_the_next_follow_up_and_answers_the_one_due(self) -> None:
        customer = make_customer(self.bob, "小美")
        today = timezone.localdate()
        asked = log_followup(
            customer=customer,
            actor=self.bob,
            stage="b",
            next_step="发买家秀",
            next_contact_on=today,
        )
        due = customer.touchpoints.pending().get(kind=Kind.FOLLOWUP_DUE)
        assert due.key == f"followup:{asked.pk}" and "发买家秀" in reason(due)
        assert "发买家秀" not in message(due)
        log_followup(customer=customer, actor=self.alice, stage="a")
        due.refresh_from_db()
        assert due.state == "done" and due.closed_by == self.alice
        assert not customer.touchpoints.pending().exists()

    def test_a_friend_who_buys_refreshes_the_referrer(self) -> None:
        referrer = make_customer(self.bob, "介绍人")
        friend = make_customer(self.bob, "朋友", referrer=referrer)
        assert with_referrers([friend.pk]) == sorted([friend.pk, referrer.pk])
        self.buy(friend)
        assert CustomerStats.objects.get(customer=referrer).referred_buyers == 1

    def test_its_queries_do_not_grow_with_the_pool(self) -> None:
        def queries_for_one(others: int) -> int:
            for i in range(others):
                other = make_customer(
                    self.bob, f"客{others}-{i}", referrer=self.referrer, birthday=today, vip=True
                )
                self.buy(other, status="shipped")
                log_followup(customer=other, actor=self.bob, stage="b", next_contact_on=today)
            with CaptureQueriesContext(connection) as ctx:
                refresh_customers([self.target.pk])
            return len(ctx.captured_queries)

        today = timezone.localdate()
        self.referrer = make_customer(self.bob, "介绍人")
        self.target = make_customer(
            self.bob, "小美", referrer=self.referrer, birthday=today, vip=True
        )
        self.buy(self.target, status="shipped")
        log_followup(customer=self.target, actor=self.bob, stage="b", next_contact_on=today)
        assert queries_for_one(0) == queries_for_one(5)
