from __future__ import annotations

import re
from typing import Any

import pytest

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.customers.models import Customer
from yutang.test import PASSWORD, make_tag

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_it_takes_a_seller_from_paste_to_grade_on_a_phone(live_server: Any, phone: Any) -> None:
    base = live_server.url
    create_user(username="alice", role=Role.OWNER, password=PASSWORD)
    create_user(username="charlie", role=Role.AGENT, password=PASSWORD)
    make_tag("宝妈", group="自定义")

    log_in(phone, base, "alice")
    phone.goto(f"{base}/customers/new/")
    phone.fill("#paste-text", "张三 13800138000 广东省深圳市南山区科技园科苑路15号")
    phone.click("#paste-fill")
    phone.wait_for_function("document.querySelector('#id_phone').value === '13800138000'")
    assert phone.input_value("#id_nickname") == "张三"
    assert phone.input_value("#id_province") == "广东省"
    assert phone.input_value("#id_city") == "深圳市"
    assert phone.input_value("#id_district") == "南山区"
    assert phone.input_value("#id_address") == "科技园科苑路15号"
    phone.click(".customer-form button.primary")
    phone.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer = Customer.objects.get()
    assert customer.phone == "13800138000"

    phone.goto(f"{base}/customers/")
    phone.fill("input[name=q]", "zs")
    phone.wait_for_function("document.querySelector('#results .count').textContent.includes('1')")
    phone.click("#results a.name:has-text('张三')")
    phone.wait_for_url(re.compile(rf"/customers/{customer.pk}/$"))

    phone.click(".tagpicker button:has-text('宝妈')")
    phone.wait_for_selector(".tagpicker button.on:has-text('宝妈')")
    phone.click(".gradebar button[value=A]")
    phone.wait_for_selector(".gradebar button.current[value=A]")
    timeline = phone.inner_text(".timeline")
    assert "宝妈" in timeline and "A" in timeline and "添加到客户池" in timeline
    customer.refresh_from_db()
    assert customer.grade == "A" and [t.name for t in customer.tags.all()] == ["宝妈"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.context.clear_cookies()
    log_in(phone, base, "charlie")
    response = phone.goto(f"{base}/customers/{customer.pk}/")
    assert response is not None and response.status == 404
    phone.goto(f"{base}/customers/?q=zs")
    assert "张三" not in phone.inner_text("#results")
