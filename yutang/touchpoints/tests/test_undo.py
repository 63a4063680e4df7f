"""Issue 18, item 6: a done, skip or snooze tapped by mistake is taken back exactly."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import time_machine
from django.utils import timezone

from yutang.customers.models import Customer
from yutang.followups.actions import log_followup
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints import actions
from yutang.touchpoints.derive import derive_touchpoints
from yutang.touchpoints.models import DerivationRun, Kind, State, Touchpoint

from .helpers import at

TODAY = date(2026, 4, 15)


def state_of(customer: Customer) -> dict[str, Any]:
    """Everything a done may change about a customer: their touchpoints, follow-ups, timeline
    and derived fields."""
    return {
        "touchpoints": list(
            customer.touchpoints.order_by("pk").values(
                "pk", "kind", "key", "state", "due_on", "data", "closed_at", "closed_by"
            )
        ),
        "followups": list(customer.followups.order_by("pk").values_list("pk", flat=True)),
        "timeline": list(customer.activities.order_by("pk").values_list("pk", "kind")),
        "customer": Customer.objects.filter(pk=customer.pk).values().get(),
    }


class UndoTests(BaseTestCase):
    def setUp(self) -> None:
        self.traveller = time_machine.travel(at(TODAY.isoformat()), tick=False)
        self.traveller.start()
        DerivationRun.objects.create(on=TODAY)
        # A VIP never called, with a follow-up that falls due today: two real touchpoints.
        self.customer = make_customer(self.bob, "小美", vip=True, grade="A")
        log_followup(
            customer=self.customer,
            actor=self.bob,
            stage="b",
            summary="聊了面膜",
            next_contact_on=TODAY,
        )
        derive_touchpoints(today=TODAY)
        self.call = self.customer.touchpoints.get(kind=Kind.VIP_CALL)
        self.due = self.customer.touchpoints.get(kind=Kind.FOLLOWUP_DUE)
        assert self.call.state == self.due.state == State.OPEN

    def tearDown(self) -> None:
        self.traveller.stop()

    def test_it_undoes_a_done_with_its_follow_up_and_timeline_line(self) -> None:
        before = state_of(self.customer)
        self.login(self.bob)
        response = self.client.post(f"/touchpoints/{self.call.pk}/done/")
        assert response.status_code == 302
        self.call.refresh_from_db()
        self.due.refresh_from_db()
        # The call is a conversation: it also answered the follow-up that fell due.
        assert self.call.state == State.DONE and self.due.state == State.DONE
        assert self.customer.followups.count() == 2
        response = self.client.post(
            f"/touchpoints/{self.call.pk}/undo/", HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 200, response.content
        assert "小美" in response.json()["detail"]
        assert state_of(self.customer) == before

    def test_it_undoes_a_skip_and_a_snooze_exactly(self) -> None:
        before = state_of(self.customer)
        actions.skip_touchpoint(touchpoint=self.call, actor=self.bob)
        assert self.customer.activities.filter(kind="touchpoint").exists()
        actions.undo_touchpoint(touchpoint=self.call, actor=self.bob)
        assert state_of(self.customer) == before
        self.due.refresh_from_db()
        actions.snooze_touchpoint(touchpoint=self.due, until=TODAY + timedelta(days=3), actor=None)
        self.due.refresh_from_db()
        assert self.due.state == State.SNOOZED
        actions.undo_touchpoint(touchpoint=self.due, actor=self.sam)
        assert state_of(self.customer) == before

    def test_it_refuses_what_changed_since_or_is_too_late(self) -> None:
        self.login(self.bob)
        # Nothing done yet: nothing to undo.
        response = self.client.post(f"/touchpoints/{self.call.pk}/undo/", follow=True)
        assert "无法撤销" in response.content.decode()
        self.client.post(f"/touchpoints/{self.due.pk}/snooze/", {"days": "1"})
        self.due.refresh_from_db()
        # Snoozed again since: only the newest snooze is taken back, to the first one's day.
        self.client.post(f"/touchpoints/{self.due.pk}/snooze/", {"days": "3"})
        self.client.post(f"/touchpoints/{self.due.pk}/undo/")
        self.due.refresh_from_db()
        assert self.due.state == State.SNOOZED and self.due.due_on == TODAY + timedelta(days=1)
        # Twice: the record is gone.
        response = self.client.post(
            f"/touchpoints/{self.due.pk}/undo/", HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 409 and "无法撤销" in response.json()["detail"]
        # Too late.
        self.client.post(f"/touchpoints/{self.call.pk}/skip/")
        with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
            response = self.client.post(
                f"/touchpoints/{self.call.pk}/undo/", HTTP_ACCEPT="application/json"
            )
        assert response.status_code == 409
        self.call.refresh_from_db()
        assert self.call.state == State.SKIPPED

    def test_it_refuses_an_item_settled_another_way_since(self) -> None:
        actions.snooze_touchpoint(touchpoint=self.call, until=TODAY + timedelta(days=2), actor=None)
        # Then the system closed it: the snooze can no longer be undone.
        Touchpoint.objects.filter(pk=self.call.pk).update(state=State.CLOSED)
        self.call.refresh_from_db()
        try:
            actions.undo_touchpoint(touchpoint=self.call, actor=self.bob)
        except actions.TouchpointError:
            pass
        else:  # pragma: no cover
            raise AssertionError("undo of a closed item")
        self.call.refresh_from_db()
        assert self.call.state == State.CLOSED

    def test_it_is_for_who_may_see_the_customer(self) -> None:
        self.login(self.bob)
        self.client.post(f"/touchpoints/{self.call.pk}/skip/")
        self.login(self.charlie)
        assert self.client.post(f"/touchpoints/{self.call.pk}/undo/").status_code == 404
        self.call.refresh_from_db()
        assert self.call.state == State.SKIPPED
        # The owner sees every customer: she may take back the agent's tap.
        self.login(self.alice)
        self.client.post(f"/touchpoints/{self.call.pk}/undo/")
        self.call.refresh_from_db()
        assert self.call.state == State.OPEN

    def test_it_offers_the_undo_without_javascript(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            f"/touchpoints/{self.call.pk}/done/", {"next": "/?scope=team"}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/?scope=team#batch"
        page = response.content.decode()
        assert f'action="/touchpoints/{self.call.pk}/undo/"' in page and "撤销" in page
        # Only once: the next page load no longer offers it.
        assert "/undo/" not in self.client.get("/").content.decode()

    def test_it_answers_json_to_the_page_script(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            f"/touchpoints/{self.call.pk}/skip/", HTTP_ACCEPT="application/json"
        )
        body = response.json()
        assert body["state"] == "skipped" and body["label"] == "已跳过"
        assert body["undo_url"] == f"/touchpoints/{self.call.pk}/undo/"
        assert body["undo_label"] == "撤销"
        again = self.client.post(
            f"/touchpoints/{self.call.pk}/skip/", HTTP_ACCEPT="application/json"
        )
        assert again.status_code == 409 and again.json()["detail"]
