from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.orders import actions
from yutang.orders.models import TRANSITIONS, Order, OrderLine, Status
from yutang.test import BaseTestCase, make_customer

STEP_FIELDS = [f"{s}_at" for s in Status.values]


class FlowTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.product = Product.objects.create(
            name="玫瑰面膜", sku="MASK-01", price=Decimal("98.00"), cost=Decimal("30.00")
        )
        self.customer = make_customer(self.bob, "小美")
        self.start = timezone.now().replace(microsecond=0) - timedelta(days=10)

    def make_order(self, status: str, customer: Customer | None = None) -> Order:
        """An order sitting at `status`, reached ten days ago, written straight to the table."""
        order = Order.objects.create(
            customer=customer or self.customer,
            seller=self.bob,
            status=status,
            created=self.start,
            **{f"{status}_at": self.start},
        )
        OrderLine.objects.create(order=order, product=self.product, quantity=1, unit_price=98)
        return order

    def place(self, status: str = "intent", **kwargs: Any) -> Order:
        return actions.place_order(
            customer=kwargs.pop("customer", self.customer),
            seller=self.bob,
            actor=self.bob,
            lines=[actions.LineInput(product=self.product, quantity=1)],
            status=status,
            **kwargs,
        )

    def move(self, order: Order, status: str, at: str | None = None) -> Any:
        body: dict[str, Any] = {"status": status}
        if status == "shipped":  # shipping asks for the courier and the number in the same step
            body.update(courier="顺丰", tracking_number="SF1")
        if at is not None:
            body["at"] = at
        return self.client.post(
            f"/api/orders/{order.pk}/status",
            data=json.dumps(body),
            content_type="application/json",
            headers={**self.bearer(self.bob), "Accept-Language": "en"},
        )


# What the page's shipping step posts beside the status.
SHIP = {"ship-courier": "顺丰", "ship-tracking_number": "SF1"}


def snapshot(order: Order) -> dict[str, Any]:
    return Order.objects.filter(pk=order.pk).values("status", *STEP_FIELDS).get()


class TransitionTests(FlowTestCase):
    def test_it_refuses_every_illegal_transition(self) -> None:
        illegal = [(a, b) for a in Status.values for b in Status.values if b not in TRANSITIONS[a]]
        assert len(illegal) == 64 - 14
        for old, new in illegal:
            order = self.make_order(old)
            before = snapshot(order)
            response = self.move(order, new)
            assert response.status_code == 422, (old, new, response.content)
            message = " ".join(response.json()["errors"]["status"])
            assert "cannot become" in message, (old, new, message)
            assert snapshot(order) == before, (old, new)
        assert not self.customer.activities.filter(kind="order_status").exists()

    def test_it_accepts_every_legal_transition(self) -> None:
        for old, targets in TRANSITIONS.items():
            for new in targets:
                order = self.make_order(old)
                response = self.move(order, new)
                assert response.status_code == 200, (old, new, response.content)
                order.refresh_from_db()
                assert order.status == new and order.step_at(new) is not None, (old, new)
                assert order.step_at(old) == self.start, (old, new)

    def test_it_names_the_possible_next_steps(self) -> None:
        response = self.move(self.make_order("unpaid"), "shipped")
        assert response.json()["errors"]["status"] == [
            "An order that is “awaiting payment” cannot become “shipped” "
            "(possible: paid、cancelled)."
        ]
        response = self.move(self.make_order("cancelled"), "paid")
        assert "(possible: none)" in response.json()["errors"]["status"][0]

    def test_it_refuses_an_unknown_status_or_a_bad_date(self) -> None:
        order = self.make_order("intent")
        before = snapshot(order)
        response = self.move(order, "flying")
        assert response.status_code == 422
        assert response.json()["errors"]["status"] == ["Unknown status."]
        for at in ("2024-13-45", "yesterday"):
            response = self.move(order, "paid", at)
            assert response.status_code == 422 and response.json()["errors"]["at"], at
        assert snapshot(order) == before

    def test_it_answers_404_for_an_unknown_order(self) -> None:
        assert self.move(Order(pk=99999), "paid").status_code == 404


class StepTimeTests(FlowTestCase):
    def test_it_keeps_a_time_in_the_past_as_the_step_time(self) -> None:
        order = self.make_order("intent")
        paid_at = self.start + timedelta(days=2, hours=3)
        response = self.move(order, "paid", paid_at.isoformat())
        assert response.status_code == 200, response.content
        order.refresh_from_db()
        assert order.status == "paid" and order.paid_at == paid_at
        assert order.intent_at == self.start
        assert datetime.fromisoformat(response.json()["steps"]["paid"]) == paid_at

    def test_it_refuses_a_time_before_the_previous_step(self) -> None:
        order = self.make_order("paid")
        before = snapshot(order)
        response = self.move(order, "shipped", (self.start - timedelta(minutes=1)).isoformat())
        assert response.status_code == 422
        assert response.json()["errors"]["status"] == [
            "A step cannot happen before the step before it."
        ]
        assert snapshot(order) == before

    def test_it_accepts_the_same_time_as_the_previous_step(self) -> None:
        order = self.make_order("paid")
        assert self.move(order, "shipped", self.start.isoformat()).status_code == 200

    def test_it_reads_a_time_without_offset_as_local_time(self) -> None:
        order = self.make_order("intent")
        local = timezone.localtime(self.start + timedelta(days=1)).replace(tzinfo=None)
        response = self.move(order, "paid", local.isoformat())
        assert response.status_code == 200
        order.refresh_from_db()
        assert order.paid_at == self.start + timedelta(days=1)

    def test_it_moves_an_order_on_from_the_page(self) -> None:
        order = self.make_order("paid")
        self.login(self.bob)
        shipped = timezone.localtime(self.start + timedelta(days=1)).replace(second=0)
        response = self.client.post(
            f"/orders/{order.pk}/status/",
            {
                "status": "shipped",
                "at": shipped.strftime("%Y-%m-%dT%H:%M"),
                **SHIP,
            },
        )
        assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
        order.refresh_from_db()
        assert order.status == "shipped" and order.shipped_at == shipped

    def test_it_shows_why_the_page_refused_a_step(self) -> None:
        order = self.make_order("paid")
        self.login(self.bob)
        self.client.cookies.load({"django_language": "en"})
        earlier = timezone.localtime(self.start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        cases = [
            ({"status": "shipped", "at": earlier, **SHIP}, "A step cannot happen before the step"),
            ({"status": "unpaid"}, "cannot become"),
            ({"status": "flying"}, "Unknown status or a date in the wrong format."),
            ({"status": "shipped", "at": "2024-13-45"}, "Unknown status or a date in the wrong"),
        ]
        before = snapshot(order)
        for data, message in cases:
            response = self.client.post(f"/orders/{order.pk}/status/", data, follow=True)
            assert message in response.content.decode(), data
        assert snapshot(order) == before


class PaidOrderTests(FlowTestCase):
    def grade_reasons(self) -> list[tuple[str, str]]:
        return [
            (a.data["new"], a.data["reason"])
            for a in self.customer.activities.filter(kind="grade").order_by("id")
        ]

    def test_it_makes_a_paying_customer_aa(self) -> None:
        self.customer.grade = "C"
        self.customer.save()
        order = self.place("intent")
        self.customer.refresh_from_db()
        assert self.customer.grade == "C" and not self.customer.consumed
        assert self.move(order, "paid").status_code == 200
        self.customer.refresh_from_db()
        assert self.customer.grade == "AA" and self.customer.consumed
        assert self.grade_reasons() == [("AA", "paid_order")]
        # A second payment changes nothing more.
        self.place("paid")
        assert self.grade_reasons() == [("AA", "paid_order")]

    def test_it_makes_aa_an_order_placed_as_paid(self) -> None:
        for status in ("paid", "shipped", "completed"):
            customer = make_customer(self.bob, f"客户{status}")
            order = self.place(status, customer=customer)
            customer.refresh_from_db()
            assert customer.grade == "AA" and customer.consumed, status
            assert order.paid_at is not None, status

    def test_it_does_not_make_aa_an_unpaid_order(self) -> None:
        order = self.place("unpaid")
        assert self.move(order, "cancelled").status_code == 200
        self.customer.refresh_from_db()
        assert self.customer.grade == "" and not self.customer.consumed
        assert self.grade_reasons() == []

    def test_it_resets_consumed_on_a_refund_when_nothing_else_was_paid(self) -> None:
        order = self.place("paid")
        assert self.move(order, "refunded").status_code == 200
        self.customer.refresh_from_db()
        assert not self.customer.consumed

    def test_it_keeps_consumed_on_a_refund_when_another_order_is_paid(self) -> None:
        self.place("completed")
        order = self.place("paid")
        assert self.move(order, "refunded").status_code == 200
        self.customer.refresh_from_db()
        assert self.customer.consumed

    def test_it_resets_consumed_when_the_only_paid_order_is_cancelled_or_refunded(self) -> None:
        order = self.place("intent")
        self.move(order, "paid")
        self.move(order, "shipped")
        self.customer.refresh_from_db()
        assert self.customer.consumed
        assert self.move(order, "refunded").status_code == 200
        self.customer.refresh_from_db()
        assert not self.customer.consumed
        other = self.place("unpaid")
        assert self.move(other, "cancelled").status_code == 200
        self.customer.refresh_from_db()
        assert not self.customer.consumed
