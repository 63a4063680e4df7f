"""schemathesis against the API in-process: every operation, as the owner and as an agent, finds
no server error and no status the OpenAPI document does not list.

Bounded: 30 examples per operation, no deadline per example. Each operation runs inside one
test-database transaction that is rolled back, and uploads go to a temporary folder, so nothing
is left behind between runs on SQLite or PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from yutang.accounts.actions import create_user
from yutang.accounts.models import ApiToken, Role, User
from yutang.api import api
from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.orders import actions as order_actions
from yutang.touchpoints.models import Kind, Touchpoint
from yutang.wsgi import application

pytestmark = pytest.mark.schemathesis


# The document /api/openapi.json serves, called through the WSGI application in this process.
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
schema.app = application

# Ids of the pond's objects per path parameter: random integers would almost never name one.
KNOWN_IDS: dict[str, list[int]] = {}


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    choices = [path_parameters]
    for name in path_parameters or {}:
        choices += [{**(path_parameters or {}), name: pk} for pk in KNOWN_IDS.get(name, [])]
    return st.sampled_from(choices)


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    # As Django's test client does: a request that ends must not close the connection that
    # holds the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def pond(db: Any, settings: Any, tmp_path: Path) -> dict[str, User]:
    """Alice the owner, bob an agent with a customer who ordered and one who did not."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    alice = create_user(username="alice", role=Role.OWNER, password="x")
    bob = create_user(username="bob", role=Role.AGENT, password="x")
    product = Product.objects.create(name="面霜", sku="CREAM", price=Decimal("99"))
    buyer = Customer.objects.create(owner=bob, nickname="小美", phone="13800138000")
    friend = Customer.objects.create(owner=bob, nickname="阿花", referrer=buyer)
    order = order_actions.place_order(
        customer=buyer,
        seller=bob,
        actor=bob,
        lines=[order_actions.LineInput(product=product, quantity=1, unit_price=None)],
    )
    touchpoint = Touchpoint.objects.create(
        customer=friend, kind=Kind.values[0], key="fuzz", due_on=timezone.localdate()
    )
    KNOWN_IDS.update(
        customer_id=[buyer.pk, friend.pk],
        order_id=[order.pk],
        product_id=[product.pk],
        touchpoint_id=[touchpoint.pk],
    )
    return {"owner": alice, "agent": bob}


def bearer(user: User) -> dict[str, str]:
    _token, key = ApiToken.issue(user)
    return {"Authorization": f"Bearer {key}"}


CHECKS = [not_a_server_error, status_code_conformance]
BOUNDED = settings(
    max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


@schema.parametrize()
@BOUNDED
def test_it_keeps_the_contract_for_the_owner(case: Any, pond: dict[str, User]) -> None:
    case.call_and_validate(headers=bearer(pond["owner"]), checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_it_keeps_the_contract_for_an_agent(case: Any, pond: dict[str, User]) -> None:
    case.call_and_validate(headers=bearer(pond["agent"]), checks=CHECKS)
