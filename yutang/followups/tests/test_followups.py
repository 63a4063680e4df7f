from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from yutang.customers.models import Customer
from yutang.followups.actions import log_followup, suggested_grade
from yutang.followups.models import FollowUp
from yutang.test import BaseTestCase, make_customer


class FollowUpTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.customer = make_customer(self.bob, "小美")

    # These tests read the messages in English.
    api_language = "en"


class PageTests(FollowUpTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.bob)
        self.url = f"/followups/new/{self.customer.pk}/"

    def test_it_logs_a_follow_up(self) -> None:
        assert self.client.get(self.url).status_code == 200
        response = self.client.post(
            self.url,
            {
                "stage": "b",
                "channel": "call",
                "summary": "聊了祛痘需求",
                "next_step": "发试用装",
                "next_contact_on": "2026-03-01",
                "amount": "1280.50",
            },
        )
        assert response.status_code == 302
        assert response["Location"] == f"/customers/{self.customer.pk}/#followups"
        followup = FollowUp.objects.get()
        assert (followup.customer, followup.author) == (self.customer, self.bob)
        assert (followup.stage, followup.channel) == ("b", "call")
        assert (followup.summary, followup.next_step) == ("聊了祛痘需求", "发试用装")
        assert followup.next_contact_on == date(2026, 3, 1)
        assert followup.amount == Decimal("1280.50")
        self.customer.refresh_from_db()
        assert self.customer.stage == "b" and self.customer.deal_amount == Decimal("1280.50")
        activity = self.customer.activities.get(kind="followup")
        assert activity.data["followup"] == followup.pk and activity.data["stage"] == "b"

    def assert_refused(self, field: str, message: str, **data: str) -> None:
        response = self.client.post(self.url, {"stage": "a", "channel": "chat", **data})
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert field in errors, errors
        assert message in " ".join(errors[field]), errors[field]
        assert message in response.content.decode()
        assert not FollowUp.objects.exists()
        self.customer.refresh_from_db()
        assert self.customer.stage == ""

    def test_it_refuses_bad_input(self) -> None:
        self.client.cookies.load({"django_language": "en"})
        self.assert_refused("stage", "The stage must be a, b, c or d.", stage="e")
        self.assert_refused("stage", "This field is required.", stage="")
        self.assert_refused("amount", "The amount cannot be negative.", amount="-1")
        self.assert_refused("next_contact_on", "Enter a valid date.", next_contact_on="2024-13-45")
        self.assert_refused("channel", "Unknown channel.", channel="fax")

    def test_it_refuses_in_chinese_by_default(self) -> None:
        self.assert_refused("stage", "这个字段是必填项", stage="")


class ApiTests(FollowUpTestCase):
    def url(self, customer: Customer | None = None) -> str:
        return f"/api/customers/{(customer or self.customer).pk}/followups"

    def test_it_logs_and_lists_follow_ups(self) -> None:
        body = {
            "stage": "a",
            "channel": "meeting",
            "summary": "到店体验",
            "next_step": "下周付款",
            "next_contact_on": "2026-03-01",
            "amount": "999.00",
        }
        response = self.api(self.dave, "post", self.url(), body)
        assert response.status_code == 404  # dave is below bob: he cannot see bob's customer
        response = self.api(self.bob, "post", self.url(), body)
        assert response.status_code == 201, response.content
        data = response.json()
        followup = FollowUp.objects.get()
        assert data["id"] == followup.pk and data["customer"] == self.customer.pk
        assert data["author"] == "bob"
        assert {k: data[k] for k in body if k != "amount"} == {
            k: v for k, v in body.items() if k != "amount"
        }
        assert Decimal(data["amount"]) == Decimal("999.00")
        self.customer.refresh_from_db()
        assert self.customer.stage == "a" and self.customer.deal_amount == Decimal("999.00")
        listed = self.api(self.bob, "get", self.url()).json()
        assert [f["id"] for f in listed] == [followup.pk]

    def test_it_defaults_the_channel_and_leaves_the_amount_empty(self) -> None:
        response = self.api(self.bob, "post", self.url(), {"stage": "d"})
        assert response.status_code == 201, response.content
        assert response.json()["channel"] == "chat" and response.json()["amount"] is None
        self.customer.refresh_from_db()
        assert self.customer.stage == "d" and self.customer.deal_amount is None

    def test_it_refuses_bad_input_with_a_message_and_saves_nothing(self) -> None:
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"stage": "e"}, "stage", "The stage must be a, b, c or d."),
            ({}, "stage", "This field is required."),
            ({"stage": None}, "stage", "This field is required."),
            ({"stage": "a", "amount": "-0.01"}, "amount", "The amount cannot be negative."),
            ({"stage": "a", "next_contact_on": "2024-13-45"}, "next_contact_on", "valid date"),
            ({"stage": "a", "channel": "fax"}, "channel", "Unknown channel."),
        ]
        for body, field, message in cases:
            response = self.api(self.bob, "post", self.url(), body)
            assert response.status_code == 422, (body, response.content)
            errors = response.json()["errors"]
            assert field in errors, (body, errors)
            assert message in " ".join(errors[field]), (body, errors)
        assert not FollowUp.objects.exists()
        assert not self.customer.activities.filter(kind="followup").exists()

    def test_it_refuses_a_bad_date_in_chinese_by_default(self) -> None:
        response = self.client.post(
            self.url(),
            data=json.dumps({"stage": "a", "next_contact_on": "2024-13-45"}),
            content_type="application/json",
            headers=self.bearer(self.bob),
        )
        assert response.status_code == 422
        assert "请输入有效日期" in response.json()["errors"]["next_contact_on"][0]


class StageTests(FollowUpTestCase):
    def log(self, stage: str, amount: str | None = None, **kwargs: Any) -> FollowUp:
        return log_followup(
            customer=self.customer,
            actor=self.bob,
            stage=stage,
            amount=Decimal(amount) if amount is not None else None,
            **kwargs,
        )

    def test_it_keeps_the_latest_stage_and_amount(self) -> None:
        self.log("d", "100")
        self.log("b", "500")
        self.customer.refresh_from_db()
        assert self.customer.stage == "b" and self.customer.deal_amount == Decimal("500.00")
        self.log("a")
        self.customer.refresh_from_db()
        assert self.customer.stage == "a" and self.customer.deal_amount is None

    def test_it_does_not_let_an_older_conversation_override_the_latest(self) -> None:
        self.log("a", "800")
        self.log("d", "10", at=timezone.now() - timedelta(days=7))
        self.customer.refresh_from_db()
        assert self.customer.stage == "a" and self.customer.deal_amount == Decimal("800.00")
        assert FollowUp.objects.count() == 2

    def test_it_suggests_grade_a_after_stage_a_only_for_a_non_buyer(self) -> None:
        # Stage b is “not yet convinced”: no reason to push for the order the same minute.
        for stage, expected in (("d", None), ("c", None), ("b", None), ("a", "A")):
            self.log(stage)
            self.customer.refresh_from_db()
            assert suggested_grade(self.customer) == expected, stage
        self.login(self.bob)
        response = self.client.get(f"/customers/{self.customer.pk}/")
        assert response.context["suggested_grade"] == "A"

    def test_it_suggests_nothing_for_a_buyer_or_a_customer_already_graded_a(self) -> None:
        self.log("a")
        for fields in ({"consumed": True}, {"grade": "A"}, {"grade": "AA"}):
            customer = Customer.objects.get(pk=self.customer.pk)
            for name, value in fields.items():
                setattr(customer, name, value)
            assert suggested_grade(customer) is None, fields


class PipelineTests(FollowUpTestCase):
    def setUp(self) -> None:
        super().setUp()
        Customer.objects.filter(pk=self.customer.pk).update(stage="a", deal_amount=Decimal("1000"))
        make_customer(self.dave, "a2", stage="a", deal_amount=Decimal("333.33"))
        make_customer(self.bob, "b1", stage="b", deal_amount=Decimal("999.99"))
        make_customer(self.bob, "c1", stage="c", deal_amount=Decimal("100.10"))
        make_customer(self.bob, "c2", stage="c")  # no amount yet
        make_customer(self.bob, "无阶段")  # never talked about a deal
        make_customer(self.charlie, "查理的客户", stage="a", deal_amount=Decimal("50000"))

    def columns(self, user: Any) -> tuple[dict[str, dict[str, Any]], Decimal]:
        self.login(user)
        response = self.client.get("/followups/pipeline/")
        assert response.status_code == 200
        return {c["stage"]: c for c in response.context["columns"]}, response.context["total"]

    def test_it_forecasts_amount_times_probability_per_stage(self) -> None:
        columns, total = self.columns(self.bob)
        assert list(columns) == ["a", "b", "c", "d"]
        summary = {s: (c["count"], c["amount"], c["probability"]) for s, c in columns.items()}
        assert summary == {
            "a": (2, Decimal("1333.33"), 80),
            "b": (1, Decimal("999.99"), 50),
            "c": (2, Decimal("100.10"), 30),
            "d": (0, Decimal("0"), 10),
        }
        # 1333.33 × 0.8 = 1066.664; 999.99 × 0.5 = 499.995; 100.10 × 0.3 = 30.03
        assert columns["a"]["forecast"] == Decimal("1066.66")
        assert columns["b"]["forecast"] == Decimal("500.00")
        assert columns["c"]["forecast"] == Decimal("30.03")
        assert columns["d"]["forecast"] == Decimal("0.00")
        assert total == Decimal("1596.69")
        names = {s: sorted(c.nickname for c in col["customers"]) for s, col in columns.items()}
        assert names == {"a": ["a2", "小美"], "b": ["b1"], "c": ["c1", "c2"], "d": []}

    def test_it_shows_every_branch_to_the_owner(self) -> None:
        columns, total = self.columns(self.alice)
        assert columns["a"]["count"] == 3
        assert total == Decimal("1596.69") + Decimal("40000.00")

    def test_it_never_shows_another_branch(self) -> None:
        columns, total = self.columns(self.charlie)
        names = [c.nickname for col in columns.values() for c in col["customers"]]
        assert names == ["查理的客户"] and total == Decimal("40000.00")
        assert [c["count"] for c in columns.values()] == [1, 0, 0, 0]
        html = self.client.get("/followups/pipeline/").content.decode()
        # Names as the cards show them: a random CSRF token may well contain "b1".
        assert 'class="name">小美<' not in html and 'class="name">b1<' not in html
        assert 'class="name">查理的客户<' in html

    def test_it_logs_a_follow_up_when_a_customer_moves(self) -> None:
        self.login(self.bob)
        self.client.cookies.load({"django_language": "en"})
        response = self.client.post(f"/followups/pipeline/move/{self.customer.pk}/", {"stage": "b"})
        assert (
            response.status_code == 302 and response["Location"] == "/followups/pipeline/?stage=b"
        )
        self.customer.refresh_from_db()
        assert self.customer.stage == "b" and self.customer.deal_amount == Decimal("1000.00")
        followup = self.customer.followups.get()
        assert (followup.stage, followup.amount, followup.author) == (
            "b",
            Decimal("1000"),
            self.bob,
        )
        assert followup.summary == "Moved from stage a to b in the pipeline."
        assert self.customer.activities.filter(kind="followup").count() == 1

    def test_it_refuses_an_unknown_stage_and_ignores_the_same_stage(self) -> None:
        self.login(self.bob)
        self.client.cookies.load({"django_language": "en"})
        url = f"/followups/pipeline/move/{self.customer.pk}/"
        response = self.client.post(url, {"stage": "e"}, follow=True)
        assert "The stage must be a, b, c or d." in response.content.decode()
        self.client.post(url, {"stage": "a"})
        self.customer.refresh_from_db()
        assert self.customer.stage == "a" and not FollowUp.objects.exists()
        assert self.client.get(url).status_code == 405


class ScopeTests(FollowUpTestCase):
    def test_it_answers_404_to_another_branch(self) -> None:
        self.login(self.charlie)
        url = f"/followups/new/{self.customer.pk}/"
        assert self.client.get(url).status_code == 404
        assert self.client.post(url, {"stage": "a", "channel": "chat"}).status_code == 404
        move = f"/followups/pipeline/move/{self.customer.pk}/"
        assert self.client.post(move, {"stage": "a"}).status_code == 404
        api = f"/api/customers/{self.customer.pk}/followups"
        assert self.api(self.charlie, "get", api).status_code == 404
        assert self.api(self.charlie, "post", api, {"stage": "a"}).status_code == 404
        assert not FollowUp.objects.exists()
        self.customer.refresh_from_db()
        assert self.customer.stage == ""

    def test_it_lets_the_upline_log_for_the_downline(self) -> None:
        daves = make_customer(self.dave, "戴夫的客户")
        response = self.api(
            self.bob, "post", f"/api/customers/{daves.pk}/followups", {"stage": "c"}
        )
        assert response.status_code == 201
        daves.refresh_from_db()
        assert daves.stage == "c"
