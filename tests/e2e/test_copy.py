"""Copying a message on a phone, with and without navigator.clipboard.

navigator.clipboard exists only on HTTPS and localhost: a shop that serves yutang over plain
HTTP on its LAN has none, and its copy button used to fail without a word. These tests delete
it before the page loads, the way such a browser is, and read back what really reached the
browser's clipboard from a second page that has it."""

from __future__ import annotations

from typing import Any

import pytest

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.test import PASSWORD, make_customer

from .test_customer_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)

ADDED = " 周末店里到了新货，您有空来看看吗？"
NO_CLIPBOARD = "delete Navigator.prototype.clipboard;"
SELECTED = """(() => {
  const area = document.activeElement;
  return area.value.slice(area.selectionStart, area.selectionEnd);
})()"""


def _workbench_card(live_server: Any, phone: Any) -> Any:
    bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    make_customer(bob, "小美", name="王美", vip=True, grade="AA")
    log_in(phone, live_server.url, "bob")
    phone.goto(f"{live_server.url}/")
    return phone.locator("article.todo").first


def _edit(card: Any) -> str:
    box = card.locator("textarea.msgtext")
    assert box.input_value().startswith("给小美打个电话")
    box.click()
    box.press("Control+End")
    box.type(ADDED)
    return str(box.input_value())


def _clipboard_reader(phone: Any, base: str, sentinel: str) -> Any:
    """A second page of the same browser, with navigator.clipboard, that reads it back."""
    reader = phone.context.new_page()
    reader.goto(f"{base}/login/")
    reader.evaluate("(text) => navigator.clipboard.writeText(text)", sentinel)
    phone.bring_to_front()
    return reader


def _wait_for_toast(phone: Any, text: str | None = None) -> str:
    phone.wait_for_function(
        "(text) => { const t = document.getElementById('toast').textContent;"
        " return text === null ? t !== '' : t === text; }",
        arg=text,
    )
    return str(phone.inner_text("#toast"))


def _read(reader: Any) -> str:
    reader.bring_to_front()
    return str(reader.evaluate("navigator.clipboard.readText()"))


def test_without_navigator_clipboard_the_edited_message_is_selected_and_copied(
    live_server: Any, phone: Any
) -> None:
    phone.add_init_script(NO_CLIPBOARD)
    card = _workbench_card(live_server, phone)
    assert phone.evaluate("'clipboard' in navigator") is False
    edited = _edit(card)
    reader = _clipboard_reader(phone, live_server.url, "nothing copied yet")

    card.locator("button.copy").click()

    _wait_for_toast(phone, "已复制")
    phone.wait_for_selector("button.copy.done")
    # The fallback selected the edited text in the textarea and execCommand copied it.
    assert phone.evaluate(SELECTED) == edited
    assert _read(reader) == edited
    reader.close()


def test_when_copying_fails_the_toast_says_to_copy_by_hand_with_the_text_selected(
    live_server: Any, phone: Any
) -> None:
    # No clipboard API and a browser that refuses execCommand("copy") too.
    phone.add_init_script(NO_CLIPBOARD + " document.execCommand = () => false;")
    card = _workbench_card(live_server, phone)
    edited = _edit(card)

    card.locator("button.copy").click()

    toast = _wait_for_toast(phone)
    assert "长按" in toast and phone.locator("#toast.failed").count() == 1
    assert phone.locator("button.copy.done").count() == 0
    assert phone.evaluate(SELECTED) == edited


def test_with_navigator_clipboard_the_edited_message_is_copied_and_the_toast_follows_english(
    live_server: Any, phone: Any
) -> None:
    card = _workbench_card(live_server, phone)
    phone.click("footer button[value=en]")
    phone.wait_for_selector("html[lang=en]")
    card = phone.locator("article.todo").first
    edited = _edit(card)

    card.locator("button.copy").click()

    _wait_for_toast(phone, "Copied")
    phone.wait_for_selector("button.copy.done")
    assert str(phone.evaluate("navigator.clipboard.readText()")) == edited
    # The toast goes away by itself.
    phone.wait_for_selector("#toast:empty", state="attached")


def test_the_cards_controls_are_a_finger_high_on_a_phone(live_server: Any, phone: Any) -> None:
    card = _workbench_card(live_server, phone)
    heights = card.evaluate(
        """(card) => [...card.querySelectorAll(
             'button, a.button, input:not([type=hidden]), textarea')].map((e) =>
               [e.textContent.trim() || e.name || e.className, e.getBoundingClientRect().height])"""
    )
    assert heights and all(height >= 44 for _name, height in heights), heights


def test_a_new_api_token_is_copied_without_navigator_clipboard(
    live_server: Any, phone: Any
) -> None:
    phone.add_init_script(NO_CLIPBOARD)
    create_user(username="alice", role=Role.OWNER, password=PASSWORD)
    log_in(phone, live_server.url, "alice")
    phone.goto(f"{live_server.url}/settings/")
    phone.fill("#tokens input[name=name]", "script")
    phone.click("#tokens button.primary")
    key = phone.inner_text("#new-token")
    reader = _clipboard_reader(phone, live_server.url, "nothing copied yet")

    phone.click("button[data-copy='#new-token']")

    _wait_for_toast(phone, "已复制")
    assert phone.evaluate("window.getSelection().toString()") == key
    assert _read(reader) == key
    reader.close()
