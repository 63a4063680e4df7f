"""Read-only figures of the pipeline, for its page and the API alike."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from yutang.customers.models import Customer, Stage
from yutang.rules.models import Rules

CENT = Decimal("0.01")


@dataclass(frozen=True)
class StageForecast:
    stage: str
    label: str
    count: int
    amount: Decimal
    probability: Decimal
    forecast: Decimal


@dataclass(frozen=True)
class PipelineForecast:
    stages: list[StageForecast]
    total: Decimal


def pipeline_forecast(customers: QuerySet[Customer], rules: Rules) -> PipelineForecast:
    """Per stage, of these customers (those the user may see): how many, the sum of their deal
    amounts, the stage's probability (the owner's numbers) and the forecast, amount ×
    probability rounded to the cent; the total is the sum of the rounded forecasts."""
    money = DecimalField(max_digits=14, decimal_places=2)
    sums: dict[str, tuple[int, Any]] = {
        stage: (n, amount)
        for stage, n, amount in customers.exclude(stage="")
        .values("stage")
        .annotate(n=Count("id"), amount=Coalesce(Sum("deal_amount"), Value(0, output_field=money)))
        .values_list("stage", "n", "amount")
        .order_by()
    }
    stages = []
    for stage, label in Stage.choices:
        count, total = sums.get(stage, (0, Decimal(0)))
        amount = Decimal(str(total)).quantize(CENT)
        probability = rules.stage_probability(stage)
        stages.append(
            StageForecast(
                stage=stage,
                label=str(label),
                count=count,
                amount=amount,
                probability=probability,
                forecast=(amount * probability).quantize(CENT),
            )
        )
    return PipelineForecast(stages=stages, total=sum((s.forecast for s in stages), Decimal(0)))
