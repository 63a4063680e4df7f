from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from yutang.catalog.models import Product
from yutang.orders import actions as orders
from yutang.test import BaseTestCase, make_customer


def make_product(**fields: Any) -> Product:
    values: dict[str, Any] = {
        "name": "玫瑰面膜",
        "sku": "MASK-01",
        "price": Decimal("98.00"),
        "cost": Decimal("30.00"),
    }
    values.update(fields)
    return Product.objects.create(**values)


class ProductTestCase(BaseTestCase):
    # These tests read the messages in English.
    api_language = "en"


class PageTests(ProductTestCase):
    def setUp(self) -> None:
        self.login(self.alice)

    def test_it_lists_products_for_the_owner(self) -> None:
        make_product(name="玫瑰面膜", sku="MASK-01", min_price=Decimal("88.00"))
        make_product(name="洗面奶", sku="WASH-01", active=False)
        response = self.client.get("/products/")
        html = response.content.decode()
        assert response.status_code == 200
        assert {p.name for p in response.context["products"]} == {"洗面奶", "玫瑰面膜"}
        assert "MASK-01" in html and "WASH-01" in html and "¥88.00" in html

    def test_it_creates_a_product(self) -> None:
        response = self.client.post(
            "/products/new/",
            {
                "name": "玫瑰面膜",
                "sku": "MASK-01",
                "price": "98",
                "cost": "30.5",
                "usage_cycle_days": "30",
                "min_price": "88",
                "active": "on",
            },
        )
        assert response.status_code == 302 and response["Location"] == "/products/"
        product = Product.objects.get()
        assert (product.name, product.sku) == ("玫瑰面膜", "MASK-01")
        assert product.price == Decimal("98.00") and product.cost == Decimal("30.50")
        assert product.usage_cycle_days == 30 and product.min_price == Decimal("88.00")
        assert product.active

    def test_it_edits_a_product(self) -> None:
        product = make_product()
        response = self.client.get(f"/products/{product.pk}/")
        assert response.status_code == 200 and "MASK-01" in response.content.decode()
        response = self.client.post(
            f"/products/{product.pk}/",
            {"name": "玫瑰面膜 大盒", "sku": "MASK-02", "price": "128", "cost": "40"},
        )
        assert response.status_code == 302
        product.refresh_from_db()
        assert (product.name, product.sku, product.price) == ("玫瑰面膜 大盒", "MASK-02", 128)
        assert product.usage_cycle_days is None and product.min_price is None
        # An unticked box takes the product off sale.
        assert not product.active
        assert Product.objects.count() == 1

    def test_it_answers_404_for_an_unknown_product(self) -> None:
        assert self.client.get("/products/99999/").status_code == 404

    def test_it_refuses_bad_input_in_chinese_by_default(self) -> None:
        response = self.client.post("/products/new/", {"sku": "X-1", "price": "abc"})
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert "这个字段是必填项" in errors["name"][0]
        assert "输入一个数字" in errors["price"][0]
        assert not Product.objects.exists()

    def test_it_refuses_a_minimum_price_above_the_retail_price(self) -> None:
        self.client.cookies.load({"django_language": "en"})
        response = self.client.post(
            "/products/new/",
            {"name": "x", "sku": "X-1", "price": "50", "cost": "0", "min_price": "60"},
        )
        assert response.status_code == 200
        assert "The minimum price cannot exceed the retail price." in response.content.decode()
        assert not Product.objects.exists()


class PermissionTests(ProductTestCase):
    def test_it_refuses_the_pages_to_everyone_but_the_owner(self) -> None:
        product = make_product()
        for user in (self.sam, self.bob):
            self.login(user)
            for url in ("/products/", "/products/new/", f"/products/{product.pk}/"):
                assert self.client.get(url).status_code == 403, (user, url)
            data = {"name": "改名", "sku": "HACK", "price": "1", "cost": "0"}
            assert self.client.post("/products/new/", data).status_code == 403
            assert self.client.post(f"/products/{product.pk}/", data).status_code == 403
        product.refresh_from_db()
        assert product.name == "玫瑰面膜" and Product.objects.count() == 1

    def test_it_refuses_api_changes_to_everyone_but_the_owner(self) -> None:
        product = make_product()
        for user in (self.sam, self.bob):
            response = self.api(
                user, "post", "/api/products", {"name": "x", "sku": "X", "price": 1}
            )
            assert response.status_code == 403
            assert response.json()["detail"] == "Only the owner manages products."
            response = self.api(user, "patch", f"/api/products/{product.pk}", {"price": 1})
            assert response.status_code == 403
        product.refresh_from_db()
        assert product.price == Decimal("98.00") and Product.objects.count() == 1

    def test_it_lets_everyone_read_the_catalogue(self) -> None:
        product = make_product()
        for user in (self.sam, self.bob, self.charlie):
            assert [p["id"] for p in self.api(user, "get", "/api/products").json()] == [product.pk]
            assert self.api(user, "get", f"/api/products/{product.pk}").json()["sku"] == "MASK-01"


class ApiTests(ProductTestCase):
    def test_it_creates_a_product_and_returns_every_field(self) -> None:
        body = {
            "name": "玫瑰面膜",
            "sku": "MASK-01",
            "price": "98.00",
            "cost": "30.50",
            "usage_cycle_days": 30,
            "min_price": "88.00",
        }
        response = self.api(self.alice, "post", "/api/products", body)
        assert response.status_code == 201, response.content
        data = response.json()
        product = Product.objects.get()
        assert data == {**body, "id": product.pk, "active": True, "short_name": ""}
        assert product.price == Decimal("98.00") and product.cost == Decimal("30.50")
        assert product.usage_cycle_days == 30 and product.min_price == Decimal("88.00")

    def test_it_defaults_the_cost_and_the_optional_fields(self) -> None:
        response = self.api(
            self.alice, "post", "/api/products", {"name": "x", "sku": "X-1", "price": 10}
        )
        assert response.status_code == 201, response.content
        data = response.json()
        assert Decimal(data["cost"]) == 0 and data["usage_cycle_days"] is None
        assert data["min_price"] is None and data["active"] is True

    def test_it_patches_only_the_fields_sent(self) -> None:
        product = make_product(usage_cycle_days=30, min_price=Decimal("88.00"))
        response = self.api(self.alice, "patch", f"/api/products/{product.pk}", {"price": "108"})
        assert response.status_code == 200, response.content
        assert Decimal(response.json()["price"]) == Decimal("108.00")
        product.refresh_from_db()
        assert product.price == Decimal("108.00") and product.name == "玫瑰面膜"
        assert product.usage_cycle_days == 30 and product.min_price == Decimal("88.00")
        assert product.active

    def test_it_refuses_bad_input_with_a_message_and_saves_nothing(self) -> None:
        make_product(sku="TAKEN")
        good = {"name": "x", "sku": "NEW-1", "price": "50.00", "cost": "10.00"}
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"price": "-1"}, "price", "greater than or equal to 0"),
            ({"cost": "-0.01"}, "cost", "greater than or equal to 0"),
            ({"min_price": "60.00"}, "__all__", "The minimum price cannot exceed the retail"),
            ({"sku": "TAKEN"}, "sku", "already exists"),
            ({"name": None}, "name", "This field is required."),
            ({"name": ""}, "name", "This field is required."),
            ({"usage_cycle_days": -1}, "usage_cycle_days", "greater than or equal to 0"),
            ({"usage_cycle_days": "abc"}, "usage_cycle_days", "Must be a whole number."),
            ({"price": "abc"}, "price", "Enter a number."),
        ]
        for change, field, message in cases:
            body = {k: v for k, v in {**good, **change}.items() if v is not None}
            response = self.api(self.alice, "post", "/api/products", body)
            assert response.status_code == 422, (change, response.content)
            errors = response.json()["errors"]
            assert field in errors, (change, errors)
            assert message in " ".join(errors[field]), (change, errors)
        assert list(Product.objects.values_list("sku", flat=True)) == ["TAKEN"]

    def test_it_refuses_a_patch_that_breaks_the_price_control(self) -> None:
        product = make_product(min_price=Decimal("88.00"))
        response = self.api(self.alice, "patch", f"/api/products/{product.pk}", {"price": "80"})
        assert response.status_code == 422
        assert "minimum price" in " ".join(response.json()["errors"]["__all__"])
        product.refresh_from_db()
        assert product.price == Decimal("98.00")

    def test_it_refuses_in_chinese_by_default(self) -> None:
        response = self.client.post(
            "/api/products",
            data=json.dumps({"sku": "X-1", "price": "1", "usage_cycle_days": "abc"}),
            content_type="application/json",
            headers=self.bearer(self.alice),
        )
        assert response.status_code == 422
        assert response.json()["errors"]["usage_cycle_days"] == ["必须是整数。"]
        assert not Product.objects.exists()


class DeleteTests(BaseTestCase):
    def test_it_deletes_only_an_unsold_product(self) -> None:
        sold = Product.objects.create(name="面膜", sku="S", price=Decimal("10"))
        unsold = Product.objects.create(name="晚霜", sku="U", price=Decimal("10"))
        orders.place_order(
            customer=make_customer(self.alice),
            seller=self.alice,
            actor=self.alice,
            lines=[orders.LineInput(product=sold, quantity=1)],
        )
        self.login(self.bob)
        assert self.client.post(f"/products/{unsold.pk}/delete/").status_code == 403
        self.login(self.alice)
        response = self.client.post(f"/products/{sold.pk}/delete/", follow=True)
        assert "已经卖出过" in response.content.decode()
        self.client.post(f"/products/{unsold.pk}/delete/")
        assert list(Product.objects.all()) == [sold]
