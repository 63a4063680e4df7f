from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.orders import actions
from yutang.orders import actions as orders
from yutang.orders.models import CustomerCost, Order
from yutang.test import BaseTestCase, make_customer


class ViewTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.mask = Product.objects.create(
            name="玫瑰面膜",
            sku="MASK-01",
            price=Decimal("98.00"),
            cost=Decimal("30.00"),
            min_price=Decimal("88.00"),
        )

    def order(
        self,
        customer: Customer,
        status: str = "intent",
        seller: User | None = None,
        unit_price: Decimal | None = None,
        **kwargs: Any,
    ) -> Order:
        return actions.place_order(
            customer=customer,
            seller=seller or customer.owner,
            actor=seller or customer.owner,
            lines=[actions.LineInput(product=self.mask, quantity=1, unit_price=unit_price)],
            status=status,
            **kwargs,
        )

    api_language = "en"

    def listed(self, **params: str) -> list[int]:
        response = self.client.get("/orders/", params)
        assert response.status_code == 200
        return sorted(o.pk for o in response.context["page"])


class ListTests(ViewTestCase):
    def setUp(self) -> None:
        super().setUp()
        zhang = make_customer(self.bob, "小张", name="张三")
        li = make_customer(self.dave, "李四")
        self.zhang_paid = self.order(zhang, "paid")
        self.zhang_intent = self.order(zhang, "intent")
        self.li_paid = self.order(li, "paid")
        self.login(self.bob)

    def test_it_filters_by_status(self) -> None:
        assert self.listed(status="paid") == sorted([self.zhang_paid.pk, self.li_paid.pk])
        assert self.listed(status="intent") == [self.zhang_intent.pk]
        assert self.listed(status="refunded") == []
        # An unknown status filters nothing rather than failing.
        assert len(self.listed(status="flying")) == 3

    def test_it_searches_by_the_customers_pinyin(self) -> None:
        assert self.listed(q="zs") == sorted([self.zhang_paid.pk, self.zhang_intent.pk])
        assert self.listed(q="zhangsan") == sorted([self.zhang_paid.pk, self.zhang_intent.pk])
        assert self.listed(q="lisi") == [self.li_paid.pk]
        assert self.listed(q="zs", status="paid") == [self.zhang_paid.pk]
        assert self.listed(q="wangwu") == []

    def test_it_shows_customer_products_and_total(self) -> None:
        html = self.client.get("/orders/").content.decode()
        assert "小张" in html and "李四" in html and "玫瑰面膜×1" in html and "¥98.00" in html

    def test_it_shows_the_same_total_as_the_order_page(self) -> None:
        Order.objects.filter(pk=self.li_paid.pk).update(discount=Decimal("100.00"))
        self.client.cookies.load({"django_language": "en"})
        detail = self.client.get(f"/orders/{self.li_paid.pk}/").content.decode()
        assert "<strong>¥0.00</strong>" in detail
        page = self.client.get("/orders/", {"q": "lisi"})
        assert [o.total_amount for o in page.context["page"]] == [Decimal("0.00")]


class QueryCountTests(ViewTestCase):
    def test_it_uses_the_same_number_of_queries_for_5_and_25_orders(self) -> None:
        cream = Product.objects.create(name="晚霜", sku="CREAM-01", price=Decimal("168.00"))
        self.login(self.bob)

        def add_orders(n: int) -> None:
            for i in range(n):
                customer = make_customer(self.bob if i % 2 else self.dave, f"客户{i}")
                order = self.order(customer, "paid" if i % 3 else "intent")
                order.lines.create(product=cream, quantity=2, unit_price=Decimal(160))

        counts = []
        for n in (5, 20):
            add_orders(n)
            with override_settings(YUTANG_PAGE_SIZE=50), CaptureQueriesContext(connection) as ctx:
                response = self.client.get("/orders/", {"q": "kh"})
            assert len(response.context["page"]) == Order.objects.count()
            counts.append(len(ctx.captured_queries))
        assert Order.objects.count() == 25
        assert counts[0] == counts[1]
        assert counts[0] <= 10


class DetailTests(ViewTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.customer = make_customer(self.bob, "小美")
        self.login(self.bob)
        self.client.cookies.load({"django_language": "en"})

    def test_it_shows_the_steps_and_the_next_step_buttons(self) -> None:
        agreed = timezone.now().replace(second=0, microsecond=0) - timedelta(days=3)
        order = self.order(self.customer, "intent", at=agreed)
        actions.change_order_status(
            order=order, status="paid", actor=self.bob, at=agreed + timedelta(hours=5)
        )
        response = self.client.get(f"/orders/{order.pk}/")
        html = response.content.decode()
        assert response.status_code == 200
        local = timezone.localtime(agreed)
        assert f"<time>{local:%Y-%m-%d %H:%M}</time>agreed (意向)" in html
        assert f"<time>{local + timedelta(hours=5):%Y-%m-%d %H:%M}</time>paid" in html
        for status in ("shipped", "signed", "completed", "refunded"):
            assert f'name="status" value="{status}"' in html, status
        for status in ("intent", "unpaid", "paid", "cancelled"):
            assert f'name="status" value="{status}"' not in html, status
        assert [s for s, _label in response.context["next_statuses"]] == [
            "shipped",
            "signed",
            "completed",
            "refunded",
        ]

    def test_it_offers_no_step_after_a_dead_end(self) -> None:
        order = self.order(self.customer, "unpaid")
        actions.change_order_status(order=order, status="cancelled", actor=self.bob)
        html = self.client.get(f"/orders/{order.pk}/").content.decode()
        assert "cancelled" in html
        assert 'name="status"' not in html and "Move to the next step:" not in html

    def test_it_flags_a_line_below_the_minimum_price(self) -> None:
        below = self.order(self.customer, unit_price=Decimal("87.99"))
        html = self.client.get(f"/orders/{below.pk}/").content.decode()
        assert html.count(">below min. price</span>") == 1
        for price in (Decimal("88.00"), None):
            order = self.order(self.customer, unit_price=price)
            html = self.client.get(f"/orders/{order.pk}/").content.decode()
            assert "below min. price" not in html, price

    def test_it_saves_the_shipping_details(self) -> None:
        order = self.order(self.customer, "paid")
        response = self.client.post(
            f"/orders/{order.pk}/shipping/", {"courier": "顺丰", "tracking_number": "SF1234"}
        )
        assert response.status_code == 302
        order.refresh_from_db()
        assert (order.courier, order.tracking_number) == ("顺丰", "SF1234")
        self.client.post(f"/orders/{order.pk}/shipping/", {"courier": "x" * 33})
        order.refresh_from_db()
        assert order.courier == "顺丰"


class ScopeTests(ViewTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.bobs_customer = make_customer(self.bob, "鲍勃的客户")
        self.bobs_order = self.order(self.bobs_customer, "paid")
        self.daves_order = self.order(make_customer(self.dave, "戴夫的客户"), "intent")
        self.charlies_order = self.order(make_customer(self.charlie, "查理的客户"), "intent")

    def test_it_answers_404_to_another_branch_on_every_page(self) -> None:
        self.login(self.charlie)
        pk, customer_pk = self.bobs_order.pk, self.bobs_customer.pk
        before = Order.objects.filter(pk=pk).values().get()
        assert self.client.get(f"/orders/{pk}/").status_code == 404
        assert self.client.post(f"/orders/{pk}/status/", {"status": "shipped"}).status_code == 404
        response = self.client.post(f"/orders/{pk}/shipping/", {"courier": "圆通"})
        assert response.status_code == 404
        assert self.client.get(f"/orders/new/{customer_pk}/").status_code == 404
        response = self.client.post(
            f"/orders/new/{customer_pk}/",
            {
                "status": "intent",
                "discount": "0",
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "0",
                "lines-0-product": self.mask.pk,
                "lines-0-quantity": "1",
            },
        )
        assert response.status_code == 404
        assert self.client.get(f"/orders/costs/new/{customer_pk}/").status_code == 404
        response = self.client.post(
            f"/orders/costs/new/{customer_pk}/",
            {"kind": "gift", "amount": "10", "on": "2025-06-01"},
        )
        assert response.status_code == 404
        assert Order.objects.filter(pk=pk).values().get() == before
        assert Order.objects.filter(customer=self.bobs_customer).count() == 1
        assert not CustomerCost.objects.exists()

    def test_it_answers_404_to_another_branch_in_the_api(self) -> None:
        pk = self.bobs_order.pk
        before = Order.objects.filter(pk=pk).values().get()
        assert self.api(self.charlie, "get", f"/api/orders/{pk}").status_code == 404
        response = self.api(self.charlie, "post", f"/api/orders/{pk}/status", {"status": "shipped"})
        assert response.status_code == 404
        assert "鲍勃的客户" not in response.content.decode()
        assert Order.objects.filter(pk=pk).values().get() == before

    def test_it_lists_only_the_own_branch(self) -> None:
        self.login(self.charlie)
        assert self.listed() == [self.charlies_order.pk]
        body = self.api(self.charlie, "get", "/api/orders").json()
        assert body["count"] == 1 and [o["id"] for o in body["items"]] == [self.charlies_order.pk]
        body = self.api(self.charlie, "get", f"/api/orders?customer={self.bobs_customer.pk}").json()
        assert body == {"items": [], "count": 0}

    def test_it_shows_the_downlines_orders_to_the_upline(self) -> None:
        self.login(self.bob)
        assert self.listed() == sorted([self.bobs_order.pk, self.daves_order.pk])
        ids = [o["id"] for o in self.api(self.bob, "get", "/api/orders").json()["items"]]
        assert sorted(ids) == sorted([self.bobs_order.pk, self.daves_order.pk])
        assert self.client.get(f"/orders/{self.daves_order.pk}/").status_code == 200
        assert self.api(self.bob, "get", f"/api/orders/{self.daves_order.pk}").status_code == 200
        # …but not the other way round.
        self.login(self.dave)
        assert self.listed() == [self.daves_order.pk]
        assert self.client.get(f"/orders/{self.bobs_order.pk}/").status_code == 404

    def test_it_shows_everything_to_the_owner_and_staff(self) -> None:
        every = sorted([self.bobs_order.pk, self.daves_order.pk, self.charlies_order.pk])
        for user in (self.alice, self.sam):
            self.login(user)
            assert self.listed() == every
            assert self.api(user, "get", "/api/orders").json()["count"] == 3


class DateFilterTests(BaseTestCase):
    def test_it_filters_orders_by_date_and_ignores_a_bad_date(self) -> None:
        product = Product.objects.create(name="面膜", sku="M", price=Decimal("10"))
        customer = make_customer(self.bob)
        for day in (1, 15):
            orders.place_order(
                customer=customer,
                seller=self.bob,
                actor=self.bob,
                at=datetime(2026, 3, day, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
                lines=[orders.LineInput(product=product, quantity=1)],
            )
        self.login(self.bob)
        page = self.client.get("/orders/", {"from": "2026-03-10"}).context["page"]
        assert [o.created.day for o in page] == [15]
        page = self.client.get("/orders/", {"to": "2026-03-10"}).context["page"]
        assert [o.created.day for o in page] == [1]
        assert len(self.client.get("/orders/", {"from": "2024-13-45"}).context["page"]) == 2
