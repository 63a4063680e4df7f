"""The access matrix, generated from the URL patterns and the OpenAPI operations.

Every route that takes an object id is asked, by charlie (an agent of another branch), for bob's
object: on every method, as a page, as an htmx request and through the API (and by dave, bob's
downline, as a page and through the API). He gets what he would get for an id that does not
exist (a 404, or the 403 of an owner-only page), never a success, never bob's data, and the
database does not change. The people who may see the object (alice,
sam, bob) do reach it, which proves the table below points at real objects. A route with an id
parameter that the table does not know fails the test: a new route cannot skip the check.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.db import connection, transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from python_calamine import CalamineWorkbook

from yutang.accounts.models import ApiToken
from yutang.api import api
from yutang.catalog.models import Product
from yutang.customers.models import Channel, Tag, TagGroup
from yutang.followups.actions import log_followup
from yutang.imports import jobs
from yutang.imports.exports import EXPORTS
from yutang.imports.models import ImportJob
from yutang.orders.actions import LineInput, add_cost, place_order
from yutang.orders.models import Payment
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.models import Kind as TouchpointKind
from yutang.touchpoints.models import Touchpoint

METHODS = ["get", "post", "put", "patch", "delete"]
BILL = (
    Path(__file__).resolve().parents[1]
    / "yutang/lib/tests/fixtures/payments/wechat_csv_v2019-2025_utf8.csv"
).read_bytes()
# Bob's data, which charlie must never read anywhere: his customer's names and phone, the
# follow-up he wrote, the customer in the file he is importing.
BOB_MARKERS = ["鲍勃的客户", "王鲍勃", "13800138000", "鲍勃的跟进", "鲍勃导入的"]


@dataclass(frozen=True)
class ObjectKind:
    # Who must reach bob's object: not a 404. Owner and staff see every customer's records;
    # an import and an API token are their user's alone.
    reachers: tuple[str, ...]
    # The pond's own objects (products, channels, tags) are nobody's branch: any agent may
    # read them where a page shows them; only the owner changes them.
    shared: bool = False


BRANCH = ObjectKind(("alice", "sam", "bob"))
OWN = ObjectKind(("bob",))
SHARED = ObjectKind(("alice",), shared=True)
KINDS = {
    "customer": BRANCH,
    "order": BRANCH,
    "payment": BRANCH,
    "touchpoint": BRANCH,
    "customers_job": OWN,
    "rejected_job": OWN,  # a customer import whose dry run rejected a row
    "orders_job": OWN,
    "bill_job": OWN,
    "api_token": OWN,
    "product": SHARED,
    "channel": SHARED,
    "tag": SHARED,
}

# What each parameter of each page route names: a kind of object above, or, for a parameter
# that names no object, the values it takes.
PAGE_ROUTES: dict[str, dict[str, str | list[str]]] = {
    "customers:detail": {"pk": "customer"},
    "customers:edit": {"pk": "customer"},
    "customers:delete": {"pk": "customer"},
    "customers:grade": {"pk": "customer"},
    "customers:tag": {"pk": "customer"},
    "customers:merge": {"pk": "customer"},
    "customers:channel_delete": {"pk": "channel"},
    "customers:tag_delete": {"pk": "tag"},
    "followups:move": {"customer_pk": "customer"},
    "followups:create": {"customer_pk": "customer"},
    "catalog:edit": {"pk": "product"},
    "catalog:delete": {"pk": "product"},
    "orders:detail": {"pk": "order"},
    "orders:status": {"pk": "order"},
    "orders:shipping": {"pk": "order"},
    "orders:create": {"customer_pk": "customer"},
    "orders:cost_create": {"customer_pk": "customer"},
    "touchpoints:act": {"pk": "touchpoint", "action": ["done", "snooze", "skip"]},
    "touchpoints:undo": {"pk": "touchpoint"},
    "imports:export": {"what": list(EXPORTS)},
    "imports:customers": {"token": "customers_job"},
    "imports:orders": {"token": "orders_job"},
    "imports:bill": {"token": "bill_job"},
    "imports:progress": {"token": "customers_job"},
    "imports:customers_rejected": {"token": "rejected_job"},
    "imports:payment_order": {"pk": "payment"},
    "imports:payment_attach": {"pk": "payment"},
    "accounts:token_revoke": {"pk": "api_token"},
}
# The API's path parameters have one meaning each.
API_PARAMS = {
    "customer_id": "customer",
    "order_id": "order",
    "product_id": "product",
    "touchpoint_id": "touchpoint",
    "job_id": "customers_job",
}
# Ids no object has: zero, and past what a 64-bit column holds; and ids that are no number.
BAD_NUMBERS = ["0", "9" * 25]
BAD_TEXT = ["abc", "²", "1.5", "-1", "not-a-uuid", "%00"]
# Errors of routes that do find the object, left to the issue that owns them.
# Routes known to answer 500 for an object of the fixture world: none. Strict, so a fix
# removes its entry, and a new entry needs a reason.
KNOWN_SERVER_ERRORS: dict[str, str] = {}
# The Django admin checks its own users (is_staff, permissions); it is walked, not mapped.
ADMIN_NAMESPACE = "admin"
PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    name: str  # "customers:detail", or "api /api/customers/{customer_id}"
    pattern: str  # "customers/<int:pk>/", or "/api/customers/{customer_id}"
    params: tuple[str, ...]
    api_methods: tuple[str, ...] = ()

    @property
    def is_api(self) -> bool:
        return bool(self.api_methods)

    def kinds(self) -> dict[str, str | list[str]]:
        if self.is_api:
            return {p: API_PARAMS[p] for p in self.params}
        return PAGE_ROUTES[self.name]

    def url(self, values: dict[str, str]) -> str:
        if self.is_api:
            return re.sub(r"{(\w+)}", lambda m: values[m[1]], self.pattern)
        return "/" + PARAM.sub(lambda m: values[m["name"]], self.pattern)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(filter(None, [namespace, p.namespace or ""]))
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            name = ":".join(filter(None, [namespace, p.name or route]))
            params = tuple(m["name"] for m in PARAM.finditer(route))
            if route.startswith("^") or "(?P<" in route:
                params = (*params, *re.findall(r"\(\?P<(\w+)>", route))
            yield Route(name, route, params)


def page_routes() -> list[Route]:
    """Every page route with a parameter, from the URL patterns (the API's are its own)."""
    return [
        r
        for r in _walk(get_resolver().url_patterns)
        if r.params and not r.name.startswith(("api:", f"{ADMIN_NAMESPACE}:"))
    ]


def admin_routes() -> list[Route]:
    return [
        r
        for r in _walk(get_resolver().url_patterns)
        if r.params and r.name.startswith(f"{ADMIN_NAMESPACE}:")
    ]


def api_routes() -> list[Route]:
    """Every API path with a parameter, from the OpenAPI document."""
    routes = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        params = tuple(re.findall(r"{(\w+)}", path))
        if params:
            methods = tuple(m for m in operations if m in METHODS)
            routes.append(Route(f"api {path}", path, params, methods))
    return routes


def snapshot() -> dict[str, Any]:
    """Every row of the project's tables and every uploaded file: what a refusal must not touch.
    A token's last use and a user's last login are bookkeeping of the request itself."""
    state: dict[str, Any] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if not model._meta.app_config or not model._meta.app_config.name.startswith("yutang."):
                continue
            columns = [
                quote(f.column)
                for f in model._meta.concrete_fields
                if f.name not in ("last_used", "last_login")
            ]
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {pk}")
            state[model._meta.label] = cursor.fetchall()
    state["files"] = sorted(
        (str(job.pk), job.path.exists() and job.path.read_bytes())
        for job in ImportJob.objects.all()
    )
    return state


def text_of(response: Any) -> str:
    """What the response says, xlsx downloads included."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        content = b"".join(response.streaming_content)
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        cells = [
            str(cell)
            for name in book.sheet_names
            for row in book.get_sheet_by_name(name).to_python()
            for cell in row
        ]
        return "\n".join(cells)
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@override_settings(YUTANG_IMPORT_BACKGROUND_BYTES=1 << 40)
class AccessMatrixTests(BaseTestCase):
    def setUp(self) -> None:
        self.client.raise_request_exception = False
        bob = self.bob
        today = timezone.localdate()
        # Each kind gets an id no other kind has, so that a route pointed at the wrong kind in
        # the table finds nothing for the people who may see the object, and fails.
        ids = iter(range(7_000_001, 7_000_100))
        customer = make_customer(
            bob, "鲍勃的客户", name="王鲍勃", phone="13800138000", pk=next(ids)
        )
        product = Product.objects.create(pk=next(ids), name="面膜", sku="MASK", price=Decimal("99"))
        order = place_order(
            customer=customer,
            seller=bob,
            actor=bob,
            lines=[LineInput(product=product, quantity=1)],
            status="unpaid",
        )
        log_followup(customer=customer, actor=bob, stage="b", summary="鲍勃的跟进")
        add_cost(customer=customer, kind="gift", amount=Decimal("5"), on=today, note="", actor=bob)
        payment = Payment.objects.create(
            pk=next(ids),
            source="wechat",
            transaction_id="bob-1",
            customer=customer,
            occurred_at=timezone.now() - timedelta(hours=1),
            amount=Decimal("99"),
        )
        touchpoint = Touchpoint.objects.create(
            pk=next(ids),
            customer=customer,
            kind=TouchpointKind.BIRTHDAY,
            key="birthday:bob",
            due_on=today,
        )
        orders_csv = "订单号,手机,商品,数量,日期,状态\nB1,13800138000,MASK,1,2026-03-01,已付款\n"

        def job(kind: str, content: bytes) -> ImportJob:
            return jobs.start_job(
                user=bob, kind=kind, rule="fill", filename=f"{kind}.csv", chunks=[content]
            )

        self.objects: dict[str, Any] = {
            "customer": customer,
            "order": order,
            "payment": payment,
            "touchpoint": touchpoint,
            "customers_job": job("customers", "昵称,手机\n鲍勃导入的,13900000001\n".encode()),
            "rejected_job": job("customers", "昵称,手机\n鲍勃导入的,13900000001\n坏,1\n".encode()),
            "orders_job": job("orders", orders_csv.encode()),
            "bill_job": job("bill", BILL),
            "api_token": ApiToken.objects.create(
                pk=next(ids), user=bob, key_hash=ApiToken.hash("yt_bob"), prefix="yt_bob"
            ),
            "product": product,
            "channel": Channel.objects.create(pk=next(ids), name="鲍勃的渠道"),
            "tag": Tag.objects.create(pk=next(ids), group=TagGroup.objects.first(), name="护肤"),
        }
        for key in ("customers_job", "rejected_job", "orders_job", "bill_job"):
            assert self.objects[key].state == ImportJob.State.CHECKED, key
        numbers = [o.pk for o in self.objects.values() if isinstance(o.pk, int)]
        assert len(set(numbers)) == len(numbers), numbers
        self.keys = {
            name: ApiToken.issue(getattr(self, name))[1]
            for name in ("alice", "sam", "bob", "dave", "charlie")
        }
        self.logged_in = ""
        self.files = {str(j.pk): j.path.read_bytes() for j in ImportJob.objects.all()}

    # What charlie posts: enough of every form that a write would go through were the object
    # not refused (a nickname, a grade, a status, a product, a stage, a commit …).
    def form_body(self) -> dict[str, Any]:
        objects = self.objects
        return {
            "nickname": "charlie was here", "owner": self.charlie.pk, "birthday_calendar": "solar",
            "grade": "F", "tag": objects["tag"].pk, "stage": "d", "channel": "chat",
            "summary": "charlie", "status": "cancelled", "courier": "SF", "tracking_number": "1",
            "product": objects["product"].pk, "order": objects["order"].pk, "kind": "gift",
            "amount": "1", "on": "2026-01-01", "note": "x", "days": "1", "commit": "1",
            "accept_all": "1", "name": "charlie", "price": "1", "active": "on",
            "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
            "lines-0-product": objects["product"].pk, "lines-0-quantity": "1",
        }  # fmt: skip

    def json_body(self) -> dict[str, Any]:
        return {
            "nickname": "charlie was here", "status": "cancelled", "stage": "d",
            "summary": "charlie", "name": "charlie", "price": "1", "until": "2030-01-01",
            "note": "x", "accept_all": True,
        }  # fmt: skip

    def request(self, user: str, route: Route, method: str, url: str, htmx: bool = False) -> Any:
        headers: dict[str, str] = {"HX-Request": "true"} if htmx else {}
        if route.is_api:
            headers["Authorization"] = f"Bearer {self.keys[user]}"
            body = self.json_body()
            kwargs: dict[str, Any] = {"data": body, "content_type": "application/json"}
        else:
            self.ensure_login(user)
            body = self.form_body()
            kwargs = {"data": body}
            if method in ("put", "patch", "delete"):
                kwargs = {
                    "data": urlencode(body),
                    "content_type": "application/x-www-form-urlencoded",
                }
        if method == "get":
            kwargs = {}
        response = getattr(self.client, method)(url, headers=headers, **kwargs)
        # A lost session would answer every request alike, and prove nothing.
        assert not response.get("Location", "").startswith("/login/"), f"{user} is logged out"
        return response

    def ensure_login(self, user: str) -> None:
        """One session per persona, opened outside any rolled-back block so that it lasts."""
        if self.logged_in != user:
            self.login(getattr(self, user))
            self.logged_in = user

    def values(self, route: Route, missing: bool = False) -> Iterator[tuple[str | None, dict]]:
        """Each way to fill the route's parameters with bob's objects (or with ids nobody has),
        and the kind of object it names (None: the route names no object)."""
        kinds = route.kinds()
        fixed = {p: k for p, k in kinds.items() if isinstance(k, list)}
        objects = {p: k for p, k in kinds.items() if isinstance(k, str)}
        assert len(objects) <= 1, f"{route.name}: more than one object in one route"
        combos: list[dict[str, str]] = [{}]
        for param, choices in fixed.items():
            combos = [{**c, param: v} for c in combos for v in choices]
        for combo in combos:
            for param, kind in objects.items():
                if missing:
                    is_uuid = isinstance(self.objects[kind].pk, uuid.UUID)
                    combo[param] = str(uuid.uuid4()) if is_uuid else str(2**62)
                else:
                    combo[param] = str(self.objects[kind].pk)
            yield (next(iter(objects.values()), None), combo)

    def assert_nothing_of_bob(self, response: Any, where: str) -> None:
        text = text_of(response)
        for marker in BOB_MARKERS:
            assert marker not in text, f"{where} shows bob's “{marker}”"

    def test_it_maps_every_route_that_takes_a_parameter(self) -> None:
        pages = {r.name: set(r.params) for r in page_routes()}
        unknown = {n: p for n, p in pages.items() if n not in PAGE_ROUTES}
        assert not unknown, (
            f"routes missing from PAGE_ROUTES (say what each parameter names): {unknown}"
        )
        stale = set(PAGE_ROUTES) - set(pages)
        assert not stale, f"PAGE_ROUTES names routes that are gone: {stale}"
        for name, params in pages.items():
            assert set(PAGE_ROUTES[name]) == params, name
        api_params = {p for r in api_routes() for p in r.params}
        assert api_params <= set(API_PARAMS), (
            f"API parameters missing from API_PARAMS: {api_params - set(API_PARAMS)}"
        )
        for kinds in [*PAGE_ROUTES.values(), {p: API_PARAMS[p] for p in api_params}]:
            for kind in kinds.values():
                assert isinstance(kind, list) or kind in KINDS, kind
        assert len(page_routes()) >= 26 and len(api_routes()) >= 11

    def check_refused(self, user: str, routes: list[Route], variants: list[bool]) -> int:
        cells = 0
        # Nothing they do may change anything: every answer is compared with the start.
        start = snapshot()
        for route in routes:
            for (kind_name, values), (_kind, missing) in zip(
                self.values(route), self.values(route, missing=True), strict=True
            ):
                url = route.url(values)
                for method in METHODS:
                    unknown: int | None = None
                    for htmx in variants:
                        where = f"{user} {method.upper()} {url}" + (" (htmx)" if htmx else "")
                        response = self.request(user, route, method, url, htmx)
                        answer = response.status_code
                        assert answer < 500, f"{where}: {answer}"
                        self.assert_nothing_of_bob(response, where)
                        if method != "get":
                            assert snapshot() == start, f"{where} changed the database"
                        cells += 1
                        if kind_name is None:
                            # No object named: his own data only (checked above), never a crash.
                            continue
                        if KINDS[kind_name].shared and method == "get":
                            continue
                        assert answer in (403, 404, 405), f"{where}: {answer}"
                        if unknown is None:
                            unknown = self.request(
                                user, route, method, route.url(missing)
                            ).status_code
                        assert answer == unknown, (
                            f"{where}: {answer}, but {unknown} for an id nobody has"
                        )
        return cells

    def test_it_refuses_bob_s_objects_to_charlie_on_every_page(self) -> None:
        cells = self.check_refused("charlie", page_routes(), variants=[False, True])
        assert cells >= 26 * 5 * 2

    def test_it_refuses_bob_s_objects_to_charlie_through_the_api(self) -> None:
        cells = self.check_refused("charlie", api_routes(), variants=[False])
        assert cells >= 11 * 5

    def test_it_refuses_bob_s_objects_to_his_downline(self) -> None:
        """dave is below bob: he sees his own branch, not the one above him."""
        self.check_refused("dave", page_routes(), variants=[False])
        self.check_refused("dave", api_routes(), variants=[False])

    def test_it_lets_who_may_see_bob_s_objects_reach_them(self) -> None:
        """Without this the refusals above could be 404s for objects that do not exist."""
        failing = set()
        for route in [*page_routes(), *api_routes()]:
            methods = list(route.api_methods) if route.is_api else ["get", "post"]
            for kind_name, values in self.values(route):
                reachers = KINDS[kind_name].reachers if kind_name else ("alice", "bob", "charlie")
                for user in reachers:
                    url = route.url(values)
                    answer = 405
                    for method in methods:
                        if not route.is_api:
                            self.ensure_login(user)
                        # The write goes through, and is undone: the next request starts afresh.
                        with transaction.atomic():
                            answer = self.request(user, route, method, url).status_code
                            transaction.set_rollback(True)
                        self.restore_files()
                        if answer != 405:
                            break
                    if answer >= 500 and route.name in KNOWN_SERVER_ERRORS:
                        failing.add(route.name)
                        continue
                    assert answer not in (404, 405) and answer < 500, f"{user} {url}: {answer}"
        # Strict: once the error is fixed, its entry goes.
        assert failing == set(KNOWN_SERVER_ERRORS), failing

    def test_it_shows_bob_s_data_to_alice_where_charlie_sees_none(self) -> None:
        """The markers are there to be found: alice's export lists bob's customer."""
        route = next(r for r in page_routes() if r.name == "imports:export")
        self.login(self.alice)
        text = text_of(self.client.get(route.url({"what": "customers"})))
        assert "鲍勃的客户" in text and "13800138000" in text

    def test_it_sends_charlie_to_the_admin_login(self) -> None:
        routes = admin_routes()
        assert routes
        self.login(self.charlie)
        customer = self.objects["customer"]
        for url in [f"/admin/customers/customer/{customer.pk}/change/", "/admin/"]:
            response = self.client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]

    def test_it_answers_malformed_ids_with_a_404_never_a_500(self) -> None:
        """Asked by someone who would reach a real one: the answer is about the id alone."""
        for route in [*page_routes(), *api_routes()]:
            for kind_name, values in self.values(route):
                if kind_name is None:
                    continue
                user = KINDS[kind_name].reachers[0]
                param = next(p for p, k in route.kinds().items() if k == kind_name)
                # A page's <int:…> takes digits only: the rest is the resolver's 404.
                digits_only = f"<int:{param}>" in route.pattern
                bad = BAD_NUMBERS if digits_only else [*BAD_NUMBERS, *BAD_TEXT]
                for value in bad:
                    url = route.url({**values, param: value})
                    for method in ("get", "post"):
                        answer = self.request(user, route, method, url).status_code
                        allowed = (404, 405, 422) if route.is_api else (404, 405)
                        assert answer in allowed, f"{user} {method.upper()} {url}: {answer}"

    def restore_files(self) -> None:
        """A committed import removes its file; the rollback brings the row back, not the file."""
        for job in ImportJob.objects.all():
            if str(job.pk) in self.files and not job.path.exists():
                job.path.write_bytes(self.files[str(job.pk)])
