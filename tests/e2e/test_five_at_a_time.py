"""Issue 18, item 6 in a phone's browser: one batch of five, each card handled in place with a
few seconds of 撤销, the page staying where the seller was, then the next five."""

from __future__ import annotations

from typing import Any

import pytest

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.rules.models import Rules
from yutang.test import PASSWORD, make_customer
from yutang.touchpoints.models import State, Touchpoint

from .test_customer_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)

# The page's own controls and the header, footer and tab bar around them; a checkbox is as
# high as the label it sits in.
CONTROLS = (
    ".topbar a, .topbar button, .foot button, .tabbar a, main a, main button, main summary, "
    "main select, main input:not([type=checkbox]), main label:has(input[type=checkbox]), "
    "#toast button"
)


def short_controls(phone: Any) -> list[str]:
    """The visible controls less than a finger (44 px) high."""
    found: list[str] = phone.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
          .filter((el) => el.offsetParent !== null || getComputedStyle(el).position === "fixed")
          .filter((el) => {
            const r = el.getBoundingClientRect();
            return r.width && r.height < 44;
          })
          .map((el) => `${el.tagName} ${el.className} ${el.textContent.trim().slice(0, 20)}`
            + ` ${el.getBoundingClientRect().height}`)""",
        CONTROLS,
    )
    return found


def card_ids(phone: Any) -> list[int]:
    ids = phone.eval_on_selector_all(
        "article.todo:not([hidden])", "cards => cards.map((c) => c.id)"
    )
    return [int(i.removeprefix("tp-")) for i in ids]


def test_it_handles_five_at_a_time_in_place(live_server: Any, phone: Any) -> None:
    base = live_server.url
    bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    # Twelve VIPs never called: twelve calls due today, two and a half batches.
    for i in range(12):
        make_customer(bob, f"客{i:02}", vip=True, grade="A", phone=f"1380013{i:04}")
    log_in(phone, base, "bob")
    phone.goto(f"{base}/")
    first = card_ids(phone)
    assert len(first) == 5
    assert "第 1 批（共 3 批）" in phone.inner_text("section.batch h2")
    assert short_controls(phone) == []

    # The third card, scrolled to: done swaps it for a row in place and the page stays put.
    third = phone.locator(f"#tp-{first[2]}")
    third.scroll_into_view_if_needed()
    phone.evaluate("window.scrollBy(0, 120)")
    before = phone.evaluate("window.scrollY")
    assert before > 0
    third.locator("button.primary").click()
    row = phone.locator(".settled").first
    row.wait_for()
    assert "已完成" in row.inner_text() and "撤销" in row.inner_text()
    assert third.is_hidden()
    toast = phone.locator("#toast")
    assert "撤销" in toast.inner_text()
    assert abs(phone.evaluate("window.scrollY") - before) < 5
    assert Touchpoint.objects.get(pk=first[2]).state == State.DONE
    assert short_controls(phone) == []

    # 撤销 brings the card back, and the follow-up the done logged is gone.
    row.locator("button.undo").click()
    third.wait_for(state="visible")
    assert phone.locator(".settled").count() == 0
    assert Touchpoint.objects.get(pk=first[2]).state == State.OPEN
    customer = Touchpoint.objects.get(pk=first[2]).customer
    assert customer.followups.count() == 0
    assert abs(phone.evaluate("window.scrollY") - before) < 5

    # Snooze from its one menu, every choice a finger high.
    card = phone.locator(f"#tp-{first[0]}")
    card.scroll_into_view_if_needed()
    card.locator("details.snoozemenu > summary").click()
    assert short_controls(phone) == []
    card.locator("button[name=days][value='1']").click()
    phone.locator(f".settled[data-for='tp-{first[0]}']").wait_for()
    assert Touchpoint.objects.get(pk=first[0]).state == State.SNOOZED

    # Until the whole batch is handled, the next batch is not offered in its place.
    assert phone.locator(".batchdone").is_hidden()
    for pk in first[1:4]:
        phone.locator(f"#tp-{pk} button.primary").click()
        phone.locator(f".settled[data-for='tp-{pk}']").wait_for()
    phone.locator(f"#tp-{first[4]} button.skip").click()
    phone.locator(f".settled[data-for='tp-{first[4]}']").wait_for()
    offer = phone.locator(".batchdone")
    offer.wait_for(state="visible")
    assert phone.locator(".settled").count() == 5

    # 下一批: the next five, none of the first.
    offer.locator("a[data-next-batch]").click()
    phone.wait_for_function("document.querySelectorAll('.settled').length === 0")
    phone.locator("article.todo").first.wait_for()
    second = card_ids(phone)
    assert len(second) == 5 and not set(second) & set(first)
    assert short_controls(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # With a smaller capacity the rest waits on the backlog, a finger high too.
    Rules.objects.update_or_create(pk=1, defaults={"daily_capacity": 4})
    phone.goto(f"{base}/touchpoints/backlog/")
    assert phone.locator("input[name=ids]").count() == 7 - 1
    assert short_controls(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_it_falls_back_to_the_plain_form_when_the_session_ended(
    live_server: Any, phone: Any
) -> None:
    base = live_server.url
    bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    make_customer(bob, "小美", vip=True)
    log_in(phone, base, "bob")
    phone.goto(f"{base}/")
    # The session ends (the CSRF cookie, which lasts a year, stays).
    phone.context.clear_cookies(name="sessionid")
    card = phone.locator("article.todo").first
    card.locator("details.snoozemenu > summary").click()
    card.locator("button[name=days][value='3']").click()
    # The login page, not a card hidden as if the snooze had worked.
    phone.wait_for_url(lambda url: "/login/" in url)
    assert Touchpoint.objects.get().state == State.OPEN
