"""Issue 18: whose list it is, deadlines first, shelf life, and what may come back."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role
from yutang.customers.models import Customer
from yutang.orders import actions as orders
from yutang.rules.models import Rules
from yutang.test import PASSWORD, BaseTestCase, make_customer
from yutang.touchpoints.actions import skip_touchpoint
from yutang.touchpoints.derive import derive_touchpoints
from yutang.touchpoints.models import DerivationRun, Kind, State, Touchpoint
from yutang.touchpoints.workbench import build_workbench

from .helpers import at, masks

TODAY = date(2026, 4, 15)


def touch(customer: Customer, kind: str, *, due: date = TODAY) -> Touchpoint:
    return Touchpoint.objects.create(
        customer=customer, kind=kind, key=f"{kind}:{customer.pk}", due_on=due
    )


def derive(day: str) -> dict[str, int]:
    with time_machine.travel(at(day, 11), tick=False):
        return derive_touchpoints(today=date.fromisoformat(day))


class TodayTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.traveller = time_machine.travel(at(TODAY.isoformat()), tick=False)
        self.traveller.start()

    def tearDown(self) -> None:
        self.traveller.stop()


class WhoseListTests(TodayTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.leaver = create_user(username="leaver", role=Role.STAFF, password=PASSWORD)
        self.leaver.is_active = False
        self.leaver.save()
        # Derived already this hour: the page and the API show the rows as made here.
        DerivationRun.objects.create(on=TODAY)
        for owner in (self.alice, self.sam, self.bob, self.dave, self.charlie, self.leaver):
            touch(make_customer(owner, f"{owner.username}的"), Kind.REPURCHASE)

    def names(self, user, *, team: bool) -> set[str]:  # type: ignore[no-untyped-def]
        bench = build_workbench(user, TODAY, team=team)
        return {i.touchpoint.customer.nickname for i in bench.items}

    def test_each_user_sees_the_customers_they_are_responsible_for(self) -> None:
        # The shop owner also gets the customers whose responsible person has left.
        assert self.names(self.alice, team=False) == {"alice的", "leaver的"}
        assert self.names(self.sam, team=False) == {"sam的"}
        # An upline does not chase the downline's customers by default.
        assert self.names(self.bob, team=False) == {"bob的"}
        assert self.names(self.dave, team=False) == {"dave的"}

    def test_the_team_view_is_the_whole_visible_pool(self) -> None:
        everyone = {"alice的", "sam的", "bob的", "dave的", "charlie的", "leaver的"}
        assert self.names(self.alice, team=True) == everyone
        assert self.names(self.sam, team=True) == everyone
        assert self.names(self.bob, team=True) == {"bob的", "dave的"}
        assert self.names(self.charlie, team=True) == {"charlie的"}

    def test_the_api_gives_the_callers_own_list_and_the_team_on_request(self) -> None:
        def names(user, **params):  # type: ignore[no-untyped-def]
            body = self.api(user, "get", "/api/touchpoints", today="true", **params).json()
            assert body["count"] == len(body["items"])
            return {(i["customer_nickname"], i["owner_name"]) for i in body["items"]}

        assert names(self.bob) == {("bob的", "bob")}
        assert names(self.bob, scope="team") == {("bob的", "bob"), ("dave的", "dave")}
        assert names(self.sam, scope="mine") == {("sam的", "sam")}
        response = self.api(self.bob, "get", "/api/touchpoints", today="true", scope="all")
        assert response.status_code == 422 and "scope" in response.json()["errors"]

    def test_the_api_pages_its_lists(self) -> None:
        first = self.api(self.alice, "get", "/api/touchpoints", page_size=4).json()
        second = self.api(self.alice, "get", "/api/touchpoints", page_size=4, page=2).json()
        assert first["count"] == second["count"] == 6
        assert len(first["items"]) == 4 and len(second["items"]) == 2
        assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
        mine = self.api(self.bob, "get", "/api/touchpoints", scope="mine").json()
        assert [i["customer_nickname"] for i in mine["items"]] == ["bob的"]
        response = self.api(self.alice, "get", "/api/touchpoints", page_size=0)
        assert response.status_code == 422

    def test_the_page_switches_to_the_team_and_names_the_responsible(self) -> None:
        self.login(self.bob)
        own = self.client.get("/")
        assert {i.touchpoint.customer.nickname for i in own.context["bench"].items} == {"bob的"}
        html = own.content.decode()
        assert 'href="?scope=team"' in html and "负责人 bob" not in html
        team = self.client.get("/?scope=team")
        html = team.content.decode()
        assert {i.touchpoint.customer.nickname for i in team.context["bench"].items} == {
            "bob的",
            "dave的",
        }
        assert "负责人 dave" in html and 'name="next" value="/?scope=team"' in html

    def test_the_team_view_uses_the_same_number_of_queries_for_any_number_of_items(self) -> None:
        self.login(self.bob)
        self.client.get("/?scope=team")  # derives once
        counts = []
        for n in (2, 12):
            Touchpoint.objects.all().delete()
            for i in range(n):
                owner = self.bob if i % 2 else self.dave
                touch(make_customer(owner, f"客{n}-{i}", grade="C"), Kind.REPURCHASE)
            with CaptureQueriesContext(connection) as ctx:
                response = self.client.get("/?scope=team")
            assert len(response.context["bench"].items) == n
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1]


class DeadlinesFirstTests(TodayTestCase):
    def test_older_items_without_a_deadline_never_push_one_out(self) -> None:
        assert Rules.current().daily_capacity == 30
        for i in range(40):
            customer = make_customer(self.bob, f"老客{i}", grade="AA", consumed=True)
            touch(customer, Kind.REPURCHASE, due=TODAY - timedelta(days=10))
        shipped = make_customer(self.bob, "刚发货", grade="D")
        signed = make_customer(self.bob, "刚签收", grade="D")
        touch(shipped, Kind.SHIPPING_NOTICE)
        touch(signed, Kind.DELIVERY_CARE)
        bench = build_workbench(self.bob, TODAY, team=False)
        assert len(bench.items) == 30 and bench.beyond_capacity == 12
        kinds = [i.touchpoint.kind for i in bench.items]
        assert kinds[:2] == ["shipping_notice", "delivery_care"]
        assert kinds[2:] == ["repurchase"] * 28


class ShelfLifeTests(BaseTestCase):
    def test_a_shipping_notice_expires_after_three_days(self) -> None:
        customer = make_customer(self.bob, "小美")
        with time_machine.travel(at("2026-04-01"), tick=False):
            order = orders.place_order(
                customer=customer,
                seller=self.bob,
                actor=self.bob,
                status="paid",
                lines=[orders.LineInput(product=masks(), quantity=1)],
            )
            orders.change_order_status(order=order, status="shipped", actor=self.bob)
        notice = customer.touchpoints.get(kind=Kind.SHIPPING_NOTICE)
        derive("2026-04-04")
        notice.refresh_from_db()
        assert notice.state == State.OPEN
        stats = derive("2026-04-05")
        notice.refresh_from_db()
        assert notice.state == State.EXPIRED and stats["expired"] == 1
        # Still shipped, but past its shelf life: it stays expired and no twin is made.
        derive("2026-04-06")
        notice.refresh_from_db()
        assert notice.state == State.EXPIRED
        assert customer.touchpoints.filter(kind=Kind.SHIPPING_NOTICE).count() == 1

    def test_last_weeks_birthday_expires_and_is_counted_on_the_page(self) -> None:
        customer = make_customer(self.bob, "寿星", birthday=date(1990, 4, 8))
        derive("2026-04-08")
        birthday = customer.touchpoints.get(kind=Kind.BIRTHDAY)
        assert birthday.state == State.OPEN
        derive("2026-04-11")
        birthday.refresh_from_db()
        assert birthday.state == State.OPEN
        with time_machine.travel(at("2026-04-15"), tick=False):
            self.login(self.bob)
            response = self.client.get("/")
        birthday.refresh_from_db()
        assert birthday.state == State.EXPIRED
        assert response.context["bench"].expired_today == 1
        assert "1 项已过期" in response.content.decode()

    def test_a_reactivation_from_last_year_is_not_offered(self) -> None:
        customer = make_customer(self.bob, "老客")
        with time_machine.travel(at("2025-03-01"), tick=False):
            orders.place_order(
                customer=customer,
                seller=self.bob,
                actor=self.bob,
                status="paid",
                lines=[orders.LineInput(product=masks(), quantity=1)],
            )
        derive("2025-05-01")
        reactivation = customer.touchpoints.get(kind=Kind.REACTIVATION)
        derive("2026-04-15")
        reactivation.refresh_from_db()
        assert reactivation.state == State.EXPIRED
        # Derived for the first time long after: never made at all.
        late = make_customer(self.bob, "另一个老客")
        with time_machine.travel(at("2025-03-01"), tick=False):
            orders.place_order(
                customer=late,
                seller=self.bob,
                actor=self.bob,
                status="paid",
                lines=[orders.LineInput(product=masks(31), quantity=1)],
            )
        Touchpoint.objects.filter(customer=late).delete()
        derive("2026-04-15")
        assert not late.touchpoints.exists()


class ComingBackTests(BaseTestCase):
    def setUp(self) -> None:
        self.product = masks(30)
        self.customer = make_customer(self.bob, "小美")
        with time_machine.travel(at("2026-01-05"), tick=False):
            self.order(self.customer)
        # Used up on 4 February, 30 days without a new order: 6 March.
        derive("2026-03-06")
        self.reactivation = self.customer.touchpoints.get(kind=Kind.REACTIVATION)
        assert self.reactivation.state == State.OPEN

    def order(self, customer: Customer):  # type: ignore[no-untyped-def]
        return orders.place_order(
            customer=customer,
            seller=self.bob,
            actor=self.bob,
            status="paid",
            lines=[orders.LineInput(product=self.product, quantity=1)],
        )

    def buy_and_refund(self) -> None:
        with time_machine.travel(at("2026-03-07"), tick=False):
            newer = self.order(self.customer)
        self.reactivation.refresh_from_db()
        assert self.reactivation.state in (State.CLOSED, State.SKIPPED)
        with time_machine.travel(at("2026-03-08"), tick=False):
            orders.change_order_status(order=newer, status="refunded", actor=self.bob)
        self.reactivation.refresh_from_db()

    def test_what_the_system_closed_comes_back(self) -> None:
        self.buy_and_refund()
        assert self.reactivation.state == State.OPEN
        assert self.reactivation.closed_at is None
        with time_machine.travel(at("2026-03-08", 12), tick=False):
            body = self.api(
                self.bob, "get", "/api/touchpoints", customer=self.customer.pk, state="open"
            ).json()
        assert [i["kind"] for i in body["items"]].count("reactivation") == 1
        assert Touchpoint.objects.filter(kind=Kind.REACTIVATION).count() == 1

    def test_what_the_seller_settled_does_not(self) -> None:
        with time_machine.travel(at("2026-03-06", 12), tick=False):
            skip_touchpoint(touchpoint=self.reactivation, actor=self.bob)
        self.buy_and_refund()
        assert self.reactivation.state == State.SKIPPED
        assert self.reactivation.closed_at is not None
        assert timezone.localdate(self.reactivation.closed_at) == date(2026, 3, 6)
