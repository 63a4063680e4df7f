"""On a phone every control is a full finger high (44 px): the header's log-out button, the
footer's language buttons, the chips, the pipeline's moves and the customer page's controls.
Inline links in running text (a customer's name in a card) are text, not controls."""

from __future__ import annotations

from typing import Any

import pytest

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.followups.actions import log_followup
from yutang.test import PASSWORD, make_customer, make_tag

from .test_customer_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)

# A checkbox or a radio button is as high as the label it sits in.
CONTROLS = (
    ".topbar a, .topbar button, .foot button, .tabbar a, main button, main .button, "
    "main select, main input:not([type=checkbox]):not([type=radio]), main summary, main .chip, "
    "main label:has(input[type=checkbox]), main label:has(input[type=radio]), .crumbs a"
)


def short_controls(page: Any) -> list[tuple[str, float]]:
    found: list[list[Any]] = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
             .filter(e => e.offsetParent !== null || e.closest('.tabbar'))
             .map(e => [(e.innerText || e.value || e.name || e.className).trim().slice(0, 24),
                        e.getBoundingClientRect().height])
             .filter(([, h]) => h > 0 && h < 44)""",
        CONTROLS,
    )
    return [(text, height) for text, height in found]


def test_every_control_is_a_finger_high_on_a_phone(live_server: Any, phone: Any) -> None:
    base = live_server.url
    owner = create_user(username="alice", role=Role.OWNER, password=PASSWORD)
    tag = make_tag("宝妈", group="自定义")
    customer = make_customer(owner, "小美", grade="A")
    customer.tags.add(tag)
    log_followup(customer=customer, actor=owner, stage="b", summary="聊了面膜")
    log_in(phone, base, "alice")
    pages = ["/customers/", "/customers/new/", f"/customers/{customer.pk}/", "/followups/pipeline/"]
    for path in [*pages, "/settings/", "/products/"]:
        phone.goto(base + path)
        short = short_controls(phone)
        assert not short, (path, short)
