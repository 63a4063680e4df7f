"""Ids and numbers that are not what they claim: a 404 or a message, never a server error."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.utils import timezone

from yutang.catalog.models import Product
from yutang.customers.models import Activity, Channel, Customer, Tag
from yutang.imports.models import ImportJob
from yutang.orders.models import Order, Payment
from yutang.test import BaseTestCase, make_customer, make_tag

# Not ids: text, a superscript digit (str.isdigit() says yes, int() says no), a fraction, a
# negative, past what a 64-bit column holds, and past what int() reads at all.
BAD_IDS = ["abc", "²", "1.5", "-1", "9" * 25, "9" * 5000]
METHODS = ["get", "post", "put", "patch", "delete"]
BILL = (
    Path(__file__).resolve().parents[1]
    / "yutang/lib/tests/fixtures/payments/wechat_csv_v2019-2025_utf8.csv"
).read_bytes()


def state() -> list[Any]:
    """Every row a refused request could have touched."""
    return [
        [model_to_dict(o) for o in model.objects.order_by("pk")]
        for model in (Customer, Order, Payment, Activity, Tag, Channel)
    ]


class MalformedIdTests(BaseTestCase):
    def setUp(self) -> None:
        self.client.raise_request_exception = False
        self.customer = make_customer(self.bob, "小美")
        self.product = Product.objects.create(name="面膜", sku="MASK", price=Decimal("99"))
        self.payment = Payment.objects.create(
            source="wechat",
            transaction_id="t-1",
            customer=self.customer,
            occurred_at=timezone.now(),
            amount=Decimal("99"),
        )
        self.login(self.bob)

    def test_it_answers_404_for_a_job_that_is_not_a_uuid_on_every_method(self) -> None:
        for token in ["not-a-uuid", "²", str(uuid.uuid4())]:
            for method in METHODS:
                response = getattr(self.client, method)(f"/import/jobs/{token}/progress/")
                assert response.status_code == 404, (token, method)
                response = self.api(self.bob, method, f"/api/imports/{token}")
                assert response.status_code in (404, 405), (token, method)

    def test_it_says_which_product_when_the_product_is_not_a_number(self) -> None:
        before = state()
        for product in [*BAD_IDS, ""]:
            response = self.client.post(
                f"/payments/{self.payment.pk}/order/", {"product": product}, follow=True
            )
            assert response.status_code == 200, product
            assert "请选择这笔付款买的商品" in response.content.decode(), product
        assert state() == before

    def test_it_says_which_order_when_the_order_is_not_a_number(self) -> None:
        before = state()
        for order in BAD_IDS:
            response = self.client.post(
                f"/payments/{self.payment.pk}/attach/", {"order": order}, follow=True
            )
            assert response.status_code == 200, order
            assert "请选择这位客户的一个订单" in response.content.decode(), order
        assert state() == before

    def test_it_refuses_a_tag_that_is_not_a_number(self) -> None:
        make_tag("护肤")
        before = state()
        for tag in BAD_IDS:
            response = self.client.post(
                f"/customers/{self.customer.pk}/tag/", {"tag": tag}, follow=True
            )
            assert "未知标签" in response.content.decode(), tag
        assert state() == before

    def test_it_ignores_another_customer_that_is_not_a_number(self) -> None:
        for other in BAD_IDS:
            url = f"/customers/{self.customer.pk}/merge/"
            assert self.client.get(url, {"other": other}).status_code == 200, other
            before = state()
            assert self.client.post(url, {"other": other}).status_code == 200, other
            assert state() == before
            response = self.client.get("/customers/pick/", {"q": "小", "exclude": other})
            assert response.status_code == 200, other

    def test_it_refuses_a_referrer_that_is_not_a_number(self) -> None:
        before = state()
        for referrer in BAD_IDS:
            response = self.client.post(
                f"/customers/{self.customer.pk}/edit/",
                {"nickname": "小美", "owner": self.bob.pk, "referrer": referrer},
            )
            assert response.status_code == 200, referrer
            assert "介绍人不存在" in response.content.decode(), referrer
        assert state() == before

    def test_it_refuses_tags_that_are_not_numbers(self) -> None:
        before = state()
        for tag in BAD_IDS:
            response = self.client.post(
                f"/customers/{self.customer.pk}/edit/",
                {
                    "nickname": "小美",
                    "owner": self.bob.pk,
                    "birthday_calendar": "solar",
                    "tags": tag,
                },
            )
            assert response.status_code == 200, tag
            assert "未知标签" in response.content.decode(), tag
            assert self.client.get("/customers/", {"tag": tag}).status_code == 200, tag
        assert state() == before

    def test_it_refuses_settings_ids_that_are_not_numbers(self) -> None:
        self.login(self.alice)
        for pk in BAD_IDS:
            response = self.client.post("/customers/settings/tags/", {"pk": pk, "group-name": ""})
            assert response.status_code == 200, pk
            response = self.client.post("/customers/settings/tags/", {"pk": pk, "tag-name": ""})
            assert response.status_code == 200, pk
            response = self.client.post("/customers/settings/channels/", {"pk": pk, "name": ""})
            assert response.status_code == 200, pk

    def test_it_refuses_api_ids_that_are_not_numbers(self) -> None:
        before = state()
        for value in BAD_IDS:
            response = self.api(
                self.bob, "post", "/api/customers", {"nickname": "新", "tags": [value]}
            )
            assert response.status_code == 422 and "tags" in response.json()["errors"], value
            response = self.api(
                self.bob,
                "post",
                "/api/orders",
                {"customer": self.customer.pk, "lines": [{"product": value, "quantity": 1}]},
            )
            assert response.status_code == 422, value
            response = self.api(self.bob, "get", "/api/customers", channel=value)
            assert response.status_code in (200, 422), value
        assert state() == before

    def test_it_ignores_columns_and_payers_that_are_not_numbers(self) -> None:
        csv = "客户名,手机\n小丽,13900139000\n".encode()
        response = self.client.post(
            "/import/",
            {"kind": "customers", "rule": "fill", "file": SimpleUploadedFile("a.csv", csv)},
        )
        review = response["Location"]
        for value in BAD_IDS:
            response = self.client.post(review, {"map-nickname": value, "map-phone": "1"})
            assert response.status_code == 302, value
            job = ImportJob.objects.get(pk=review.split("/")[3])
            assert job.mapping == {"phone": 1}, value
        for value in BAD_IDS:
            response = self.client.post(
                "/import/",
                {"kind": "bill", "rule": "fill", "file": SimpleUploadedFile("b.csv", BILL)},
            )
            # A choice that names no customer is no choice: the payer is left to the default.
            response = self.client.post(
                response["Location"], {"commit": "1", "match-0": f"c{value}"}
            )
            assert response.status_code == 302, value

    def test_it_answers_numbers_past_any_database_in_list_queries(self) -> None:
        huge = "9" * 25
        # Past a 64-bit integer: the documented 422, with the parameter named.
        for url, params in [
            ("/api/customers", {"page": huge}),
            ("/api/orders", {"page": huge}),
            ("/api/orders", {"customer": huge}),
            ("/api/touchpoints", {"customer": huge}),
        ]:
            response = self.api(self.bob, "get", url, **params)
            assert response.status_code == 422, (url, params)
            assert set(response.json()["errors"]) == set(params), (url, params)
        # Within it, however far: an empty page, and the count of what there is.
        for url, params in [
            ("/api/customers", {"page": str(2**63 - 1)}),
            ("/api/orders", {"page": str(2**63 - 1)}),
            ("/api/orders", {"customer": str(2**63 - 1)}),
            ("/api/orders", {"customer": "0"}),
            ("/api/touchpoints", {"customer": str(2**63 - 1)}),
        ]:
            response = self.api(self.bob, "get", url, **params)
            assert response.status_code == 200, (url, params)
            body = response.json()
            assert (body["items"] if isinstance(body, dict) else body) == [], (url, params)
        response = self.api(self.bob, "get", "/api/customers", page=str(2**63 - 1))
        assert response.json()["count"] == 1
