"""A purchase closes the deal (issue 18, item 15): a paid order wins the customer's open deal,
which leaves the pipeline and its forecast, and the timeline says so."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yutang.analytics.deals import close_won_deals
from yutang.catalog.models import Product
from yutang.customers.actions import merge_customers
from yutang.customers.models import ActivityKind, Customer
from yutang.followups.actions import log_followup
from yutang.followups.models import FollowUp
from yutang.followups.queries import pipeline_forecast
from yutang.orders import actions as orders
from yutang.rules.models import Rules
from yutang.test import BaseTestCase, make_customer


class DealTestCase(BaseTestCase):
    api_language = "en"

    def setUp(self) -> None:
        self.product = Product.objects.create(name="玫瑰面膜", sku="M1", price=Decimal("598"))
        self.customer = make_customer(self.bob, "小美")
        self.now = timezone.now().replace(microsecond=0)

    def talk(self, stage: str, amount: str | None = "598", days_ago: int = 2) -> FollowUp:
        return log_followup(
            customer=self.customer,
            actor=self.bob,
            stage=stage,
            amount=Decimal(amount) if amount else None,
            at=self.now - timedelta(days=days_ago),
        )

    def order(self, status: str = "paid", days_ago: int = 0) -> orders.Order:
        return orders.place_order(
            customer=self.customer,
            seller=self.bob,
            actor=self.bob,
            lines=[orders.LineInput(product=self.product, quantity=1)],
            status=status,
            at=self.now - timedelta(days=days_ago),
        )

    def forecast(self) -> Decimal:
        return pipeline_forecast(Customer.objects.all(), Rules.current()).total


class WonDealTests(DealTestCase):
    def test_a_paid_order_wins_the_open_deal_and_takes_it_out_of_the_forecast(self) -> None:
        deal = self.talk("a")
        assert self.forecast() == Decimal("478.40")
        order = self.order()
        deal.refresh_from_db()
        self.customer.refresh_from_db()
        assert deal.won_at == order.paid_at
        assert (self.customer.stage, self.customer.deal_amount) == ("", None)
        assert self.forecast() == Decimal("0.00")
        entry = self.customer.activities.get(kind=ActivityKind.DEAL_WON)
        assert entry.data == {
            "followup": deal.pk,
            "stage": "a",
            "amount": "598.00",
            "order": order.pk,
        }
        self.login(self.bob)
        self.client.cookies.load({"django_language": "en"})
        page = self.client.get(self.customer.get_absolute_url()).content.decode()
        assert f"Deal won (成交) · stage A · Order #{order.pk} · ¥598.00" in page
        # Idempotent: a second refresh, or the next step of the order, writes nothing more.
        close_won_deals([self.customer.pk])
        orders.change_order_status(order=order, status="shipped", actor=self.bob)
        assert self.customer.activities.filter(kind=ActivityKind.DEAL_WON).count() == 1

    def test_the_step_of_paying_wins_it_and_an_unpaid_order_does_not(self) -> None:
        deal = self.talk("b")
        order = self.order("unpaid")
        self.customer.refresh_from_db()
        assert self.customer.stage == "b"
        orders.change_order_status(order=order, status="paid", actor=self.bob)
        deal.refresh_from_db()
        self.customer.refresh_from_db()
        assert deal.won_at is not None and self.customer.stage == ""

    def test_a_purchase_before_the_conversation_leaves_the_new_deal_open(self) -> None:
        self.order(days_ago=10)
        deal = self.talk("a", days_ago=2)  # a repurchase talked about after the last order
        deal.refresh_from_db()
        self.customer.refresh_from_db()
        assert deal.won_at is None and self.customer.stage == "a"
        assert not self.customer.activities.filter(kind=ActivityKind.DEAL_WON).exists()

    def test_the_next_conversation_opens_a_new_deal_and_the_won_one_stays_won(self) -> None:
        won = self.talk("a", days_ago=3)
        self.order(days_ago=2)
        new = self.talk("c", "100", days_ago=1)
        won.refresh_from_db()
        new.refresh_from_db()
        self.customer.refresh_from_db()
        assert won.won_at is not None and new.won_at is None
        assert (self.customer.stage, self.customer.deal_amount) == ("c", Decimal("100"))
        self.order()
        new.refresh_from_db()
        assert new.won_at is not None
        assert self.customer.activities.filter(kind=ActivityKind.DEAL_WON).count() == 2

    def test_a_merge_keeps_a_won_deal_closed(self) -> None:
        self.talk("a")
        self.order()
        twin = make_customer(self.bob, "小美2")
        log_followup(customer=twin, actor=self.bob, stage="c", at=self.now - timedelta(days=5))
        kept = merge_customers(keep=twin, remove=self.customer, actor=self.bob)
        kept.refresh_from_db()
        assert (kept.stage, kept.deal_amount) == ("", None)

    def test_it_takes_the_same_queries_for_one_customer_or_many(self) -> None:
        self.talk("a")
        one = [self.customer.pk]
        many = [make_customer(self.bob, f"c{i}", stage="a").pk for i in range(3)]
        for pk in many:
            log_followup(
                customer=Customer.objects.get(pk=pk),
                actor=self.bob,
                stage="a",
                at=self.now - timedelta(days=2),
            )
        for ids in (one, many):
            for pk in ids:
                orders.place_order(
                    customer=Customer.objects.get(pk=pk),
                    seller=self.bob,
                    actor=self.bob,
                    lines=[orders.LineInput(product=self.product, quantity=1)],
                    status="intent",
                )
        counts = []
        for ids in (one, many):
            for order in orders.Order.objects.filter(customer_id__in=ids):
                orders.Order.objects.filter(pk=order.pk).update(status="paid", paid_at=self.now)
            with CaptureQueriesContext(connection) as queries:
                close_won_deals(ids)
            counts.append(len(queries))
        assert counts[0] == counts[1]
        assert Customer.objects.filter(pk__in=one + many, stage="").count() == 4


class PipelineCardTests(DealTestCase):
    def test_the_cards_show_the_next_contact_date(self) -> None:
        log_followup(
            customer=self.customer,
            actor=self.bob,
            stage="a",
            next_contact_on=date(2099, 3, 5),
        )
        later = make_customer(self.bob, "小丽")
        log_followup(customer=later, actor=self.bob, stage="b", next_contact_on=date(2000, 1, 2))
        make_customer(self.bob, "没约", stage="c")
        self.login(self.bob)
        self.client.cookies.load({"django_language": "en"})
        html = self.client.get("/followups/pipeline/").content.decode()
        assert '<span class="nextcontact">next contact 03-05</span>' in html
        assert '<span class="nextcontact due">next contact 01-02</span>' in html
        assert html.count('class="nextcontact') == 2
