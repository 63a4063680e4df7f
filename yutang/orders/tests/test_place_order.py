from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from yutang.catalog.models import Product
from yutang.customers.models import Activity
from yutang.orders.models import CustomerCost, Order, OrderLine
from yutang.test import BaseTestCase, make_customer


class OrderTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.mask = Product.objects.create(
            name="玫瑰面膜", sku="MASK-01", price=Decimal("98.00"), cost=Decimal("30.00")
        )
        self.cream = Product.objects.create(
            name="晚霜", sku="CREAM-01", price=Decimal("168.00"), cost=Decimal("55.50")
        )
        self.customer = make_customer(self.bob, "小美")

    # These tests read the messages in English.
    api_language = "en"


def formset_data(lines: list[dict[str, Any]], **order: Any) -> dict[str, Any]:
    """What the browser posts: three line forms, the unused ones with the initial quantity 1."""
    data: dict[str, Any] = {
        "status": "intent",
        "at": "",
        "discount": "0",
        "payment_method": "",
        "courier": "",
        "tracking_number": "",
        "note": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    data.update(order)
    for i in range(3):
        line = lines[i] if i < len(lines) else {}
        data[f"lines-{i}-product"] = line.get("product", "")
        data[f"lines-{i}-quantity"] = line.get("quantity", "1")
        data[f"lines-{i}-unit_price"] = line.get("unit_price", "")
    return data


class PageTests(OrderTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.bob)
        self.url = f"/orders/new/{self.customer.pk}/"

    def test_it_shows_the_form_with_the_products_on_sale(self) -> None:
        Product.objects.create(name="下架商品", sku="OLD-01", price=Decimal(1), active=False)
        response = self.client.get(self.url)
        html = response.content.decode()
        assert response.status_code == 200
        assert "玫瑰面膜 · ¥98.00" in html and "晚霜 · ¥168.00" in html
        assert "下架商品" not in html
        assert 'name="lines-TOTAL_FORMS"' in html

    def test_it_places_an_order_through_the_formset(self) -> None:
        response = self.client.post(
            self.url,
            formset_data(
                [
                    {"product": self.mask.pk, "quantity": "2"},
                    {"product": self.cream.pk, "quantity": "1", "unit_price": "150"},
                ],
                status="unpaid",
                discount="10",
                payment_method="wechat",
                note="老客户介绍",
            ),
        )
        order = Order.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
        assert order.customer == self.customer and order.seller == self.bob
        assert order.status == "unpaid" and order.unpaid_at is not None
        assert order.payment_method == "wechat" and order.note == "老客户介绍"
        lines = list(order.lines.values_list("product", "quantity", "unit_price", "unit_cost"))
        assert lines == [
            (self.mask.pk, 2, Decimal("98.00"), Decimal("30.00")),
            (self.cream.pk, 1, Decimal("150.00"), Decimal("55.50")),
        ]
        assert order.total() == Decimal("336.00")  # 2 × 98 + 150 − 10
        activity = self.customer.activities.get(kind="order")
        assert activity.data["order"] == order.pk and activity.data["total"] == "336.00"

    def test_it_keeps_an_earlier_date_typed_on_the_page(self) -> None:
        self.client.post(
            self.url,
            formset_data([{"product": self.mask.pk}], status="paid", at="2025-03-08T14:30"),
        )
        order = Order.objects.get()
        expected = datetime(2025, 3, 8, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
        assert order.created == expected and order.paid_at == expected

    def assert_refused(self, data: dict[str, Any], message: str) -> None:
        response = self.client.post(self.url, data)
        assert response.status_code == 200
        assert message in response.content.decode(), message
        assert not Order.objects.exists() and not OrderLine.objects.exists()

    def test_it_refuses_bad_input_and_saves_nothing(self) -> None:
        self.client.cookies.load({"django_language": "en"})
        # Blank line forms are ignored, so an order with none filled in says what is missing.
        self.assert_refused(formset_data([]), "An order needs at least one line.")
        self.assert_refused(
            {**formset_data([]), "lines-TOTAL_FORMS": "0"}, "An order needs at least one line."
        )
        self.assert_refused(
            formset_data([{"product": self.mask.pk, "quantity": "0"}]),
            "The quantity must be at least 1.",
        )
        self.assert_refused(
            formset_data([{"product": self.mask.pk, "quantity": "-2"}]),
            "The quantity must be at least 1.",
        )
        self.assert_refused(formset_data([{"product": "99999"}]), "Unknown product.")
        self.assert_refused(
            formset_data([{"product": self.mask.pk, "unit_price": "-1"}]),
            "The price cannot be below zero.",
        )
        self.assert_refused(
            formset_data([{"product": self.mask.pk}], at="yesterday"), "Enter a valid date/time."
        )
        self.assert_refused(
            formset_data([{"product": self.mask.pk}], discount="-5"),
            "Ensure this value is greater than or equal to 0.",
        )
        self.assert_refused(
            formset_data([{"product": self.mask.pk}], status="refunded"),
            "Select a valid choice.",
        )

    def test_it_refuses_in_chinese_by_default(self) -> None:
        response = self.client.post(self.url, formset_data([{"product": ""}, {"quantity": ""}]))
        assert response.status_code == 200
        assert "这个字段是必填项" in response.content.decode()
        assert not Order.objects.exists()


class ApiTests(OrderTestCase):
    def test_it_places_an_order_by_product_id_and_sku(self) -> None:
        at = timezone.now().replace(microsecond=0) - timedelta(days=3)
        response = self.api(
            self.bob,
            "post",
            "/api/orders",
            {
                "customer": self.customer.pk,
                "lines": [
                    {"product": self.mask.pk, "quantity": 2},
                    {"product": "CREAM-01", "quantity": 1, "unit_price": "150.00"},
                ],
                "status": "paid",
                "at": at.isoformat(),
                "discount": "10.00",
                "payment_method": "alipay",
                "courier": "顺丰",
                "tracking_number": "SF123",
                "note": "送小样",
            },
        )
        assert response.status_code == 201, response.content
        data = response.json()
        order = Order.objects.get()
        assert data["id"] == order.pk and data["customer"] == self.customer.pk
        assert data["seller"] == "bob" and data["status"] == "paid"
        assert [(line["product"], line["quantity"]) for line in data["lines"]] == [
            (self.mask.pk, 2),
            (self.cream.pk, 1),
        ]
        assert Decimal(data["total"]) == Decimal("336.00")
        assert (data["payment_method"], data["courier"], data["tracking_number"]) == (
            "alipay",
            "顺丰",
            "SF123",
        )
        assert order.created == at and order.paid_at == at and set(data["steps"]) == {"paid"}

    def test_it_defaults_the_unit_price_and_copies_the_unit_cost(self) -> None:
        response = self.api(
            self.bob,
            "post",
            "/api/orders",
            {"customer": self.customer.pk, "lines": [{"product": "MASK-01", "quantity": 3}]},
        )
        assert response.status_code == 201, response.content
        line = OrderLine.objects.get()
        assert line.unit_price == Decimal("98.00") and line.unit_cost == Decimal("30.00")
        assert Decimal(response.json()["lines"][0]["unit_cost"]) == Decimal("30.00")
        # A later change of the product does not rewrite the order.
        Product.objects.filter(pk=self.mask.pk).update(price=Decimal(120), cost=Decimal(40))
        line.refresh_from_db()
        assert line.unit_price == Decimal("98.00") and line.unit_cost == Decimal("30.00")
        assert Order.objects.get().status == "intent"

    def test_it_refuses_bad_input_with_a_message_and_saves_nothing(self) -> None:
        Product.objects.create(name="下架", sku="OLD-01", price=Decimal(1), active=False)
        line = {"product": self.mask.pk, "quantity": 1}
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"lines": [{**line, "quantity": -1}]}, "lines.0.quantity", "at least 1"),
            ({"lines": [{**line, "quantity": 0}]}, "lines.0.quantity", "at least 1"),
            ({"lines": [{**line, "product": 99999}]}, "lines.0.product", "Unknown product"),
            ({"lines": [{**line, "product": "NOPE-1"}]}, "lines.0.product", "Unknown product"),
            ({"lines": [{**line, "product": "OLD-01"}]}, "lines.0.product", "Unknown product"),
            ({"lines": [{**line, "unit_price": "-0.01"}]}, "lines.0.unit_price", "below zero"),
            ({"lines": [line, {**line, "quantity": 0}]}, "lines.1.quantity", "at least 1"),
            ({"at": "2024-13-45"}, "at", "Enter a valid date and time"),
            ({"at": "yesterday"}, "at", "Enter a valid date and time"),
            ({"status": "flying"}, "status", "Select a valid choice."),
            ({"status": "cancelled"}, "status", "Select a valid choice."),
            ({"lines": []}, "lines", "An order needs at least one line."),
            ({"discount": "-1"}, "discount", "greater than or equal to 0"),
            ({"customer": 99999}, "customer", "That customer does not exist."),
        ]
        for change, field, message in cases:
            body = {"customer": self.customer.pk, "lines": [line], **change}
            response = self.api(self.bob, "post", "/api/orders", body)
            assert response.status_code == 422, (change, response.content)
            errors = response.json()["errors"]
            assert field in errors, (change, errors)
            assert message in " ".join(errors[field]), (change, errors)
        assert not Order.objects.exists() and not OrderLine.objects.exists()
        assert not Activity.objects.filter(kind="order").exists()

    def test_it_reveals_nothing_about_a_customer_of_another_branch(self) -> None:
        hidden = make_customer(self.charlie, "秘密客户")
        lines = [{"product": self.mask.pk, "quantity": 1}]
        response = self.api(
            self.bob, "post", "/api/orders", {"customer": hidden.pk, "lines": lines}
        )
        unknown = self.api(self.bob, "post", "/api/orders", {"customer": 99999, "lines": lines})
        assert response.status_code == 422
        assert response.json() == unknown.json()
        assert "秘密客户" not in response.content.decode()
        assert not Order.objects.exists()

    def test_it_lets_an_agent_order_for_the_downline(self) -> None:
        daves = make_customer(self.dave, "戴夫的客户")
        body = {"customer": daves.pk, "lines": [{"product": self.mask.pk, "quantity": 1}]}
        response = self.api(self.bob, "post", "/api/orders", body)
        assert response.status_code == 201, response.content
        assert Order.objects.get().seller == self.bob


class CostTests(OrderTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.bob)
        self.url = f"/orders/costs/new/{self.customer.pk}/"

    def test_it_records_a_cost_of_keeping(self) -> None:
        assert self.client.get(self.url).status_code == 200
        response = self.client.post(
            self.url, {"kind": "gift", "amount": "25.50", "on": "2025-06-01", "note": "生日礼物"}
        )
        assert response.status_code == 302
        assert response["Location"] == f"/customers/{self.customer.pk}/#costs"
        cost = CustomerCost.objects.get()
        assert (cost.customer, cost.kind, cost.amount) == (self.customer, "gift", Decimal("25.50"))
        assert cost.on.isoformat() == "2025-06-01" and cost.author == self.bob
        assert cost.note == "生日礼物"
        activity = self.customer.activities.get(kind="cost")
        assert activity.data["amount"] == "25.50"

    def test_it_refuses_a_zero_or_negative_amount(self) -> None:
        self.client.cookies.load({"django_language": "en"})
        for amount in ("0", "-10", "0.00"):
            response = self.client.post(
                self.url, {"kind": "gift", "amount": amount, "on": "2025-06-01"}
            )
            assert response.status_code == 200
            assert "The amount must be above zero." in response.context["form"].errors["amount"]
        response = self.client.post(self.url, {"kind": "gift", "amount": "", "on": "2025-06-01"})
        assert "This field is required." in response.context["form"].errors["amount"]
        assert not CustomerCost.objects.exists()
        assert not self.customer.activities.filter(kind="cost").exists()
