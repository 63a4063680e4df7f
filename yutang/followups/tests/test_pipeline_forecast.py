from __future__ import annotations

from decimal import Decimal

from yutang.accounts.models import User
from yutang.customers.models import Customer
from yutang.followups.queries import pipeline_forecast
from yutang.rules.models import Rules
from yutang.test import BaseTestCase, make_customer


class PipelineTestCase(BaseTestCase):
    """The stages' probabilities are the defaults: a 80%, b 50%, c 30%, d 10%."""

    def setUp(self) -> None:
        make_customer(self.bob, "a1", stage="a", deal_amount=Decimal("200.00"))
        make_customer(self.bob, "a2", stage="a", deal_amount=Decimal("0.05"))
        make_customer(self.dave, "b1", stage="b", deal_amount=Decimal("10.01"))
        make_customer(self.bob, "c1", stage="c", deal_amount=Decimal("33.33"))
        make_customer(self.bob, "无阶段", deal_amount=Decimal("500"))  # no stage: no deal
        make_customer(self.charlie, "查理的客户", stage="a", deal_amount=Decimal("1000"))

    def forecast(self, user: User) -> dict[str, tuple[int, Decimal, Decimal]]:
        result = pipeline_forecast(Customer.objects.visible_to(user), Rules.current())
        self.total = result.total
        return {s.stage: (s.count, s.amount, s.forecast) for s in result.stages}


class PipelineForecastTests(PipelineTestCase):
    def test_it_multiplies_each_stage_sum_by_its_probability_to_the_cent(self) -> None:
        # a: 200.05 × 0.8 = 160.04; b: 10.01 × 0.5 = 5.005 → 5.00 (half to even);
        # c: 33.33 × 0.3 = 9.999 → 10.00; d: nobody.
        assert self.forecast(self.bob) == {
            "a": (2, Decimal("200.05"), Decimal("160.04")),
            "b": (1, Decimal("10.01"), Decimal("5.00")),
            "c": (1, Decimal("33.33"), Decimal("10.00")),
            "d": (0, Decimal("0"), Decimal("0.00")),
        }
        assert self.total == Decimal("175.04")

    def test_it_covers_only_the_customers_given(self) -> None:
        assert self.forecast(self.dave)["b"] == (1, Decimal("10.01"), Decimal("5.00"))
        assert self.total == Decimal("5.00")
        assert self.forecast(self.charlie)["a"] == (1, Decimal("1000"), Decimal("800.00"))
        assert self.total == Decimal("800.00")
        self.forecast(self.alice)
        assert self.total == Decimal("975.04")


class PipelineApiTests(PipelineTestCase):
    def test_it_answers_the_forecast_of_the_callers_customers(self) -> None:
        response = self.api(self.bob, "get", "/api/pipeline")
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 4 and body["total"] == "175.04"
        first = body["items"][0]
        assert {k: first[k] for k in ("stage", "count", "amount", "forecast")} == {
            "stage": "a",
            "count": 2,
            "amount": "200.05",
            "forecast": "160.04",
        }
        assert [float(i["probability"]) for i in body["items"]] == [0.8, 0.5, 0.3, 0.1]

    def test_it_never_counts_another_branch(self) -> None:
        body = self.api(self.charlie, "get", "/api/pipeline").json()
        assert body["total"] == "800.00"
        assert [i["count"] for i in body["items"]] == [1, 0, 0, 0]
        assert self.api(self.alice, "get", "/api/pipeline").json()["total"] == "975.04"

    def test_it_refuses_an_anonymous_caller(self) -> None:
        response = self.client.get("/api/pipeline")
        assert response.status_code == 401 and "detail" in response.json()
