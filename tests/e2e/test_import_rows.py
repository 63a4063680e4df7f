from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.customers.models import Customer
from yutang.orders.models import Payment
from yutang.test import PASSWORD

from .test_customer_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)
BILL = (
    Path(__file__).resolve().parents[2]
    / "yutang/lib/tests/fixtures/payments/wechat_csv_v2019-2025_utf8.csv"
)


def upload_customers(page: Any, base: str, path: Path) -> None:
    page.goto(f"{base}/import/")
    page.select_option("#id_kind", "customers")
    page.set_input_files("#id_file", str(path))
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/import/customers/[0-9a-f-]+/$"))


def test_a_bill_uploaded_as_customers_goes_in_as_a_bill(live_server: Any, phone: Any) -> None:
    base = live_server.url
    create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    log_in(phone, base, "bob")
    upload_customers(phone, base, BILL)
    assert "这是一份账单，要按账单导入吗？" in phone.inner_text("#is-a-bill")
    assert phone.locator("button[name=as_bill]").bounding_box()["height"] >= 44
    phone.click("button[name=as_bill]")
    phone.wait_for_url(re.compile(r"/import/bill/[0-9a-f-]+/$"))
    phone.click("button.primary:has-text('导入')")
    phone.wait_for_url(f"{base}/customers/")
    assert "导入完成" in phone.inner_text(".messages")
    assert Payment.objects.exists()


def test_the_rejected_rows_download_and_a_refused_commit(
    live_server: Any, phone: Any, tmp_path: Path
) -> None:
    base = live_server.url
    create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    sheet = tmp_path / "客户.csv"
    sheet.write_text("昵称,手机,微信号\n小美,13800138000,微信同号\n坏号码,15412345678,\n")
    log_in(phone, base, "bob")
    upload_customers(phone, base, sheet)
    assert "号段不存在" in phone.inner_text("table.compare")
    with phone.expect_download() as download:
        phone.click("text=下载被拒绝的行")
    data = Path(download.value.path()).read_bytes()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["昵称", "手机", "微信号", "原因"] and rows[1][0] == "坏号码"
    phone.click("button[name=commit]")
    assert "有些行被拒绝" in phone.inner_text(".messages")
    phone.check("input[name=accept_all]")
    phone.click("button[name=commit]")
    phone.wait_for_url(f"{base}/customers/")
    assert list(Customer.objects.values_list("wechat_id", flat=True)) == ["13800138000"]
