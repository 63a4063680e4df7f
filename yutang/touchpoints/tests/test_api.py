from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from yutang.orders import actions as orders
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.models import Kind

from .helpers import masks


class TouchpointApiTests(BaseTestCase):
    def setUp(self) -> None:
        self.customer = make_customer(self.dave, "小美", name="王美", vip=True)
        order = orders.place_order(
            customer=self.customer,
            seller=self.dave,
            actor=self.dave,
            status="paid",
            courier="顺丰速运",
            tracking_number="SF9",
            lines=[orders.LineInput(product=masks(), quantity=1)],
        )
        orders.change_order_status(order=order, status="shipped", actor=self.dave)
        self.tp = self.customer.touchpoints.get(kind=Kind.SHIPPING_NOTICE)

    def get(self, user, **params):  # type: ignore[no-untyped-def]
        return self.client.get("/api/touchpoints", params, headers=self.bearer(user))

    def post(self, user, url, body=None):  # type: ignore[no-untyped-def]
        return self.client.post(
            url, body or {}, content_type="application/json", headers=self.bearer(user)
        )

    def test_it_lists_a_customers_open_touchpoints(self) -> None:
        response = self.get(self.bob, customer=self.customer.pk, state="open")
        assert response.status_code == 200
        items = response.json()["items"]
        assert {i["kind"] for i in items} == {"shipping_notice", "repurchase", "vip_call"}
        assert response.json()["count"] == 3
        [item] = [i for i in items if i["kind"] == "shipping_notice"]
        assert item["kind"] == "shipping_notice" and item["state"] == "open"
        assert item["due_on"] == timezone.localdate().isoformat()
        assert "SF9" in item["message"] and "SF9" in item["reason"]
        assert set(item) >= {"kind", "due_on", "reason", "message", "state"}

    def test_it_gives_todays_workbench(self) -> None:
        # Dave's own list, and his upline's team view; not his upline's own list.
        for user, params in [(self.dave, {}), (self.bob, {"scope": "team"})]:
            response = self.get(user, today="true", **params)
            kinds = [item["kind"] for item in response.json()["items"]]
            assert "shipping_notice" in kinds and "vip_call" in kinds
            assert response.json()["count"] == len(kinds)
            assert {i["owner_name"] for i in response.json()["items"]} == {"dave"}
        assert self.get(self.bob, today="true").json() == {"items": [], "count": 0}

    def test_it_marks_done_snoozes_and_skips(self) -> None:
        url = f"/api/touchpoints/{self.tp.pk}"
        response = self.post(self.bob, f"{url}/snooze", {"days": 3})
        assert response.json()["state"] == "snoozed"
        assert response.json()["due_on"] == (timezone.localdate() + timedelta(days=3)).isoformat()
        assert self.get(self.bob, customer=self.customer.pk, state="open").json()["items"] != []
        response = self.post(self.bob, f"{url}/snooze", {"until": "2020-01-01"})
        assert response.status_code == 422 and "until" in response.json()["errors"]
        response = self.post(self.bob, f"{url}/snooze", {"until": "2024-13-45"})
        assert response.status_code == 422
        response = self.post(self.bob, f"{url}/done", {"note": "已告知单号"})
        assert response.json()["state"] == "done"
        assert "已告知单号" in self.customer.followups.get().summary
        response = self.post(self.bob, f"{url}/skip")
        assert response.status_code == 422 and "state" in response.json()["errors"]

    def test_it_refuses_bad_filters(self) -> None:
        assert self.get(self.bob, state="gone").status_code == 422
        assert self.get(self.bob, kind="party").status_code == 422
        assert self.get(self.bob, due_by="2024-13-45").status_code == 422

    def test_it_is_a_404_for_another_branch(self) -> None:
        assert self.get(self.charlie, customer=self.customer.pk).json()["items"] == []
        assert self.get(self.charlie, today="true").json()["items"] == []
        assert self.get(self.charlie, today="true", scope="team").json()["items"] == []
        for action in ("done", "snooze", "skip"):
            url = f"/api/touchpoints/{self.tp.pk}/{action}"
            assert self.post(self.charlie, url).status_code == 404
        self.tp.refresh_from_db()
        assert self.tp.state == "open"


class CustomerApiLifecycleTests(BaseTestCase):
    def test_it_shows_lifecycle_and_stage(self) -> None:
        customer = make_customer(self.bob, "小美")
        self.client.post(
            f"/api/customers/{customer.pk}/followups",
            {"stage": "b", "summary": "聊了面膜", "next_contact_on": str(date(2030, 1, 1))},
            content_type="application/json",
            headers=self.bearer(self.bob),
        )
        body = self.client.get(
            f"/api/customers/{customer.pk}", headers=self.bearer(self.bob)
        ).json()
        assert body["lifecycle"] == "prospect" and body["stage"] == "b"
        listed = self.client.get(
            "/api/customers", {"stage": "b", "lifecycle": "prospect"}, headers=self.bearer(self.bob)
        ).json()
        assert [c["id"] for c in listed["items"]] == [customer.pk]
