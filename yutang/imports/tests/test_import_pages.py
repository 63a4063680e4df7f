from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from yutang.customers.models import Customer
from yutang.orders.models import Payment
from yutang.test import BaseTestCase

SAMPLES = Path(__file__).resolve().parents[2] / "lib" / "tests" / "fixtures" / "payments"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


class ImportPageTests(BaseTestCase):
    def test_it_checks_then_imports_customers(self) -> None:
        self.login(self.bob)
        assert self.client.get("/import/").status_code == 200
        csv = "客户名,手机,备注\n小美,13800138000,老客户\n坏的,12345,\n".encode()
        response = self.client.post(
            "/import/", {"kind": "customers", "rule": "fill", "file": upload("a.csv", csv)}
        )
        assert response.status_code == 302
        review = response["Location"]
        page = self.client.get(review)
        # 客户名 is no name we know: the user points it out in the mapping.
        assert page.context["summary"] is None and "昵称" in page.content.decode()
        mapping = {"map-nickname": "0", "map-phone": "1", "map-notes": "2"}
        page = self.client.post(review, mapping, follow=True)
        summary = page.context["summary"]
        assert summary["created"] == 1 and summary["rejected"][0]["row"] == 3
        assert "不是有效的手机号" in page.content.decode()
        assert [p["nickname"] for p in page.context["preview"]] == ["小美"]
        assert not Customer.objects.exists()
        # The mapping is kept: the page shows it again, and the commit uses it.
        assert ("nickname", "昵称", 0) in page.context["fields"]
        page = self.client.post(review, {**mapping, "commit": "1"}, follow=True)
        assert page.redirect_chain[-1][0] == review and not Customer.objects.exists()
        assert "有些行被拒绝" in page.content.decode()
        response = self.client.post(review, {**mapping, "commit": "1", "accept_all": "1"})
        assert response.status_code == 302 and response["Location"] == "/customers/"
        assert list(Customer.objects.values_list("nickname", "notes")) == [("小美", "老客户")]

    def test_it_refuses_a_bad_file_with_a_message(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            "/import/",
            {"kind": "customers", "rule": "fill", "file": upload("a.csv", b"")},
            follow=True,
        )
        assert "文件" in response.content.decode()
        response = self.client.post(
            "/import/",
            {"kind": "bill", "rule": "fill", "file": upload("a.csv", "昵称\n小美\n".encode())},
            follow=True,
        )
        assert "账单" in response.content.decode()
        assert not Customer.objects.exists()

    def test_it_imports_a_bill_after_review(self) -> None:
        self.login(self.bob)
        data = (SAMPLES / "alipay_app_v2023_gbk.csv").read_bytes()
        response = self.client.post(
            "/import/", {"kind": "bill", "rule": "fill", "file": upload("bill.csv", data)}
        )
        review = response["Location"]
        page = self.client.get(review)
        assert page.context["summary"]["incoming_total"] == "222228.50"
        self.client.post(review, {"commit": "1", "accept_all": "1"})
        assert Payment.objects.count() == 1
        assert Payment.objects.get().customer is not None

    def test_it_keeps_each_users_upload_to_themselves(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            "/import/",
            {"kind": "customers", "rule": "fill", "file": upload("a.csv", "昵称\n小美\n".encode())},
        )
        token = response["Location"].split("/")[3]
        self.login(self.charlie)
        assert self.client.get(f"/import/customers/{token}/").status_code == 404
        assert self.client.post(f"/import/customers/{token}/", {"commit": "1"}).status_code == 404
        assert self.client.get("/import/customers/not-a-token/").status_code == 404
        assert not Customer.objects.exists()


class OrderImportPageTests(BaseTestCase):
    def test_it_checks_then_imports_orders(self) -> None:
        from decimal import Decimal

        from yutang.catalog.models import Product
        from yutang.orders.models import Order
        from yutang.test import make_customer

        Product.objects.create(name="面膜", sku="MASK", price=Decimal("99"))
        make_customer(self.bob, "小美", phone="13800138000")
        self.login(self.bob)
        csv = "手机,商品,数量\n13800138000,MASK,2\n".encode()
        response = self.client.post(
            "/import/", {"kind": "orders", "rule": "fill", "file": upload("o.csv", csv)}
        )
        review = response["Location"]
        assert self.client.get(review).context["summary"]["created"] == 1
        self.client.post(review, {"commit": "1"})
        assert Order.objects.get().total() == Decimal("198")
        self.login(self.charlie)
        assert self.client.get(review).status_code == 404
