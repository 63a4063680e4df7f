"""The customer form and page on a phone (390×844): the rarely used fields fold and unfold, the
save bar stays at the bottom while scrolling, the lunar birthday's names show, and a grade or
tag change on the customer page swaps in without a full reload."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.customers.models import Customer
from yutang.test import PASSWORD, make_customer, make_tag

from .test_customer_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)
# Where to keep screenshots of the pages, when asked.
SHOTS = os.environ.get("YUTANG_SHOTS")


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_the_form_folds_and_keeps_its_save_bar_in_view(live_server: Any, phone: Any) -> None:
    base = live_server.url
    create_user(username="alice", role=Role.OWNER, password=PASSWORD)
    make_tag("宝妈", group="自定义")
    log_in(phone, base, "alice")
    phone.goto(f"{base}/customers/new/")
    more = phone.locator('details[data-fold="more"]')
    assert more.get_attribute("open") is None
    assert not phone.locator("#id_cooperation").is_visible()
    more.locator("summary").click()
    assert phone.locator("#id_cooperation").is_visible()
    more.locator("summary").click()
    assert not phone.locator("#id_cooperation").is_visible()
    tags = phone.locator('details[data-fold="tags"]')
    assert not phone.locator(".chip:has-text('宝妈')").is_visible()
    tags.locator("summary").click()
    phone.locator(".chip:has-text('宝妈')").click()
    assert "1" in tags.locator("[data-chosen-count]").inner_text()

    # The save bar sits at the bottom of the screen at the top of the form and further down.
    def bar_bottom() -> float:
        box = phone.locator(".savebar").bounding_box()
        assert box is not None
        return float(box["y"] + box["height"])

    on_top = """() => { const r = document.querySelector('.savebar button.primary')
        .getBoundingClientRect();
        return !!document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
        .closest('.savebar'); }"""
    for y in (0, 400, 1200):
        phone.evaluate(f"window.scrollTo(0, {y})")
        assert abs(bar_bottom() - 844) <= 2, bar_bottom()
        assert phone.evaluate(on_top), "something covers the save bar"
    assert phone.locator(".savebar button.primary").bounding_box()["height"] >= 44  # type: ignore[index]

    # The lunar calendar names the months and days, and shows the leap-month box.
    assert not phone.locator("[data-lunar-only]").is_visible()
    phone.select_option("#id_birthday_calendar", "lunar")
    assert phone.locator("[data-lunar-only]").is_visible()
    assert "正月" in phone.locator("#id_birthday_month").inner_text()
    phone.select_option("#id_birthday_month", "1")
    phone.select_option("#id_birthday_day", "7")
    phone.evaluate("window.scrollTo(0, 0)")
    if SHOTS:
        phone.screenshot(path=str(Path(SHOTS) / "form-390-screen.png"))
    shot(phone, "form-390")
    phone.fill("#id_nickname", "小美")
    phone.click(".savebar button.primary")
    phone.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer = Customer.objects.get()
    assert customer.birthday_label == "农历正月初七"
    assert [t.name for t in customer.tags.all()] == ["宝妈"]
    assert "下次生日" in phone.inner_text("body")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_customer_page_changes_the_grade_without_a_reload(live_server: Any, phone: Any) -> None:
    base = live_server.url
    alice = create_user(username="alice", role=Role.OWNER, password=PASSWORD)
    make_tag("宝妈", group="自定义")
    customer = make_customer(alice, "小美", birthday_month=2, birthday_day=3)
    log_in(phone, base, "alice")
    phone.goto(f"{base}/customers/{customer.pk}/")
    # A mark on the page's window: a full reload would lose it.
    phone.evaluate("window.__stayed = true")
    phone.click(".gradebar button[value=A]")
    phone.wait_for_selector(".gradebar button.current[value=A]")
    phone.wait_for_selector("#badges .grade.gA")
    assert phone.evaluate("window.__stayed") is True
    phone.click(".tagpicker button:has-text('宝妈')")
    phone.wait_for_selector(".tagpicker button.on:has-text('宝妈')")
    phone.wait_for_selector("#badges .tag:has-text('宝妈')")
    assert phone.evaluate("window.__stayed") is True
    assert "宝妈" in phone.inner_text("#timeline")
    customer.refresh_from_db()
    assert customer.grade == "A" and [t.name for t in customer.tags.all()] == ["宝妈"]
    shot(phone, "customer-390")


def test_the_form_and_page_on_a_desktop(live_server: Any, browser: Any) -> None:
    base = live_server.url
    alice = create_user(username="alice", role=Role.OWNER, password=PASSWORD)
    make_tag("宝妈", group="自定义")
    customer = make_customer(
        alice, "小美", birthday_calendar="lunar", birthday_month=1, birthday_day=7
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, base, "alice")
        page.goto(f"{base}/customers/{customer.pk}/edit/")
        assert page.locator(".savebar button.primary").is_visible()
        assert page.locator("#id_birthday_month option:checked").inner_text() == "正月"
        shot(page, "form-1280")
        page.goto(f"{base}/customers/{customer.pk}/")
        assert "农历正月初七" in page.inner_text("body")
        shot(page, "customer-1280")
    finally:
        context.close()
