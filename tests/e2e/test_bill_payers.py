"""A bill whose payer's nickname is shared by two customers, on a phone (390×844): the review
asks which one paid, refuses to import until it is answered, and then says what went in."""

from __future__ import annotations

import re
from typing import Any

import pytest

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.customers.models import Customer
from yutang.imports.tests.bills import wechat_bill
from yutang.orders.models import Payment
from yutang.test import PASSWORD, make_customer

from .test_customer_flow import log_in
from .test_customer_form_phone import shot

pytestmark = pytest.mark.django_db(transaction=True)
BILL = wechat_bill(
    ("小美", "99.00", "05"),
    ("新客一", "1.00", "06"),
    ("小美", "10.00", "07"),
    ("新客二", "2.00", "08"),
    ("新客三", "3.00", "09"),
)


def upload(page: Any, base: str) -> None:
    page.goto(f"{base}/import/")
    page.select_option("#id_kind", "bill")
    page.set_input_files(
        "#id_file", files=[{"name": "账单.csv", "mimeType": "text/csv", "buffer": BILL}]
    )
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/import/bill/[0-9a-f-]+/$"))


def test_it_asks_which_customer_paid_before_importing(
    live_server: Any, phone: Any, browser: Any
) -> None:
    base = live_server.url
    bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    charlie = create_user(username="charlie", role=Role.AGENT, password=PASSWORD)
    older = make_customer(bob, "小美", phone="13800138001")
    newer = make_customer(bob, "小美", wechat_id="mei_2")
    make_customer(charlie, "小美", phone="13900139999")
    log_in(phone, base, "bob")
    upload(phone, base)
    mei = phone.locator(".payer.choose")
    assert mei.count() == 1 and "请选择：有 2 位客户符合" in mei.inner_text()
    assert phone.input_value("#match-0") == ""
    options = phone.locator("#match-0 option").all_inner_texts()
    assert options[0] == "— 是哪位客户付的款？ —"
    assert any("尾号8001" in o for o in options) and any("mei_2" in o for o in options)
    assert not any("9999" in o for o in options)
    assert [phone.input_value(f"#match-{i}") for i in (1, 2, 3)] == ["new"] * 3
    # The import button comes after the last payer, and every control is tall enough to tap.
    button = phone.locator("button.primary:has-text('导入')")
    last_payer = phone.locator(".payer").last.bounding_box()
    assert button.bounding_box()["y"] > last_payer["y"] + last_payer["height"]
    for control in ("#match-0", "#other-0", "#product"):
        assert phone.locator(control).bounding_box()["height"] >= 44, control
    assert button.bounding_box()["height"] >= 44
    shot(phone, "bill-choose-390")

    # Imported without an answer: refused, and the page says how many payers wait.
    button.click()
    phone.wait_for_selector(".messages")
    assert "有 1 位付款人对应多位客户" in phone.inner_text(".messages")
    assert "请选择付款的客户" in phone.inner_text(".payer.choose")
    assert not Payment.objects.exists() and Customer.objects.count() == 3
    shot(phone, "bill-refused-390")

    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desktop.new_page()
    log_in(page, base, "bob")
    page.goto(phone.url)
    shot(page, "bill-choose-1280")
    desktop.close()

    phone.select_option("#match-0", f"c{newer.pk}")
    assert "客户“小美” · mei_2" in phone.locator("#match-0 option:checked").inner_text()
    shot(phone, "bill-chosen-390")
    phone.click("button.primary:has-text('导入')")
    phone.wait_for_url(f"{base}/customers/")
    assert "导入完成：5 笔付款，3 位新客户。" in phone.inner_text(".messages")
    shot(phone, "bill-done-390")
    assert newer.payments.count() == 2 and not older.payments.exists()
    assert Customer.objects.filter(nickname="小美").count() == 3
