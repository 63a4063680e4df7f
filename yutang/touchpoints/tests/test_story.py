"""One customer's whole story, day by day, as the workbench sees it."""

from __future__ import annotations

from datetime import date

import time_machine

from yutang.analytics.lifecycle import refresh_lifecycles
from yutang.customers.models import Customer
from yutang.followups.actions import log_followup, suggested_grade
from yutang.orders import actions as orders
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.derive import derive_touchpoints
from yutang.touchpoints.messages import message, reason
from yutang.touchpoints.models import Touchpoint

from .helpers import at, masks


def open_kinds(customer: Customer) -> dict[str, Touchpoint]:
    return {tp.kind: tp for tp in customer.touchpoints.pending()}


def derive(day: str) -> dict[str, int]:
    with time_machine.travel(at(day, 11), tick=False):
        return derive_touchpoints(today=date.fromisoformat(day))


class StoryTests(BaseTestCase):
    def test_it_walks_a_customer_from_first_chat_to_churn_and_back(self) -> None:
        product = masks(30)
        customer = make_customer(self.bob, "小美", name="王美")

        with time_machine.travel(at("2026-03-01", 9), tick=False):
            log_followup(customer=customer, actor=self.bob, stage="c", summary="皮肤干")
            log_followup(customer=customer, actor=self.bob, stage="a", summary="想试面膜")
            customer.refresh_from_db()
            assert customer.stage == "a" and suggested_grade(customer) == "A"
            order = orders.place_order(
                customer=customer,
                seller=self.bob,
                actor=self.bob,
                lines=[orders.LineInput(product=product, quantity=2)],
            )
        assert open_kinds(customer) == {}

        derive("2026-03-02")
        reminder = open_kinds(customer)["order_reminder"]
        assert reminder.due_on == date(2026, 3, 2)
        assert "面膜×2" in reason(reminder)

        with time_machine.travel(at("2026-03-02", 12), tick=False):
            orders.change_order_status(order=order, status="unpaid", actor=self.bob)
        assert "order_reminder" not in open_kinds(customer)
        derive("2026-03-03")  # 11:00, less than 24 hours unpaid
        assert "payment_reminder" not in open_kinds(customer)
        derive("2026-03-04")
        assert open_kinds(customer)["payment_reminder"].due_on == date(2026, 3, 3)

        with time_machine.travel(at("2026-03-04", 15), tick=False):
            orders.change_order_status(order=order, status="paid", actor=self.bob)
        customer.refresh_from_db()
        assert customer.grade == "AA" and customer.consumed and customer.lifecycle == "new"
        # A new AA customer is greeted for 元宵 (2026-03-03) a day late; no reminder is left;
        # the repurchase date is estimated from the payment until the parcel arrives.
        kinds = open_kinds(customer)
        assert set(kinds) == {"holiday", "repurchase"}
        assert kinds["holiday"].data["holiday"] == "元宵节"
        assert kinds["repurchase"].due_on == date(2026, 4, 30)

        with time_machine.travel(at("2026-03-05", 9), tick=False):
            orders.update_shipping(
                order=order, courier="顺丰速运", tracking_number="SF1234567890", actor=self.bob
            )
            orders.change_order_status(order=order, status="shipped", actor=self.bob)
        notice = open_kinds(customer)["shipping_notice"]
        assert "SF1234567890" in message(notice) and "顺丰速运" in message(notice)

        with time_machine.travel(at("2026-03-07", 9), tick=False):
            orders.change_order_status(order=order, status="signed", actor=self.bob)
        kinds = open_kinds(customer)
        assert set(kinds) == {"delivery_care", "repurchase"}
        # Two boxes of 30 days from the day it arrived, asked 3 days before they run out.
        assert kinds["repurchase"].due_on == date(2026, 5, 3)
        assert kinds["repurchase"].data["use_up"] == "2026-05-06"

        derive("2026-05-03")
        assert open_kinds(customer)["repurchase"].due_on == date(2026, 5, 3)

        derive("2026-06-05")  # use-up + 30 days, no new order
        kinds = open_kinds(customer)
        assert "reactivation" in kinds and "repurchase" not in kinds
        assert kinds["reactivation"].due_on == date(2026, 6, 5)

        # Last paid 2026-03-04, one order, 60-day supply: the window is 180 days.
        assert refresh_lifecycles(today=date(2026, 8, 31)) == 0
        assert refresh_lifecycles(today=date(2026, 9, 1)) == 1
        customer.refresh_from_db()
        assert customer.lifecycle == "churned"

        count = Touchpoint.objects.count()
        assert derive("2026-09-01") == {
            "created": 0,
            "updated": 0,
            "closed": 0,
            "expired": 0,
            "reopened": 0,
        }
        assert Touchpoint.objects.count() == count

        with time_machine.travel(at("2026-09-02"), tick=False):
            orders.place_order(
                customer=customer,
                seller=self.bob,
                actor=self.bob,
                status="paid",
                lines=[orders.LineInput(product=product, quantity=1)],
            )
        customer.refresh_from_db()
        assert customer.lifecycle == "returning"
        assert "reactivation" not in open_kinds(customer)
        assert customer.touchpoints.get(kind="reactivation").state == "closed"

    def test_it_closes_the_reminder_of_a_cancelled_order(self) -> None:
        customer = make_customer(self.bob, "小美")
        with time_machine.travel(at("2026-03-01"), tick=False):
            order = orders.place_order(
                customer=customer,
                seller=self.bob,
                actor=self.bob,
                status="unpaid",
                lines=[orders.LineInput(product=masks(), quantity=1)],
            )
        derive("2026-03-03")
        assert "payment_reminder" in open_kinds(customer)
        with time_machine.travel(at("2026-03-03", 12), tick=False):
            orders.change_order_status(order=order, status="cancelled", actor=self.bob)
        assert open_kinds(customer) == {}
        assert customer.touchpoints.get().state == "closed"

    def test_it_derives_the_next_contact_of_the_latest_follow_up_only(self) -> None:
        customer = make_customer(self.bob, "小美")
        with time_machine.travel(at("2026-03-01"), tick=False):
            log_followup(
                customer=customer,
                actor=self.bob,
                stage="b",
                next_step="发买家秀",
                next_contact_on=date(2026, 3, 5),
            )
        derive("2026-03-04")
        assert open_kinds(customer) == {}
        derive("2026-03-05")
        due = open_kinds(customer)["followup_due"]
        # The next step is the seller's private note: the reason, never the message (issue 18).
        assert "发买家秀" in reason(due) and "发买家秀" not in message(due)
        with time_machine.travel(at("2026-03-05", 15), tick=False):
            log_followup(customer=customer, actor=self.bob, stage="a")
        assert open_kinds(customer) == {}
        derive("2026-03-06")
        assert open_kinds(customer) == {}
