"""The API's contract: errors in one JSON shape, and an OpenAPI document listing every status."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.test import Client

from yutang.api import api
from yutang.catalog.models import Product
from yutang.customers.models import Customer, Tag
from yutang.orders import actions as order_actions
from yutang.orders.models import Order
from yutang.test import PASSWORD, BaseTestCase, make_customer


def error_shape(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def rows() -> list[tuple[Any, ...]]:
    return list(Customer.objects.order_by("pk").values_list())


class ErrorShapeTest(BaseTestCase):
    def test_it_refuses_the_abc_refresh_to_staff_and_agents_in_json(self) -> None:
        make_customer(self.bob)
        before = rows()
        for user in (self.sam, self.bob):
            response = self.api(user, "post", "/api/analytics/abc/refresh")
            assert response.status_code == 403
            assert error_shape(response)["errors"] == {}
        assert rows() == before

    def test_it_answers_401_in_json_to_a_write_with_no_credentials(self) -> None:
        anonymous = Client(enforce_csrf_checks=True)
        response = anonymous.post(
            "/api/customers", data=json.dumps({"nickname": "小美"}), content_type="application/json"
        )
        assert response.status_code == 401
        error_shape(response)
        assert not Customer.objects.exists()

    def test_it_still_requires_the_csrf_token_of_a_session(self) -> None:
        browser = Client(enforce_csrf_checks=True)
        assert browser.login(username="bob", password=PASSWORD)
        body = json.dumps({"nickname": "小美"})
        response = browser.post("/api/customers", data=body, content_type="application/json")
        assert response.status_code == 403
        error_shape(response)
        assert not Customer.objects.exists()
        browser.get("/customers/")
        token = browser.cookies["csrftoken"].value
        response = browser.post(
            "/api/customers",
            data=body,
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 201

    def test_it_answers_404_in_json_for_no_route_and_for_an_unseen_object(self) -> None:
        theirs = make_customer(self.bob)
        for url in ("/api/nothing-here", "/api/customers/", f"/api/customers/{theirs.pk}"):
            response = self.api(self.charlie, "get", url)
            assert response.status_code == 404, url
            error_shape(response)
        response = self.api(self.charlie, "delete", f"/api/customers/{theirs.pk}")
        assert response.status_code == 404
        assert Customer.objects.filter(pk=theirs.pk).exists()

    def test_it_answers_405_in_json_for_a_method_an_address_does_not_take(self) -> None:
        theirs = make_customer(self.bob)
        response = self.api(self.bob, "put", f"/api/customers/{theirs.pk}", {"nickname": "x"})
        assert response.status_code == 405
        assert "PATCH" in response["Allow"]
        assert "PUT" in error_shape(response)["detail"]
        assert Customer.objects.get(pk=theirs.pk).nickname == "小美"

    def test_it_refuses_tags_to_an_agent_in_the_error_shape(self) -> None:
        response = self.api(self.bob, "post", "/api/tags", {"name": "瑜伽", "group": "兴趣爱好"})
        assert response.status_code == 403
        assert error_shape(response)["errors"] == {}
        assert not Tag.objects.filter(name="瑜伽").exists()

    def test_it_answers_422_for_a_body_that_is_not_json(self) -> None:
        response = self.client.post(
            "/api/customers", data="{nickname", content_type="application/json",
            headers=self.bearer(self.alice),
        )  # fmt: skip
        assert response.status_code == 422
        error_shape(response)
        assert not Customer.objects.exists()


class InputTest(BaseTestCase):
    def test_it_reads_an_empty_filter_as_no_filter(self) -> None:
        make_customer(self.bob)
        for url in (
            "/api/customers?stage=&lifecycle=&grade=&vip=&channel=",
            "/api/orders?customer=&status=",
            "/api/touchpoints?customer=&due_by=&today=",
            "/api/analytics/pareto?from=&to=&share=",
        ):
            response = self.api(self.alice, "get", url)
            assert response.status_code == 200, (url, response.content)
        assert self.api(self.alice, "get", "/api/customers?stage=").json()["count"] == 1

    def test_it_answers_422_for_integers_past_the_database_range(self) -> None:
        make_customer(self.bob)
        huge = "99999999999999999999999"
        for url in (
            f"/api/customers/{huge}",
            f"/api/customers/-{huge}/followups",
            f"/api/orders?customer={huge}",
            f"/api/touchpoints?customer={huge}",
            f"/api/customers?page={huge}",
            f"/api/products/{huge}",
        ):
            response = self.api(self.alice, "get", url)
            assert response.status_code == 422, (url, response.content)
            error_shape(response)

    def test_it_answers_an_empty_page_far_past_the_end(self) -> None:
        make_customer(self.bob)
        for url in ("/api/customers", "/api/orders"):
            response = self.api(self.alice, "get", url, page=2**62, page_size=200)
            assert response.status_code == 200
            assert response.json()["items"] == []

    def test_it_refuses_text_with_a_nul_character(self) -> None:
        response = self.api(self.alice, "get", "/api/customers", tag="a\x00b")
        assert response.status_code == 422
        assert "tag" in error_shape(response)["errors"]
        response = self.api(self.alice, "post", "/api/tags", {"name": "a\x00b", "group": "x"})
        assert response.status_code == 422
        assert "name" in error_shape(response)["errors"]
        assert not Tag.objects.filter(name__startswith="a").exists()

    def test_it_keeps_a_customer_with_orders_with_a_409(self) -> None:
        buyer = make_customer(self.bob)
        product = Product.objects.create(name="面霜", sku="CREAM", price=Decimal("99"))
        order_actions.place_order(
            customer=buyer,
            seller=self.bob,
            actor=self.bob,
            lines=[order_actions.LineInput(product=product, quantity=1)],
        )
        response = self.api(self.bob, "delete", f"/api/customers/{buyer.pk}")
        assert response.status_code == 409
        assert error_shape(response)["detail"] == "该客户有订单或收款记录，不能删除。"
        assert Customer.objects.filter(pk=buyer.pk).exists()
        assert Order.objects.filter(customer=buyer).count() == 1


class OpenApiTest(BaseTestCase):
    def test_it_documents_the_errors_of_every_operation(self) -> None:
        schema = json.loads(json.dumps(api.get_openapi_schema()))
        assert set(schema["components"]["schemas"]["Error"]["required"]) == {"detail", "errors"}
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                responses = operation["responses"]
                where = f"{method.upper()} {path}"
                assert "401" in responses, where
                if method != "get":
                    assert "403" in responses, where
                if "{" in path:
                    assert "404" in responses, where
                if operation.get("parameters") or "requestBody" in operation:
                    assert "422" in responses or path == "/api/imports/{job_id}", where
                for status, answer in responses.items():
                    if int(status) >= 400:
                        content = answer["content"]["application/json"]["schema"]
                        assert content == {"$ref": "#/components/schemas/Error"}, where
        delete = schema["paths"]["/api/customers/{customer_id}"]["delete"]["responses"]
        assert "409" in delete
        assert "422" not in schema["paths"]["/api/grades"]["get"]["responses"]

    def test_it_serves_the_document(self) -> None:
        response = self.client.get("/api/openapi.json")
        assert response.status_code == 200
        assert "/api/customers" in response.json()["paths"]
