"""The orders pages for fulfilment (issue 18, item 14): the delivery details with one copy for
the courier's form, the list's status tabs with their counts, the to-ship queue with its ship
step, the listed total, the customer picker of a new order, and the order form's lines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.orders import actions
from yutang.orders.models import Order
from yutang.test import BaseTestCase, make_customer


class FulfilmentTestCase(BaseTestCase):
    max_queries: Callable[..., Any]

    @pytest.fixture(autouse=True)
    def _query_counter(self, django_assert_max_num_queries: Callable[..., Any]) -> None:
        self.max_queries = django_assert_max_num_queries

    def setUp(self) -> None:
        self.mask = Product.objects.create(name="玫瑰面膜", sku="MASK-01", price=Decimal("98.00"))
        self.cream = Product.objects.create(name="晚霜", sku="CREAM-01", price=Decimal("168.00"))
        self.mei = make_customer(
            self.bob,
            "小美",
            name="王美",
            phone="13800138000",
            province="浙江省",
            city="杭州市",
            district="西湖区",
            address="文三路 100 号",
        )
        self.login(self.bob)

    def order(
        self,
        customer: Customer,
        status: str = "paid",
        *,
        quantity: int = 1,
        seller: User | None = None,
        **kwargs: Any,
    ) -> Order:
        return actions.place_order(
            customer=customer,
            seller=seller or customer.owner,
            actor=seller or customer.owner,
            lines=[actions.LineInput(product=self.mask, quantity=quantity)],
            status=status,
            **kwargs,
        )

    def tabs(self, **params: str) -> dict[str, int]:
        response = self.client.get("/orders/", params)
        assert response.status_code == 200
        return {value: count for value, _label, count in response.context["tabs"]}


class StatusTabTests(FulfilmentTestCase):
    def setUp(self) -> None:
        super().setUp()
        li = make_customer(self.dave, "李四")
        self.order(self.mei, "unpaid")
        self.order(self.mei, "paid")
        self.order(li, "paid")
        self.order(li, "shipped")
        self.order(make_customer(self.charlie, "查理的客户"), "paid")

    def test_it_counts_the_orders_of_every_status_of_the_own_branch(self) -> None:
        tabs = self.tabs()
        assert tabs[""] == 4
        assert (tabs["unpaid"], tabs["paid"], tabs["shipped"], tabs["completed"]) == (1, 2, 1, 0)
        html = self.client.get("/orders/").content.decode()
        assert "全部 <b>4</b>" in html and "待付款 <b>1</b>" in html
        assert "待发货 <b>2</b>" in html and "已发货 <b>1</b>" in html

    def test_the_counts_follow_the_search_and_the_dates_but_not_the_tab(self) -> None:
        assert self.tabs(q="lisi") == {
            **dict.fromkeys(self.tabs(), 0),
            "": 2,
            "paid": 1,
            "shipped": 1,
        }
        assert self.tabs(status="shipped") == self.tabs()
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        assert self.tabs(**{"from": tomorrow})[""] == 0

    def test_a_tab_keeps_the_search_and_the_search_keeps_the_tab(self) -> None:
        html = self.client.get("/orders/", {"q": "lisi", "status": "paid"}).content.decode()
        assert 'href="?status=shipped&amp;q=lisi"' in html
        assert 'href="?q=lisi"' in html
        assert '<input type="hidden" name="status" value="paid">' in html

    def test_another_branch_counts_only_its_own(self) -> None:
        self.login(self.charlie)
        tabs = self.tabs()
        assert tabs[""] == 1 and tabs["paid"] == 1 and tabs["unpaid"] == 0
        self.login(self.alice)
        assert self.tabs()[""] == 5


class TotalTests(FulfilmentTestCase):
    def test_it_totals_the_listed_orders_without_the_cancelled_and_refunded(self) -> None:
        self.order(self.mei, "paid", quantity=2)  # 196
        self.order(self.mei, "unpaid", discount=Decimal("8"))  # 90
        cancelled = self.order(self.mei, "unpaid")
        actions.change_order_status(order=cancelled, status="cancelled", actor=self.bob)
        self.order(make_customer(self.dave, "李四"), "paid", quantity=3)  # 294
        self.order(make_customer(self.charlie, "查理的客户"), "paid", quantity=10)
        response = self.client.get("/orders/")
        assert response.context["total"] == Decimal("580.00")
        html = response.content.decode()
        assert "¥580.00" in html and "（不含已取消、已退款）" in html
        assert self.client.get("/orders/", {"status": "paid"}).context["total"] == Decimal("490")
        assert self.client.get("/orders/", {"q": "lisi"}).context["total"] == Decimal("294")
        # The tab of the cancelled orders totals them.
        assert self.client.get("/orders/", {"status": "cancelled"}).context["total"] == 98
        self.login(self.charlie)
        assert self.client.get("/orders/").context["total"] == Decimal("980.00")

    def test_an_empty_list_totals_zero(self) -> None:
        response = self.client.get("/orders/", {"q": "nobody"})
        assert response.context["total"] == 0
        assert "¥0.00" in response.content.decode()


class QueueTests(FulfilmentTestCase):
    def test_the_queue_holds_the_paid_orders_the_longest_waiting_first(self) -> None:
        now = timezone.now()
        late = self.order(self.mei, "paid", at=now - timedelta(hours=1))
        early = self.order(make_customer(self.dave, "李四"), "paid", at=now - timedelta(days=2))
        self.order(self.mei, "unpaid")
        self.order(self.mei, "shipped")
        self.order(make_customer(self.charlie, "查理的客户"), "paid")
        response = self.client.get("/orders/", {"status": "paid"})
        assert [o.pk for o, _form in response.context["rows"]] == [early.pk, late.pk]
        assert all(form is not None for _o, form in response.context["rows"])

    def test_each_row_shows_the_delivery_details_and_the_ship_step(self) -> None:
        order = self.order(self.mei, "paid")
        html = self.client.get("/orders/", {"status": "paid"}).content.decode()
        assert f'id="delivery-{order.pk}"' in html and f'data-copy="#delivery-{order.pk}"' in html
        assert (
            "王美" in html and "13800138000" in html and "浙江省杭州市西湖区文三路 100 号" in html
        )
        assert f'action="/orders/{order.pk}/status/"' in html
        assert f'id="id_o{order.pk}_ship-courier"' in html
        assert '<input type="hidden" name="next" value="/orders/?status=paid">' in html
        # The other tabs stay compact.
        html = self.client.get("/orders/").content.decode()
        assert "delivery-" not in html and "ship-courier" not in html

    def test_shipping_from_the_queue_returns_to_the_queue(self) -> None:
        order = self.order(self.mei, "paid")
        data = {
            "status": "shipped",
            "ship-courier": "顺丰",
            "ship-tracking_number": "SF100",
            "next": "/orders/?status=paid",
        }
        response = self.client.post(f"/orders/{order.pk}/status/", data)
        assert response.status_code == 302 and response["Location"] == "/orders/?status=paid"
        order.refresh_from_db()
        assert (order.status, order.courier, order.tracking_number) == ("shipped", "顺丰", "SF100")
        assert self.client.get("/orders/", {"status": "paid"}).context["rows"] == []

    def test_it_goes_nowhere_else_and_refuses_a_ship_step_without_its_number(self) -> None:
        order = self.order(self.mei, "paid")
        data = {"status": "shipped", "ship-courier": "顺丰", "ship-tracking_number": "SF1"}
        response = self.client.post(
            f"/orders/{order.pk}/status/", {**data, "next": "https://evil.example/"}
        )
        assert response["Location"] == f"/orders/{order.pk}/"
        other = self.order(self.mei, "paid")
        response = self.client.post(
            f"/orders/{other.pk}/status/",
            {**data, "ship-tracking_number": "", "next": "/orders/?status=paid"},
        )
        assert response.status_code == 422
        other.refresh_from_db()
        assert other.status == "paid"

    def test_another_branch_cannot_ship_from_its_queue(self) -> None:
        order = self.order(self.mei, "paid")
        self.login(self.charlie)
        assert self.client.get("/orders/", {"status": "paid"}).context["rows"] == []
        data = {"status": "shipped", "ship-courier": "其他", "next": "/orders/?status=paid"}
        assert self.client.post(f"/orders/{order.pk}/status/", data).status_code == 404
        order.refresh_from_db()
        assert order.status == "paid"


class ListQueryCountTests(FulfilmentTestCase):
    def test_the_list_and_the_queue_need_no_query_per_order(self) -> None:
        for i in range(25):
            customer = make_customer(self.bob if i % 2 else self.dave, f"客户{i}")
            order = self.order(customer, "paid" if i % 3 else "unpaid")
            order.lines.create(product=self.cream, quantity=2, unit_price=Decimal(160))
        for params in ({}, {"status": "paid"}, {"q": "kh", "from": "2020-01-01"}):
            # session, user, the counts and the total, the page count, the page, its lines
            with self.max_queries(6):
                response = self.client.get("/orders/", params)
            assert response.status_code == 200 and len(response.context["rows"]) > 10


class NewOrderPickerTests(FulfilmentTestCase):
    def test_the_list_offers_a_new_order(self) -> None:
        html = self.client.get("/orders/").content.decode()
        assert 'href="/orders/new/"' in html and "新建订单" in html

    def test_it_finds_the_visible_customers_by_pinyin_and_opens_their_order_form(self) -> None:
        daves = make_customer(self.dave, "王小丫")
        make_customer(self.charlie, "王大锤")
        response = self.client.get("/orders/new/", {"q": "wang"})
        assert response.status_code == 200
        assert {c.pk for c in response.context["results"]} == {self.mei.pk, daves.pk}
        html = response.content.decode()
        assert f'href="/orders/new/{self.mei.pk}/"' in html and "王大锤" not in html
        assert self.client.get(f"/orders/new/{self.mei.pk}/").status_code == 200
        self.login(self.charlie)
        names = [
            c.nickname for c in self.client.get("/orders/new/", {"q": "wang"}).context["results"]
        ]
        assert names == ["王大锤"]

    def test_it_finds_by_phone_and_answers_a_fragment_to_htmx(self) -> None:
        response = self.client.get("/orders/new/", {"q": "8000"}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert "<html" not in html and f'href="/orders/new/{self.mei.pk}/"' in html
        empty = self.client.get("/orders/new/", {"q": "nobody"}).content.decode()
        assert "没有找到客户" in empty
        assert self.client.get("/orders/new/").context["results"] == []
        for q in ("x" * 5000, "王\x00美"):
            assert self.client.get("/orders/new/", {"q": q}).status_code == 200, q
            assert self.client.get("/orders/", {"q": q}).status_code == 200, q


class OrderFormTests(FulfilmentTestCase):
    def post(self, lines: list[dict[str, str]], **fields: str) -> Any:
        data = {
            "status": "unpaid",
            "discount": "0",
            "lines-TOTAL_FORMS": str(len(lines)),
            "lines-INITIAL_FORMS": "0",
            **fields,
        }
        for i, line in enumerate(lines):
            data.update({f"lines-{i}-{k}": v for k, v in line.items()})
        return self.client.post(f"/orders/new/{self.mei.pk}/", data)

    def test_a_new_order_starts_as_awaiting_payment(self) -> None:
        response = self.client.get(f"/orders/new/{self.mei.pk}/")
        assert response.context["form"]["status"].value() == "unpaid"
        assert '<option value="unpaid" selected>待付款</option>' in response.content.decode()

    def test_it_offers_one_line_an_empty_line_template_and_the_prices(self) -> None:
        html = self.client.get(f"/orders/new/{self.mei.pk}/").content.decode()
        assert 'name="lines-TOTAL_FORMS" value="1"' in html
        assert '<template id="line-template">' in html and 'name="lines-__prefix__-product"' in html
        assert 'name="lines-0-DELETE"' in html
        assert f'value="{self.cream.pk}" data-price="168.00"' in html and "晚霜 · ¥168.00" in html
        assert 'id="order-total"' in html

    def test_it_saves_the_lines_left_and_skips_the_removed_ones(self) -> None:
        response = self.post(
            [
                {"product": str(self.mask.pk), "quantity": "2"},
                # Removed on the page, and wrong: it is ignored, not refused.
                {"product": str(self.cream.pk), "quantity": "0", "DELETE": "on"},
                {"product": str(self.cream.pk), "quantity": "1", "unit_price": "150"},
                {"product": "", "quantity": "1"},
            ]
        )
        assert response.status_code == 302
        order = Order.objects.get(customer=self.mei)
        assert [(line.product_id, line.quantity) for line in order.lines.all()] == [
            (self.mask.pk, 2),
            (self.cream.pk, 1),
        ]
        assert order.total() == Decimal("346.00") and order.status == "unpaid"

    def test_it_refuses_an_order_whose_lines_were_all_removed(self) -> None:
        response = self.post([{"product": str(self.mask.pk), "quantity": "1", "DELETE": "on"}])
        assert response.status_code == 200
        assert "订单至少要有一个商品。" in str(response.context["lines"].non_form_errors())
        assert not Order.objects.exists()

    def test_it_refuses_bad_quantities_prices_and_too_many_lines(self) -> None:
        product = str(self.mask.pk)
        for line in (
            {"product": product, "quantity": "0"},
            {"product": product, "quantity": "100001"},
            {"product": product, "quantity": "1.5"},
            {"product": product, "quantity": "1", "unit_price": "-1"},
            {"product": product, "quantity": "1", "unit_price": "10000000000"},
            {"product": product, "quantity": "1", "unit_price": "1.234"},
            {"product": "999999", "quantity": "1"},
        ):
            response = self.post([line])
            assert response.status_code == 200, line
            assert response.context["lines"].total_error_count(), line
        response = self.post([{"product": product, "quantity": "1"}] * 51)
        assert response.status_code == 200 and response.context["lines"].non_form_errors()
        response = self.post([{"product": product, "quantity": "1"}], **{"discount": "-5"})
        assert response.status_code == 200
        response = self.client.post(
            f"/orders/new/{self.mei.pk}/",
            {"status": "unpaid", "discount": "0", "lines-TOTAL_FORMS": "999999999"},
        )
        assert response.status_code == 200
        assert not Order.objects.exists()


class DeliveryTests(FulfilmentTestCase):
    def test_an_order_keeps_the_address_of_the_day_it_was_placed(self) -> None:
        order = self.order(self.mei)
        Customer.objects.filter(pk=self.mei.pk).update(
            address="新地址 1 号", phone="13900139000", name="王小美"
        )
        order = Order.objects.select_related("customer").get(pk=order.pk)
        assert order.delivery_text() == "王美 13800138000 浙江省杭州市西湖区文三路 100 号"

    def test_the_order_page_shows_them_with_one_copy_for_the_courier(self) -> None:
        order = self.order(self.mei)
        html = self.client.get(f"/orders/{order.pk}/").content.decode()
        assert "收货信息" in html
        assert (
            f'<p class="deliverytext" id="delivery-{order.pk}"><b>王美</b> '
            '<a href="tel:13800138000">13800138000</a> 浙江省杭州市西湖区文三路 100 号</p>'
        ) in html
        assert f'data-copy="#delivery-{order.pk}"' in html and "复制姓名、电话、地址" in html
        assert "快递下单两样都要" not in html

    def test_an_order_from_before_shows_the_customers_and_says_what_is_missing(self) -> None:
        order = self.order(make_customer(self.bob, "阿花"))
        assert (order.recipient_name, order.recipient_phone, order.recipient_address) == (
            "阿花",
            "",
            "",
        )
        old = self.order(self.mei)
        Order.objects.filter(pk=old.pk).update(
            recipient_name="", recipient_phone="", recipient_address=""
        )
        old = Order.objects.select_related("customer").get(pk=old.pk)
        assert old.delivery_text() == "王美 13800138000 浙江省杭州市西湖区文三路 100 号"
        html = self.client.get(f"/orders/{order.pk}/").content.decode()
        assert "<b>阿花</b>" in html and "还缺电话和地址，快递下单两样都要。" in html
        assert f'href="/customers/{order.customer_id}/edit/"' in html
        # What the order lacks, the customer's record fills in once the seller adds it there.
        Customer.objects.filter(pk=order.customer_id).update(address="文一路 8 号")
        html = self.client.get(f"/orders/{order.pk}/").content.decode()
        assert "文一路 8 号" in html and "还缺电话，快递下单要填。" in html

    def test_the_form_fills_them_from_the_customer_and_saves_what_the_seller_changed(self) -> None:
        form = self.client.get(f"/orders/new/{self.mei.pk}/").context["form"]
        assert form["recipient_name"].value() == "王美"
        assert form["recipient_phone"].value() == "13800138000"
        assert form["recipient_address"].value() == "浙江省杭州市西湖区文三路 100 号"
        response = OrderFormTests.post(
            self,  # type: ignore[arg-type]
            [{"product": str(self.mask.pk), "quantity": "1"}],
            recipient_name="王美的妈妈",
            recipient_phone="139 0013 9000",
            recipient_address="上海市浦东新区世纪大道 1 号",
        )
        assert response.status_code == 302
        order = Order.objects.get()
        assert order.delivery_text() == "王美的妈妈 139 0013 9000 上海市浦东新区世纪大道 1 号"

    def test_it_refuses_delivery_details_the_database_cannot_keep(self) -> None:
        line = [{"product": str(self.mask.pk), "quantity": "1"}]
        for field, value in (
            ("recipient_name", "名" * 65),
            ("recipient_name", "王\x00美"),
            ("recipient_phone", "1" * 21),
            ("recipient_phone", "call me"),
            ("recipient_address", "路" * 301),
            ("recipient_address", "文三路\x00"),
        ):
            response = OrderFormTests.post(self, line, **{field: value})  # type: ignore[arg-type]
            assert response.status_code == 200, field
            assert response.context["form"].errors[field], (field, value)
        assert not Order.objects.exists()

    def test_the_api_answers_them_and_takes_them(self) -> None:
        order = self.order(self.mei)
        body = self.api(self.bob, "get", f"/api/orders/{order.pk}").json()
        assert (body["recipient_name"], body["recipient_phone"]) == ("王美", "13800138000")
        assert body["recipient_address"] == "浙江省杭州市西湖区文三路 100 号"
        assert body["courier"] == "" and body["tracking_number"] == ""
        payload = {
            "customer": self.mei.pk,
            "lines": [{"product": "MASK-01", "quantity": 1}],
            "recipient_address": "上海市浦东新区世纪大道 1 号",
        }
        body = self.api(self.bob, "post", "/api/orders", payload).json()
        assert body["recipient_address"] == "上海市浦东新区世纪大道 1 号"
        assert body["recipient_name"] == "王美"
        response = self.api(
            self.bob, "post", "/api/orders", {**payload, "recipient_name": "x" * 65}
        )
        assert response.status_code == 422 and "recipient_name" in response.json()["errors"]
