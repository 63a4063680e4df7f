"""Every lookup an import makes starts from what the importing user may see: a refund, a
transaction id, an order number or a tag of another branch is neither touched nor confirmed."""

from __future__ import annotations

import dataclasses
import io
import json
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Model

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.models import Activity, Customer, Tag
from yutang.imports.bill_file import commit_bill, plan_bill
from yutang.orders.models import Order, Payment, Status
from yutang.orders.payments import order_from_payment
from yutang.test import BaseTestCase, make_customer, make_tag

SHANGHAI = ZoneInfo("Asia/Shanghai")
BILL_HEAD = (
    "微信支付账单明细,,,,,,,,,,\n,,,,,,,,,,\n"
    "----------------------微信支付账单明细列表--------------------,,,,,,,,,,\n"
    "交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注\n"
)
PAYMENT_ROW = "2024-05-20 10:00:00,转账,小美,/,收入,¥198.00,/,已收钱,100001,/,/\n"
# The seller paid 小美's 198 back: it reverses the payment of that counterparty and amount.
REFUND_ROW = "2024-05-22 10:00:00,转账-退款,小美,/,支出,¥198.00,零钱,已退款,100002,/,/\n"


def wechat_bill(*rows: str) -> bytes:
    return (BILL_HEAD + "".join(rows)).encode()


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Everything an import could change, to compare before and after."""
    models: list[type[Model]] = [Payment, Order, Customer, Activity, Tag]
    return {m.__name__: list(m._default_manager.order_by("pk").values()) for m in models}


class ImportScopingTestCase(BaseTestCase):
    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)
        self.mask = Product.objects.create(name="面膜", sku="MASK", price=Decimal("99"))

    def api_import(
        self, user: User, kind: str, content: bytes, *, accept_all: bool = True
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Upload and commit through the API: the dry run's result and the commit's (with
        `"committed": False` when rows were rejected and `accept_all` is false)."""
        headers = self.bearer(user)
        if self.api_language:
            headers["Accept-Language"] = self.api_language
        upload = self.client.post(
            "/api/imports",
            {"kind": kind, "file": SimpleUploadedFile("f.csv", content)},
            headers=headers,
        )
        assert upload.status_code == 201, upload.content
        job = upload.json()
        commit = self.client.post(
            f"/api/imports/{job['id']}/commit",
            {"accept_all": accept_all},
            content_type="application/json",
            headers=headers,
        )
        assert commit.status_code == 200, commit.content
        return job["result"], commit.json()["result"]

    def page_import(self, user: User, kind: str, content: bytes) -> tuple[dict[str, Any], str]:
        """Upload, review and commit through the pages: the review's summary and its HTML."""
        self.login(user)
        response = self.client.post(
            "/import/",
            {"kind": kind, "rule": "fill", "file": SimpleUploadedFile("f.csv", content)},
        )
        review = response["Location"]
        page = self.client.get(review)
        summary, html = page.context["summary"], page.content.decode()
        response = self.client.post(review, {"commit": "1", "accept_all": "1"})
        assert response.status_code == 302 and response["Location"] != review
        return summary, html

    def cli_import(self, user: User, kind: str, content: bytes) -> dict[str, Any]:
        path = self.folder / "f.csv"
        path.write_bytes(content)
        out = io.StringIO()
        call_command(
            "import", kind, str(path), "--as", user.username, "--json", "--accept-all", stdout=out
        )
        return json.loads(out.getvalue())


class RefundScopingTests(ImportScopingTestCase):
    """A refund in a bill reverses a payment the importer may see, never another branch's."""

    def setUp(self) -> None:
        super().setUp()
        self.mei = make_customer(self.bob, "小美")
        self.payment = Payment.objects.create(
            source="wechat",
            transaction_id="100001",
            customer=self.mei,
            occurred_at=datetime(2024, 5, 20, 10, 0, tzinfo=SHANGHAI),
            amount=Decimal("198.00"),
            counterparty="小美",
            imported_by=self.bob,
        )
        self.order = order_from_payment(payment=self.payment, product=self.mask, actor=self.bob)

    def assert_reversed(self) -> None:
        self.payment.refresh_from_db()
        self.order.refresh_from_db()
        assert self.payment.refunded_at == datetime(2024, 5, 22, 10, 0, tzinfo=SHANGHAI)
        assert self.order.status == Status.REFUNDED

    def test_it_leaves_bobs_payment_alone_when_charlie_commits_a_refund_through_the_api(
        self,
    ) -> None:
        make_customer(self.charlie, "小美")  # charlie's own 小美 paid him nothing
        before = snapshot()
        _dry, result = self.api_import(self.charlie, "bill", wechat_bill(REFUND_ROW))
        assert result["reversed"] == 0
        assert snapshot() == before
        assert self.order.status == Status.PAID and Order.objects.get().status == Status.PAID

    def test_it_leaves_bobs_payment_alone_when_charlie_commits_a_refund_through_the_page(
        self,
    ) -> None:
        before = snapshot()
        self.page_import(self.charlie, "bill", wechat_bill(REFUND_ROW))
        assert snapshot() == before

    def test_it_leaves_bobs_payment_alone_when_charlie_imports_a_refund_on_the_command_line(
        self,
    ) -> None:
        before = snapshot()
        assert self.cli_import(self.charlie, "bill", wechat_bill(REFUND_ROW))["reversed"] == 0
        assert snapshot() == before

    def test_it_leaves_bobs_payment_alone_for_a_refund_naming_its_id(self) -> None:
        # Alipay refunds name the payment they refund (`refund_of`); it is looked up the same way.
        path = self.folder / "refund.csv"
        path.write_bytes(wechat_bill(REFUND_ROW))
        plan = plan_bill(path, user=self.charlie)
        plan.refunds = [dataclasses.replace(plan.refunds[0], refund_of="100001")]
        before = snapshot()
        assert commit_bill(plan, user=self.charlie, create_customers=True)["reversed"] == 0
        assert snapshot() == before
        plan = plan_bill(path, user=self.bob)
        plan.refunds = [dataclasses.replace(plan.refunds[0], refund_of="100001")]
        assert commit_bill(plan, user=self.bob, create_customers=True)["reversed"] == 1
        self.assert_reversed()

    def test_it_reverses_charlies_own_payment_and_not_bobs(self) -> None:
        # charlie's 小美 paid the same the day before: the refund is his, not bob's later one.
        _dry, result = self.api_import(
            self.charlie,
            "bill",
            wechat_bill(REFUND_ROW, PAYMENT_ROW.replace("2024-05-20", "2024-05-19")),
        )
        assert (result["created"], result["reversed"]) == (1, 1)
        charlies = Payment.objects.get(imported_by=self.charlie)
        assert charlies.customer is not None and charlies.customer.owner == self.charlie
        assert charlies.refunded_at is not None
        self.payment.refresh_from_db()
        self.order.refresh_from_db()
        assert self.payment.refunded_at is None and self.order.status == Status.PAID

    def test_it_still_reverses_bobs_payment_for_bob(self) -> None:
        _dry, result = self.api_import(self.bob, "bill", wechat_bill(REFUND_ROW))
        assert result["reversed"] == 1
        self.assert_reversed()

    def test_it_still_reverses_bobs_payment_for_the_owner(self) -> None:
        self.page_import(self.alice, "bill", wechat_bill(REFUND_ROW))
        self.assert_reversed()


class ReferenceScopingTests(ImportScopingTestCase):
    """A transaction id or an order number counts as imported when it is among what the importer
    may see (or imported it): another branch's neither blocks the importer nor is confirmed."""

    def test_it_gives_charlie_his_own_payment_for_a_transaction_id_bob_imported(self) -> None:
        mei = make_customer(self.bob, "小美")
        bill = wechat_bill(PAYMENT_ROW)
        self.api_import(self.bob, "bill", bill)
        bobs = Payment.objects.get()
        assert bobs.customer == mei
        bobs_before = list(Payment.objects.filter(pk=bobs.pk).values())
        charlies_mei = make_customer(self.charlie, "小美")
        dry, result = self.api_import(self.charlie, "bill", bill)
        # Nothing says the id was seen before: the same answer as for a bill nobody imported.
        for answer in (dry, result):
            assert (answer["created"], answer["merged"], answer["matched"]) == (1, 0, 1)
        charlies = Payment.objects.get(imported_by=self.charlie)
        assert charlies.customer == charlies_mei and charlies.transaction_id == "100001"
        assert list(Payment.objects.filter(pk=bobs.pk).values()) == bobs_before
        assert list(mei.activities.values_list("kind", flat=True)) == ["payment"]
        # The owner sees both: the same bill again counts nothing twice.
        before = snapshot()
        dry, result = self.api_import(self.alice, "bill", bill)
        assert (dry["created"], dry["merged"]) == (0, 1) and result["created"] == 0
        # And each agent's second import changes nothing either.
        assert self.cli_import(self.bob, "bill", bill)["created"] == 0
        assert self.cli_import(self.charlie, "bill", bill)["created"] == 0
        assert snapshot() == before

    def test_it_counts_a_payment_bob_imported_as_imported_after_its_customer_left(
        self,
    ) -> None:
        mei = make_customer(self.bob, "小美")
        bill = wechat_bill(PAYMENT_ROW)
        self.api_import(self.bob, "bill", bill)
        Customer.objects.filter(pk=mei.pk).update(owner=self.charlie)
        dry, result = self.api_import(self.bob, "bill", bill)
        assert (dry["created"], dry["merged"], result["created"]) == (0, 1, 0)
        assert Payment.objects.count() == 1

    def test_it_gives_charlie_his_own_order_for_an_order_number_bob_imported(self) -> None:
        mei = make_customer(self.bob, "小美", phone="13800138000")
        bobs_file = "订单号,手机,商品\nA1,13800138000,MASK\n".encode()
        self.api_import(self.bob, "orders", bobs_file)
        bobs = Order.objects.get()
        assert (bobs.customer, bobs.import_ref) == (mei, "no:A1")
        bobs_before = list(Order.objects.filter(pk=bobs.pk).values())
        fang = make_customer(self.charlie, "阿芳", phone="13900139000")
        charlies_file = "订单号,手机,商品\nA1,13900139000,MASK\n".encode()
        summary, _html = self.page_import(self.charlie, "orders", charlies_file)
        assert (summary["created"], summary["unchanged"], summary["merged"]) == (1, 0, 0)
        charlies = Order.objects.get(seller=self.charlie)
        assert (charlies.customer, charlies.import_ref) == (fang, "no:A1")
        assert list(Order.objects.filter(pk=bobs.pk).values()) == bobs_before
        # The owner sees both; each file again changes nothing, for anyone who imports it.
        before = snapshot()
        for user, content in [(self.alice, bobs_file), (self.alice, charlies_file),
                              (self.bob, bobs_file), (self.charlie, charlies_file)]:  # fmt: skip
            result = self.cli_import(user, "orders", content)
            assert (result["created"], result["unchanged"]) == (0, 1), user
        assert snapshot() == before

    def test_it_never_twins_an_order_bob_imported_after_its_customer_left(self) -> None:
        mei = make_customer(self.bob, "小美", phone="13800138000")
        make_customer(self.bob, "阿强", phone="13700137000")
        self.cli_import(self.bob, "orders", "订单号,手机,商品\nA1,13800138000,MASK\n".encode())
        Customer.objects.filter(pk=mei.pk).update(owner=self.charlie)
        before = snapshot()
        _dry, result = self.api_import(
            self.bob, "orders", "订单号,手机,商品\nA1,13700137000,MASK\n".encode()
        )
        assert (result["created"], result["unchanged"]) == (0, 1)
        assert snapshot() == before


REFUSED = "没有“{}”这个标签：只有店主可以添加标签，请联系店主添加，或选用已有的标签。"
REFUSED_MANY = "没有这些标签：{}。只有店主可以添加标签，请联系店主添加，或选用已有的标签。"


class ImportedTagTests(ImportScopingTestCase):
    """Only the owner adds tags, through the API as through an import."""

    def setUp(self) -> None:
        super().setUp()
        make_tag("宝妈")

    def test_it_refuses_a_new_tag_from_an_agent_or_staff_with_its_row_and_column(self) -> None:
        for user in (self.bob, self.sam):
            sheet = f"昵称,手机,标签\n{user}的小美,,宝妈\n{user}的阿强,,宝妈 新标签 护肤 新标签\n"
            before = snapshot()
            dry, result = self.api_import(user, "customers", sheet.encode(), accept_all=False)
            assert (
                dry["rejected"]
                == result["rejected"]
                == [
                    # One cell, one rejection, naming each unknown tag once.
                    {"row": 3, "column": "标签", "reason": REFUSED_MANY.format("“新标签” “护肤”")},
                ]
            )
            assert result["committed"] is False and snapshot() == before
            _dry, result = self.api_import(user, "customers", sheet.encode(), accept_all=True)
            assert result["created"] == 1
            assert list(Tag.objects.values_list("name", flat=True)) == ["宝妈"]
            mei = Customer.objects.get(nickname=f"{user}的小美")
            assert [t.name for t in mei.tags.all()] == ["宝妈"]
            assert not Customer.objects.filter(nickname=f"{user}的阿强").exists()

    def test_it_refuses_a_new_tag_on_the_page(self) -> None:
        before = snapshot()
        sheet = "昵称,标签\n小美,新标签\n".encode()
        summary, html = self.page_import(self.dave, "customers", sheet)
        assert summary["rejected"] == [
            {"row": 2, "column": "标签", "reason": REFUSED.format("新标签")}
        ]
        assert REFUSED.format("新标签") in html
        assert snapshot() == before

    def test_it_refuses_a_new_tag_in_english_too(self) -> None:
        self.api_language = "en"
        dry, _result = self.api_import(self.bob, "customers", "昵称,标签\n小美,x\n".encode())
        assert dry["rejected"][0]["reason"] == (
            "Unknown tag “x”: only the owner can add tags; ask the owner or choose an existing tag."
        )

    def test_it_lets_the_owner_add_tags_by_import(self) -> None:
        dry, result = self.api_import(
            self.alice, "customers", "昵称,标签\n小美,宝妈 新标签\n".encode()
        )
        assert dry["rejected"] == [] and result["created"] == 1
        new = Tag.objects.get(name="新标签")
        assert new.group.name == "自定义"
        mei = Customer.objects.get()
        assert sorted(t.name for t in mei.tags.all()) == ["宝妈", "新标签"]

    def test_the_import_and_the_api_agree_on_who_adds_tags(self) -> None:
        for user in (self.alice, self.sam, self.bob, self.dave, self.charlie):
            sheet = f"昵称,标签\n{user}的客户,{user}的新标签\n".encode()
            dry, _result = self.api_import(user, "customers", sheet, accept_all=False)
            response = self.api(
                user, "post", "/api/tags", {"name": f"{user}的标签", "group": "自定义"}
            )
            assert response.status_code == (201 if user == self.alice else 403), user
            assert (dry["rejected"] == []) == (response.status_code == 201), user


class CustomerLookupScopingTests(ImportScopingTestCase):
    def test_it_says_another_agent_holds_a_phone_without_asking_charlie_to_merge(self) -> None:
        make_customer(self.bob, "小美", phone="13800138000")
        make_customer(self.charlie, "阿芳", wechat_id="afang_88")
        before = snapshot()
        sheet = "昵称,手机,微信号\n阿芳,13800138000,afang_88\n".encode()
        dry, result = self.api_import(self.charlie, "customers", sheet)
        assert dry["rejected"] == [{"row": 2, "column": "手机", "reason": "已被其他代理报备"}]
        assert result["rejected"] == dry["rejected"] and "小美" not in json.dumps(dry)
        assert snapshot() == before
