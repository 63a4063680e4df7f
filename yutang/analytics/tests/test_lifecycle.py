from __future__ import annotations

from datetime import date, timedelta

from django.test import SimpleTestCase

from yutang.analytics.lifecycle import churn_window, compute_lifecycle
from yutang.rules.models import Rules

TODAY = date(2026, 6, 1)


def days_ago(*numbers: int) -> list[date]:
    return [TODAY - timedelta(days=n) for n in numbers]


def stage(
    paid: list[date], *, cycle: int | None = None, referred: int = 0, agent: bool = False
) -> str:
    return compute_lifecycle(
        rules=Rules(),
        today=TODAY,
        paid_days=paid,
        cycle_days=cycle,
        referred_buyers=referred,
        is_agent=agent,
    )


class LifecycleTests(SimpleTestCase):
    def test_it_derives_every_stage(self) -> None:
        assert stage([]) == "prospect"
        assert stage(days_ago(10)) == "new"
        assert stage(days_ago(400, 10)) == "returning"
        assert stage(days_ago(300, 200, 10)) == "loyal"
        assert stage(days_ago(500, 400, 10)) == "returning"  # two of three in the last year
        assert stage(days_ago(40, 10), referred=1) == "fan"
        assert stage(days_ago(10), referred=1) == "new"  # a fan has bought twice
        assert stage([], agent=True) == "distributor"

    def test_it_uses_the_customers_own_repurchase_interval(self) -> None:
        rules = Rules()
        assert churn_window(rules, [], None) == 180
        assert churn_window(rules, days_ago(50), 30) == 180
        assert churn_window(rules, days_ago(80, 60, 40, 20), None) == 40
        assert churn_window(rules, days_ago(80, 60, 40, 20), 30) == 60  # cycle + 30 days
        assert stage(days_ago(120, 100, 80, 60)) == "churned"  # 60 days > 2 × 20
        assert stage(days_ago(120, 100, 80, 40)) == "loyal"
        assert stage(days_ago(181)) == "churned"
        assert stage(days_ago(180)) == "new"
