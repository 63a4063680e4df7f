from __future__ import annotations

import io
from datetime import date

import time_machine
from django.core.management import CommandError, call_command

from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.tests.helpers import at


class RunDailyTests(BaseTestCase):
    def test_it_derives_as_of_a_date_and_is_idempotent(self) -> None:
        customer = make_customer(self.bob, "寿星", birthday=date(1990, 5, 20))
        with time_machine.travel(at("2026-05-20"), tick=False):
            out = io.StringIO()
            call_command("run_daily", "--date", "2026-05-20", stdout=out)
            assert "created 1" in out.getvalue()
            call_command("run_daily", "--date", "2026-05-20", stdout=out)
            assert "created 0" in out.getvalue().splitlines()[-1]
        assert customer.touchpoints.get().due_on == date(2026, 5, 20)

    def test_it_refuses_a_bad_date(self) -> None:
        with self.assertRaisesMessage(CommandError, "YYYY-MM-DD"):
            call_command("run_daily", "--date", "2024-13-45", stdout=io.StringIO())


class DistributorTests(BaseTestCase):
    def test_it_marks_a_customer_who_became_an_agent(self) -> None:
        customer = make_customer(self.alice, "小美")
        self.login(self.alice)
        response = self.client.post(
            f"/customers/{customer.pk}/edit/",
            {
                "nickname": "小美",
                "owner": self.alice.pk,
                "birthday_calendar": "solar",
                "agent_account": self.charlie.pk,
            },
        )
        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.lifecycle == "distributor"
        self.login(self.bob)
        form = self.client.get("/customers/new/").context["form"]
        assert "agent_account" not in form.fields
