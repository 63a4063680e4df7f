from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.orders.models import Order, Payment, Status
from yutang.orders.payments import refund_payment
from yutang.test import BaseTestCase, make_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
SAMPLES = Path(__file__).resolve().parents[2] / "lib" / "tests" / "fixtures" / "payments"
BILL = (SAMPLES / "wechat_csv_v2019-2025_utf8.csv").read_bytes()
# The sample's payers, in the bill's order (用户A's payment shares its id with another: refused).
PAYERS = ["同性好友", '打开拼多多，点击底部"多多视频"', '测试时间戳，点击底部"多多视频"',
          "赞赏作者的收款_20230623"]  # fmt: skip


class BillReviewTests(BaseTestCase):
    def setUp(self) -> None:
        self.mask = Product.objects.create(name="面膜", sku="MASK", price=Decimal("99"))

    def review(self) -> str:
        self.login(self.bob)
        response = self.client.post(
            "/import/",
            {"kind": "bill", "rule": "fill", "file": SimpleUploadedFile("b.csv", BILL)},
        )
        return response["Location"]

    def test_it_lists_each_payer_with_the_proposed_match(self) -> None:
        friend = make_customer(self.bob, "同性好友")
        review = self.review()
        with self.assertNumQueries(9):
            page = self.client.get(review)
        payers = page.context["payers"]
        assert [p["counterparty"] for p in payers] == PAYERS
        assert payers[0]["match"] == friend and payers[0]["chosen"] == f"c{friend.pk}"
        assert all(p["chosen"] == "new" for p in payers[1:])
        html = page.content.decode()
        assert "客户“同性好友”" in html and "不导入" in html

    def test_it_follows_the_users_choice_for_each_payer(self) -> None:
        make_customer(self.bob, "同性好友")
        wang = make_customer(self.dave, "王姐", phone="13800138000")
        review = self.review()
        response = self.client.post(
            review,
            {
                "commit": "1",
                "match-0": "new",
                "other-1": "13800138000",
                "match-2": "skip",
                "match-3": "new",
                "product": str(self.mask.pk),
            },  # fmt: skip
        )
        assert response.status_code == 302 and response["Location"] == "/customers/"
        # 同性好友 chose "new": a second customer of that name; 拼多多 went to 王姐; one left out.
        assert Customer.objects.filter(nickname="同性好友").count() == 2
        assert list(wang.payments.values_list("amount", flat=True)) == [Decimal("0.07")]
        assert Payment.objects.count() == 3
        assert not Payment.objects.filter(counterparty=PAYERS[2]).exists()
        # Each payment became a paid order of the product, at its price and time.
        order = wang.orders.get()
        assert order.status == Status.PAID and order.total() == Decimal("0.07")
        assert order.paid_at == wang.payments.get().occurred_at and order.payment_method == "wechat"
        assert Payment.objects.filter(order__isnull=True).count() == 0
        # The payment is on the customer's timeline, at the time it was paid.
        entry = wang.activities.get(kind="payment")
        assert entry.data["amount"] == "0.07" and entry.created == order.paid_at
        page = self.client.get(wang.get_absolute_url())
        assert "收到付款" in page.content.decode()

    def test_it_refuses_a_choice_it_cannot_resolve_and_writes_nothing(self) -> None:
        make_customer(self.bob, "阿美一号")
        make_customer(self.bob, "阿美二号")
        make_customer(self.charlie, "查理的客户", phone="13900139000")
        review = self.review()
        for other, message in [
            ("13900139000", "没有客户符合“13900139000”。"),  # charlie's: invisible to bob
            ("阿美", "有多个客户符合“阿美”：请填写手机号或微信号。"),
        ]:
            page = self.client.post(review, {"commit": "1", "other-0": other})
            assert page.status_code == 200 and message in page.content.decode()
            assert page.context["payers"][0]["other"] == other
        page = self.client.post(review, {"commit": "1", "product": "999"})
        assert "请从列表中选择一个商品。" in page.content.decode()
        assert not Payment.objects.exists() and Customer.objects.count() == 3

    def test_it_answers_in_english_when_asked(self) -> None:
        review = self.review()
        self.client.cookies["django_language"] = "en"
        page = self.client.post(review, {"commit": "1", "other-0": "nobody"})
        assert "No customer matches “nobody”." in page.content.decode()

    def test_it_keeps_the_review_to_the_uploader(self) -> None:
        review = self.review()
        self.login(self.charlie)
        assert self.client.get(review).status_code == 404
        assert self.client.post(review, {"commit": "1", "match-0": "new"}).status_code == 404
        assert not Payment.objects.exists()


class PaymentToOrderTests(BaseTestCase):
    def setUp(self) -> None:
        self.mask = Product.objects.create(name="面膜", sku="MASK", price=Decimal("99"))
        self.mei = make_customer(self.dave, "小美")
        self.payment = Payment.objects.create(
            source="alipay",
            transaction_id="2024052022001",
            customer=self.mei,
            occurred_at=datetime(2024, 5, 20, 10, 0, tzinfo=SHANGHAI),
            amount=Decimal("198.00"),
            counterparty="小美",
        )

    def test_it_turns_a_payment_into_a_paid_order(self) -> None:
        self.login(self.bob)
        page = self.client.get(self.mei.get_absolute_url())
        assert "记为订单" in page.content.decode()
        url = f"/payments/{self.payment.pk}/order/"
        response = self.client.post(url, {"product": ""}, follow=True)
        assert "请选择这笔付款买的商品。" in response.content.decode()
        assert not Order.objects.exists()
        self.client.post(url, {"product": str(self.mask.pk)})
        order = Order.objects.get()
        assert (order.customer, order.status, order.total()) == (self.mei, "paid", Decimal("198"))
        assert order.seller == self.bob and order.payment_method == "alipay"
        response = self.client.post(url, {"product": str(self.mask.pk)}, follow=True)
        assert "这笔付款已经属于一个订单。" in response.content.decode()
        assert Order.objects.count() == 1

    def test_it_lets_a_payment_pay_an_order_awaiting_it(self) -> None:
        from yutang.orders.actions import LineInput, place_order

        order = place_order(
            customer=self.mei, seller=self.bob, actor=self.bob, status=Status.UNPAID,
            lines=[LineInput(product=self.mask, quantity=2)],
            at=datetime(2024, 5, 19, 9, 0, tzinfo=SHANGHAI),
        )  # fmt: skip
        qiang = make_customer(self.bob, "阿强")
        other = place_order(customer=qiang, seller=self.bob, actor=self.bob,
                            lines=[LineInput(product=self.mask, quantity=1)])  # fmt: skip
        self.login(self.bob)
        url = f"/payments/{self.payment.pk}/attach/"
        response = self.client.post(url, {"order": str(other.pk)}, follow=True)
        assert "请选择这位客户的一个订单。" in response.content.decode()
        self.client.post(url, {"order": str(order.pk)})
        order.refresh_from_db()
        self.payment.refresh_from_db()
        assert self.payment.order == order and order.status == Status.PAID
        assert order.paid_at == self.payment.occurred_at

    def test_a_refund_reverses_the_order_the_payment_made(self) -> None:
        from yutang.orders.payments import order_from_payment

        order = order_from_payment(payment=self.payment, product=self.mask, actor=self.bob)
        refund_payment(
            payment=self.payment, at=datetime(2024, 5, 22, tzinfo=SHANGHAI), actor=self.bob
        )
        order.refresh_from_db()
        assert order.status == Status.REFUNDED and self.payment.refunded_at is not None

    def test_charlie_cannot_touch_bobs_payments(self) -> None:
        self.login(self.charlie)
        for action, data in [("order", {"product": self.mask.pk}), ("attach", {"order": 1})]:
            response = self.client.post(f"/payments/{self.payment.pk}/{action}/", data)
            assert response.status_code == 404
        assert self.client.get(f"/payments/{self.payment.pk}/order/").status_code in (404, 405)
        assert not Order.objects.exists()
