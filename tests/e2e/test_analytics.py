from __future__ import annotations

import re
from typing import Any

import pytest

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.analytics.actions import refresh_value_classes
from yutang.analytics.tests.data import make_pond
from yutang.test import PASSWORD

from .test_customer_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dashboard_draws_its_charts_and_leads_to_the_customers(
    live_server: Any, phone: Any
) -> None:
    base = live_server.url
    create_user(username="alice", role=Role.OWNER, password=PASSWORD)
    bob = create_user(username="bob", role=Role.AGENT, password=PASSWORD)
    dave = create_user(username="dave", role=Role.AGENT, password=PASSWORD, upline=bob)
    charlie = create_user(username="charlie", role=Role.AGENT, password=PASSWORD)
    make_pond(bob, dave, charlie)
    refresh_value_classes()
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    log_in(phone, base, "alice")
    phone.goto(f"{base}/analytics/")
    for chart in ("chart-lorenz", "chart-rfm", "chart-cohorts", "chart-funnel"):
        phone.wait_for_selector(f"[data-chart={chart}] svg")
    assert "复购率" in phone.inner_text(".figures") and not errors
    # A bar of the RFM chart leads to the customers of that class: c1 is 重要保持.
    phone.goto(f"{base}/analytics/rfm/")
    phone.click("a:has-text('重要保持')")
    phone.wait_for_url(re.compile(r"/customers/\?rfm=important_keep"))
    assert phone.locator("table.cards tbody tr").count() == 1
    assert "c1" in phone.inner_text("table.cards")
