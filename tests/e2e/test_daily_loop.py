from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.catalog.models import Product
from yutang.orders import actions as orders
from yutang.orders.models import Order
from yutang.test import PASSWORD, make_customer
from yutang.touchpoints.kinds import Kind
from yutang.touchpoints.messages import message

from .test_customer_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def ship(phone: Any, number: str) -> None:
    """已发货 on the order page: the courier and the number, then the one step."""
    phone.click("summary:has-text('已发货')")
    phone.select_option("#id_ship-courier", "顺丰")
    phone.fill("#id_ship-tracking_number", number)
    phone.click("button[value=shipped]")
    phone.wait_for_selector(".status.s-shipped")


def test_it_works_through_the_morning_list_and_an_order(live_server: Any, phone: Any) -> None:
    base = live_server.url
    bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    customer = make_customer(bob, "小美", name="王美", vip=True, grade="AA")
    Product.objects.create(
        name="补水面膜", sku="MASK", price=Decimal("99"), cost=Decimal("30"), usage_cycle_days=30
    )

    # Headless Chromium keeps no system clipboard to read back: record what the page copies.
    phone.add_init_script(
        "navigator.clipboard.writeText = async (text) => { window.copiedText = text; };"
    )
    log_in(phone, base, "bob")
    phone.goto(f"{base}/")
    card = phone.locator("article.todo").first
    assert "王美" in card.inner_text() and "VIP" in card.inner_text()
    card.locator("button.copy").click()
    phone.wait_for_selector("button.copy.done")
    copied = phone.evaluate("window.copiedText")
    assert copied.startswith("给小美打个电话")
    card.locator("button.primary").click()
    # Done in place: the card gives way to a row with 撤销, the page does not reload.
    phone.wait_for_selector(".settled")
    assert phone.locator("article.todo:visible").count() == 0
    phone.goto(f"{base}/customers/{customer.pk}/")
    assert "VIP 电话" in phone.inner_text(".timeline")

    phone.click("a.button.primary:has-text('订单')")
    phone.select_option("#id_lines-0-product", label="补水面膜 · ¥99.00")
    phone.fill("#id_lines-0-quantity", "2")
    phone.select_option("#id_status", "paid")
    phone.click("button.primary:has-text('保存订单')")
    phone.wait_for_url(re.compile(r"/orders/\d+/$"))
    order = Order.objects.get()
    assert order.status == "paid" and order.total() == Decimal("198")
    ship(phone, "SF1234567890")
    phone.click("button[value=signed]")
    phone.wait_for_selector(".status.s-signed")
    assert "已签收" in phone.inner_text("h1")
    order.refresh_from_db()
    assert order.status == "signed" and order.signed_at is not None
    customer.refresh_from_db()
    assert customer.grade == "AA" and customer.consumed
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_it_ships_with_the_courier_and_number_in_one_step(live_server: Any, phone: Any) -> None:
    base = live_server.url
    bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    customer = make_customer(bob, "小美", name="王美")
    mask = Product.objects.create(name="补水面膜", sku="MASK", price=Decimal("99"))
    order = orders.place_order(
        customer=customer,
        seller=bob,
        actor=bob,
        lines=[orders.LineInput(product=mask, quantity=1)],
        status="paid",
    )
    log_in(phone, base, "bob")
    phone.goto(f"{base}/orders/{order.pk}/")
    summary = phone.locator("summary:has-text('已发货')")
    assert summary.bounding_box()["height"] >= 44
    assert not phone.locator("#id_ship-tracking_number").is_visible()
    summary.click()
    phone.select_option("#id_ship-courier", "顺丰")
    phone.fill("#id_ship-tracking_number", "SF7788")
    assert phone.locator("button[value=shipped]").bounding_box()["height"] >= 44
    phone.click("button[value=shipped]")
    phone.wait_for_selector(".status.s-shipped")
    assert phone.inner_text("dd.courier") == "顺丰"
    assert phone.inner_text("dd.tracking") == "SF7788"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    order.refresh_from_db()
    assert (order.status, order.courier, order.tracking_number) == ("shipped", "顺丰", "SF7788")
    notice = customer.touchpoints.pending().get(kind=Kind.SHIPPING_NOTICE)
    assert "顺丰 单号 SF7788" in message(notice)
    phone.goto(f"{base}/customers/{customer.pk}/")
    assert "SF7788" in phone.inner_text(".timeline")
