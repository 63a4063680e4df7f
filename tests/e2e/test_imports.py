from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.orders.models import Payment
from yutang.test import PASSWORD, make_customer

from .test_customer_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 30000
BILL = (
    Path(__file__).resolve().parents[2]
    / "yutang/lib/tests/fixtures/payments/wechat_xlsx_v2026-03.xlsx"
)


def test_it_imports_a_wechat_bill_on_a_phone(live_server: Any, phone: Any) -> None:
    base = live_server.url
    bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    friend = make_customer(bob, "同性好友")
    Product.objects.create(name="补水面膜", sku="MASK", price=Decimal("99"))
    log_in(phone, base, "bob")
    phone.goto(f"{base}/import/")
    phone.select_option("#id_kind", "bill")
    phone.set_input_files("#id_file", str(BILL))
    phone.click("button.primary")
    phone.wait_for_url(re.compile(r"/import/bill/[0-9a-f-]+/$"))
    # The payer 同性好友 is matched to the customer of that name; the others would be new.
    assert phone.locator(".payer").count() == 4
    assert phone.input_value("#match-0") == f"c{friend.pk}"
    assert phone.input_value("#match-1") == "new"
    phone.select_option("#match-2", "skip")
    phone.select_option("#product", label="补水面膜")
    phone.click("button.primary:has-text('导入')")
    phone.wait_for_url(f"{base}/customers/")
    assert "导入完成" in phone.inner_text(".messages")
    assert Payment.objects.count() == 3 and Payment.objects.filter(order__isnull=True).count() == 0
    phone.goto(f"{base}/customers/{friend.pk}/")
    timeline = phone.inner_text(".timeline")
    assert "收到付款" in timeline and "¥0.35" in timeline
    assert "账单里的付款" in phone.inner_text("#orders")


@override_settings(YUTANG_IMPORT_BACKGROUND_BYTES=0)
def test_it_shows_the_progress_of_a_large_customer_import(live_server: Any, phone: Any) -> None:
    base = live_server.url
    create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    rows = "".join(f"客户{i},139{i:08d},广东省深圳市南山区科苑路{i}号\n" for i in range(ROWS))
    log_in(phone, base, "bob")
    phone.goto(f"{base}/import/")
    phone.set_input_files(
        "#id_file",
        files=[
            {
                "name": "big.csv",
                "mimeType": "text/csv",
                "buffer": ("昵称,手机,地址\n" + rows).encode(),
            }
        ],  # fmt: skip
    )
    phone.click("button.primary")
    phone.wait_for_url(re.compile(r"/import/customers/[0-9a-f-]+/$"))
    # The check runs in the background; the page follows it and then shows the dry run.
    assert "正在检查文件" in phone.inner_text("h1")
    phone.wait_for_selector("progress.jobbar")
    phone.wait_for_selector("dl.facts", timeout=120_000)
    assert str(ROWS) in phone.inner_text(".facts")
    phone.click("button.primary:has-text('导入')")
    phone.wait_for_selector("progress.jobbar")
    assert "正在导入" in phone.inner_text("h1")
    phone.wait_for_url(f"{base}/customers/", timeout=180_000)
    assert Customer.objects.count() == ROWS
