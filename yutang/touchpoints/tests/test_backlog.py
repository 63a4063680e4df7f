"""Issue 18, item 5: everything due beyond today's capacity, with bulk skip and snooze."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yutang.customers.models import Customer
from yutang.rules.models import Rules
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.models import DerivationRun, Kind, State, Touchpoint
from yutang.touchpoints.workbench import build_workbench, rank

from .helpers import at

TODAY = date(2026, 4, 15)


def touch(customer: Customer, kind: str = Kind.REPURCHASE, *, due: date = TODAY) -> Touchpoint:
    return Touchpoint.objects.create(
        customer=customer, kind=kind, key=f"{kind}:{customer.pk}", due_on=due
    )


class BacklogTests(BaseTestCase):
    def setUp(self) -> None:
        self.traveller = time_machine.travel(at(TODAY.isoformat()), tick=False)
        self.traveller.start()
        # Derived already: the page shows the rows as made here.
        DerivationRun.objects.create(on=TODAY)
        Rules.objects.update_or_create(pk=1, defaults={"daily_capacity": 3, "batch_size": 2})

    def tearDown(self) -> None:
        self.traveller.stop()

    def pks(self, response) -> list[int]:  # type: ignore[no-untyped-def]
        return [item.touchpoint.pk for item in response.context["items"]]

    def test_it_lists_only_what_todays_capacity_leaves_out_in_the_same_order(self) -> None:
        made = [touch(make_customer(self.bob, f"客{i}", grade="C")) for i in range(5)]
        late = touch(make_customer(self.bob, "逾期", grade="C"), due=TODAY - timedelta(days=2))
        touch(make_customer(self.bob, "明天"), due=TODAY + timedelta(days=1))  # not due yet
        bench = build_workbench(self.bob, TODAY, team=False)
        shown = [i.touchpoint.pk for i in bench.items]
        self.login(self.bob)
        response = self.client.get("/touchpoints/backlog/")
        assert response.status_code == 200
        listed = self.pks(response)
        assert len(shown) == 3 and len(listed) == 3 == bench.beyond_capacity
        assert not set(shown) & set(listed)
        assert set(shown) | set(listed) == {tp.pk for tp in [*made, late]}
        # One ranking for both pages: the backlog continues where the day's list stops.
        assert [e.pk for e in rank(self.bob, TODAY, team=False).entries] == shown + listed
        assert late.pk in shown
        # The workbench links to it.
        page = self.client.get("/").content.decode()
        assert 'href="/touchpoints/backlog/"' in page

    def test_it_filters_by_kind_and_responsible_person(self) -> None:
        Rules.objects.filter(pk=1).update(daily_capacity=1)
        bobs = [touch(make_customer(self.bob, f"b{i}", grade="AA")) for i in range(3)]
        birthday = touch(make_customer(self.bob, "生日"), Kind.BIRTHDAY)
        daves = [touch(make_customer(self.dave, f"d{i}")) for i in range(2)]
        charlies = touch(make_customer(self.charlie, "别的分支"))
        self.login(self.bob)
        team = self.client.get("/touchpoints/backlog/", {"scope": "team"})
        everyone = set(self.pks(team))
        assert len(everyone) == 5 and charlies.pk not in everyone
        # Whom bob may choose: his branch only.
        assert {p.username for p in team.context["people"]} == {"bob", "dave"}
        by_dave = self.client.get(
            "/touchpoints/backlog/", {"scope": "team", "person": str(self.dave.pk)}
        )
        assert set(self.pks(by_dave)) == {tp.pk for tp in daves}
        kind = self.client.get("/touchpoints/backlog/", {"scope": "team", "kind": "birthday"})
        assert self.pks(kind) == [birthday.pk]
        # Another branch's person, a bad id, an unknown kind: no filter, never their items.
        bads: list[dict[str, str]] = [{"person": str(self.charlie.pk)}, {"person": "x"}]
        for bad in [*bads, {"kind": "nope"}]:
            response = self.client.get("/touchpoints/backlog/", {"scope": "team", **bad})
            assert response.status_code == 200
            assert set(self.pks(response)) == everyone
        # Mine: bob's own customers beyond his own list's capacity.
        mine = self.client.get("/touchpoints/backlog/")
        assert set(self.pks(mine)) <= {tp.pk for tp in [*bobs, birthday]}
        assert len(self.pks(mine)) == 3

    def test_it_skips_and_snoozes_in_bulk_only_what_the_user_sees(self) -> None:
        Rules.objects.filter(pk=1).update(daily_capacity=0)
        own = [touch(make_customer(self.bob, f"b{i}")) for i in range(3)]
        other = touch(make_customer(self.charlie, "别的分支"))
        done = touch(make_customer(self.bob, "已做"))
        Touchpoint.objects.filter(pk=done.pk).update(state=State.DONE)
        self.login(self.bob)
        response = self.client.post(
            "/touchpoints/backlog/",
            {
                "ids": [own[0].pk, own[1].pk, other.pk, done.pk, "abc", "-1", "99999999999"],
                "action": "skip",
                "next": "/touchpoints/backlog/?kind=repurchase",
            },
        )
        assert response["Location"] == "/touchpoints/backlog/?kind=repurchase"
        states = dict(Touchpoint.objects.values_list("pk", "state"))
        assert states[own[0].pk] == states[own[1].pk] == State.SKIPPED
        assert states[own[2].pk] == State.OPEN
        assert states[other.pk] == State.OPEN and states[done.pk] == State.DONE
        page = self.client.get("/touchpoints/backlog/").content.decode()
        assert "已跳过 2 条" in page, page[page.find("messages") :][:400]
        # Charlie's, the one done already, and an id that matches nothing.
        assert "有 3 条没有改动" in page

        until = TODAY + timedelta(days=10)
        self.client.post(
            "/touchpoints/backlog/",
            {"ids": [own[2].pk, other.pk], "action": "snooze", "until": until.isoformat()},
        )
        own[2].refresh_from_db()
        other.refresh_from_db()
        assert own[2].state == State.SNOOZED and own[2].due_on == until
        assert other.state == State.OPEN and other.due_on == TODAY

    def test_it_refuses_bad_bulk_input(self) -> None:
        Rules.objects.filter(pk=1).update(daily_capacity=0)
        tp = touch(make_customer(self.bob, "小美"))
        self.login(self.bob)
        for data in (
            {"ids": [tp.pk], "action": "snooze", "until": "2020-01-01"},
            {"ids": [tp.pk], "action": "snooze", "until": "9999-12-31"},
            {"ids": [tp.pk], "action": "snooze", "until": "not a date"},
            {"ids": [tp.pk], "action": "delete"},
            {"ids": [], "action": "skip"},
            {"ids": [tp.pk], "action": "skip", "next": "https://evil.example/"},
        ):
            response = self.client.post("/touchpoints/backlog/", data)
            assert response.status_code == 302
            assert not response["Location"].startswith("https://evil")
            if data.get("next"):
                break
            tp.refresh_from_db()
            assert tp.state == State.OPEN, data

    def test_it_is_never_another_branchs(self) -> None:
        Rules.objects.filter(pk=1).update(daily_capacity=0)
        bobs = touch(make_customer(self.bob, "鲍勃的客户"))
        touch(make_customer(self.charlie, "查理的客户"))
        self.login(self.charlie)
        queries: list[dict[str, str]] = [{}, {"scope": "team"}]
        for query in [*queries, {"scope": "team", "person": str(self.bob.pk)}]:
            response = self.client.get("/touchpoints/backlog/", query)
            assert bobs.pk not in self.pks(response)
            assert "鲍勃的客户" not in response.content.decode()
        self.client.post("/touchpoints/backlog/", {"ids": [bobs.pk], "action": "skip"})
        bobs.refresh_from_db()
        assert bobs.state == State.OPEN

    def test_it_pages_in_a_fixed_number_of_queries(self) -> None:
        Rules.objects.filter(pk=1).update(daily_capacity=1)
        self.login(self.alice)
        counts = []
        for n in (3, 30):
            Touchpoint.objects.all().delete()
            for i in range(n):
                touch(make_customer(self.dave if i % 2 else self.bob, f"客{n}-{i}"))
            with CaptureQueriesContext(connection) as ctx:
                response = self.client.get("/touchpoints/backlog/", {"scope": "team"})
            assert response.status_code == 200
            assert response.context["page"].paginator.count == n - 1
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1]
        with self.assertNumQueries(counts[1]):
            self.client.get("/touchpoints/backlog/", {"scope": "team", "page": "2"})
        assert counts[1] <= 15
