"""Shipping in one step: the courier and the tracking number go with “shipped”, reach the
shipping notice at once and are written on the timeline (issue 18, item 13)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from yutang.catalog.models import Product
from yutang.customers.models import ActivityKind, Customer
from yutang.orders import actions
from yutang.orders.models import Courier, Order
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.kinds import Kind
from yutang.touchpoints.messages import message


class ShippingTestCase(BaseTestCase):
    api_language = "en"

    def setUp(self) -> None:
        self.mask = Product.objects.create(name="玫瑰面膜", sku="MASK-01", price=Decimal("98"))
        self.customer = make_customer(self.bob, "小美", name="王美")
        self.login(self.bob)
        self.client.cookies.load({"django_language": "en"})

    def paid(self, customer: Customer | None = None, **kwargs: Any) -> Order:
        return actions.place_order(
            customer=customer or self.customer,
            seller=self.bob,
            actor=self.bob,
            lines=[actions.LineInput(product=self.mask, quantity=1)],
            status="paid",
            **kwargs,
        )

    def ship(self, order: Order, **fields: str) -> Any:
        data = {"status": "shipped", **{f"ship-{k}": v for k, v in fields.items()}}
        return self.client.post(f"/orders/{order.pk}/status/", data)

    def notice(self) -> str:
        return message(self.customer.touchpoints.pending().get(kind=Kind.SHIPPING_NOTICE))


class PageTests(ShippingTestCase):
    def test_the_page_asks_for_the_courier_from_the_list_and_the_number_with_shipping(self) -> None:
        order = self.paid()
        html = self.client.get(f"/orders/{order.pk}/").content.decode()
        form = html[html.index('class="shipform"') : html.index("</form>", html.index("shipform"))]
        assert 'name="ship-courier"' in form and 'name="ship-tracking_number"' in form
        assert 'name="status" value="shipped"' in form
        for courier in ("顺丰", "中通", "圆通", "韵达", "申通", "极兔", "邮政EMS", "京东", "其他"):
            assert f'<option value="{courier}"' in form, courier
        assert 'maxlength="40"' in form

    def test_it_ships_in_one_step_and_the_notice_has_the_number_at_once(self) -> None:
        order = self.paid()
        response = self.ship(order, courier="顺丰", tracking_number=" SF 1234 5678 ")
        assert response.status_code == 302
        order.refresh_from_db()
        assert (order.status, order.courier, order.tracking_number) == (
            "shipped",
            "顺丰",
            "SF12345678",
        )
        notice = self.notice()
        assert "顺丰 单号 SF12345678，" in notice and "单号 ，" not in notice
        entry = self.customer.activities.filter(kind=ActivityKind.ORDER_STATUS).first()
        assert entry is not None
        assert entry.data == {
            "order": order.pk,
            "old": "paid",
            "new": "shipped",
            "courier": "顺丰",
            "tracking_number": "SF12345678",
        }
        page = self.client.get(self.customer.get_absolute_url()).content.decode()
        assert "paid → shipped · 顺丰 SF12345678" in page
        html = self.client.get(f"/orders/{order.pk}/").content.decode()
        assert '<dd class="tracking">SF12345678</dd>' in html
        assert '<dd class="courier">顺丰</dd>' in html

    def test_it_refuses_to_ship_without_a_courier_or_a_number_and_keeps_what_was_typed(
        self,
    ) -> None:
        order = self.paid()
        for fields, field, error in (
            ({}, "courier", "This field is required."),
            ({"courier": "顺丰"}, "tracking_number", "Type the tracking number"),
            ({"courier": "顺丰速运", "tracking_number": "1"}, "courier", "Select a valid choice"),
            ({"courier": "顺丰", "tracking_number": "9" * 41}, "tracking_number", "at most 40"),
        ):
            response = self.ship(order, **fields)
            assert response.status_code == 422, fields
            assert error in " ".join(response.context["ship_form"].errors[field]), fields
            assert '<details class="shipstep" open>' in response.content.decode()
            order.refresh_from_db()
            assert order.status == "paid" and order.courier == "", fields
        assert not self.customer.activities.filter(kind=ActivityKind.ORDER_STATUS).exists()

    def test_other_ships_without_a_number_and_the_notice_reads_well(self) -> None:
        order = self.paid()
        assert self.ship(order, courier=Courier.OTHER).status_code == 302
        order.refresh_from_db()
        assert (order.status, order.courier, order.tracking_number) == ("shipped", "其他", "")
        notice = self.notice()
        assert "单号" not in notice and "其他" not in notice
        assert notice == "小美，您的玫瑰面膜已经发货啦！注意查收哦～"

    def test_a_change_of_the_number_later_reaches_the_notice_and_the_timeline(self) -> None:
        order = self.paid()
        self.ship(order, courier="中通", tracking_number="ZT1")
        response = self.client.post(
            f"/orders/{order.pk}/shipping/", {"courier": "圆通", "tracking_number": "YT9"}
        )
        assert response.status_code == 302
        assert "圆通 单号 YT9，" in self.notice()
        entry = self.customer.activities.filter(kind=ActivityKind.SHIPPING).get()
        assert entry.data == {"order": order.pk, "courier": "圆通", "tracking_number": "YT9"}
        page = self.client.get(self.customer.get_absolute_url()).content.decode()
        assert "shipping details · 圆通 YT9" in page
        # Saving the same values again writes nothing new.
        self.client.post(
            f"/orders/{order.pk}/shipping/", {"courier": "圆通", "tracking_number": "YT9"}
        )
        assert self.customer.activities.filter(kind=ActivityKind.SHIPPING).count() == 1

    def test_a_courier_stored_before_the_list_stays_valid(self) -> None:
        order = self.paid(courier="顺丰速运")
        actions.change_order_status(order=order, status="shipped", actor=self.bob)
        response = self.client.post(
            f"/orders/{order.pk}/shipping/", {"courier": "顺丰速运", "tracking_number": "SF7"}
        )
        assert response.status_code == 302
        order.refresh_from_db()
        assert (order.courier, order.tracking_number) == ("顺丰速运", "SF7")
        html = self.client.get(f"/orders/{order.pk}/").content.decode()
        assert '<option value="顺丰速运" selected>' in html


class ApiTests(ShippingTestCase):
    def test_it_ships_in_one_step_and_answers_courier_and_number(self) -> None:
        order = self.paid()
        body = {"status": "shipped", "courier": "顺丰", "tracking_number": "SF42"}
        response = self.api(self.bob, "post", f"/api/orders/{order.pk}/status", body)
        assert response.status_code == 200, response.content
        data = response.json()
        assert (data["status"], data["courier"], data["tracking_number"]) == (
            "shipped",
            "顺丰",
            "SF42",
        )
        assert "SF42" in self.notice()
        entry = self.customer.activities.filter(kind=ActivityKind.ORDER_STATUS).first()
        assert entry is not None and entry.data["tracking_number"] == "SF42"

    def test_it_refuses_a_shipment_without_its_number(self) -> None:
        order = self.paid()
        for body, field in (
            ({"status": "shipped"}, "courier"),
            ({"status": "shipped", "courier": "京东"}, "tracking_number"),
            ({"status": "shipped", "courier": "x" * 33, "tracking_number": "1"}, "courier"),
        ):
            response = self.api(self.bob, "post", f"/api/orders/{order.pk}/status", body)
            assert response.status_code == 422, body
            assert field in response.json()["errors"], body
        order.refresh_from_db()
        assert order.status == "paid"

    def test_it_ships_with_the_courier_the_order_was_placed_with(self) -> None:
        order = self.paid(courier="邮政EMS", tracking_number="EMS1")
        response = self.api(
            self.bob, "post", f"/api/orders/{order.pk}/status", {"status": "shipped"}
        )
        assert response.status_code == 200, response.content
        assert response.json()["tracking_number"] == "EMS1"
