"""An order on a phone, from the list's “new order” to the courier's form: the customer picked
by pinyin, lines added and removed on the page with the total running, then the delivery
details copied in one text and the parcel shipped from the to-ship queue."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.catalog.models import Product
from yutang.orders.models import Order
from yutang.test import PASSWORD, make_customer

from .test_customer_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _total(phone: Any) -> str:
    return str(phone.locator("#order-total").inner_text())


def _tall_enough(locator: Any) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= 44, box


def test_a_seller_enters_an_order_and_ships_it_on_a_phone(live_server: Any, phone: Any) -> None:
    bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    mask = Product.objects.create(name="玫瑰面膜", sku="MASK-01", price=Decimal("98.00"))
    cream = Product.objects.create(name="晚霜", sku="CREAM-01", price=Decimal("168.00"))
    mei = make_customer(
        bob,
        "小美",
        name="王美",
        phone="13800138000",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        address="文三路 100 号",
    )
    log_in(phone, live_server.url, "bob")

    phone.goto(f"{live_server.url}/orders/")
    phone.click("text=新建订单")
    phone.fill("#order-customer-search", "wm")
    phone.click(f'a[href="/orders/new/{mei.pk}/"]')
    phone.wait_for_url(f"**/orders/new/{mei.pk}/")

    assert phone.locator('select[name="status"]').input_value() == "unpaid"
    assert _total(phone) == "¥0.00"
    phone.select_option('select[name="lines-0-product"]', str(mask.pk))
    phone.fill('input[name="lines-0-quantity"]', "2")
    assert _total(phone) == "¥196.00"

    add = phone.locator("[data-line-add]")
    _tall_enough(add)
    add.click()
    phone.select_option('select[name="lines-1-product"]', str(cream.pk))
    assert _total(phone) == "¥364.00"
    assert (
        phone.locator('input[name="lines-1-unit_price"]').get_attribute("placeholder") == "168.00"
    )
    phone.fill('input[name="lines-1-unit_price"]', "150")
    assert _total(phone) == "¥346.00"

    add.click()
    phone.select_option('select[name="lines-2-product"]', str(mask.pk))
    assert _total(phone) == "¥444.00"
    remove = phone.locator("fieldset.orderline").nth(2).locator("[data-line-remove]")
    _tall_enough(remove)
    # The box the page ticks is hidden behind the button.
    assert not phone.locator('input[name="lines-2-DELETE"]').is_visible()
    remove.click()
    assert not phone.locator("fieldset.orderline").nth(2).is_visible()
    assert _total(phone) == "¥346.00"

    phone.fill('input[name="discount"]', "6")
    assert _total(phone) == "¥340.00"
    assert phone.locator('input[name="recipient_phone"]').input_value() == "13800138000"
    phone.fill('input[name="recipient_name"]', "王美的妈妈")
    phone.click("button:has-text('保存订单')")
    phone.wait_for_url("**/orders/*/")

    order = Order.objects.get(customer=mei)
    assert [(line.product_id, line.quantity) for line in order.lines.all()] == [
        (mask.pk, 2),
        (cream.pk, 1),
    ]
    assert order.total() == Decimal("340.00") and order.status == "unpaid"

    copy = phone.locator(f'button[data-copy="#delivery-{order.pk}"]')
    _tall_enough(copy)
    copy.click()
    phone.wait_for_function("document.getElementById('toast').textContent === '已复制'")
    assert phone.evaluate("navigator.clipboard.readText()") == (
        "王美的妈妈 13800138000 浙江省杭州市西湖区文三路 100 号"
    )

    phone.click("button[name=status][value=paid]")
    phone.goto(f"{live_server.url}/orders/?status=paid")
    tab = phone.locator(".statustabs a[aria-current]")
    assert tab.inner_text().replace("\n", " ").split() == ["待发货", "1"]
    _tall_enough(tab)
    ship = phone.locator("td.ship summary:has-text('发货')")
    _tall_enough(ship)
    ship.click()
    phone.select_option(f"#id_o{order.pk}_ship-courier", "顺丰")
    phone.fill(f"#id_o{order.pk}_ship-tracking_number", "SF7788")
    phone.click("td.ship button:has-text('确认发货')")
    phone.wait_for_selector("text=没有待发货的订单。")
    order.refresh_from_db()
    assert (order.status, order.tracking_number) == ("shipped", "SF7788")
