from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from yutang.accounts.access import request_user
from yutang.accounts.apikit import validate
from yutang.customers.access import get_customer_for
from yutang.customers.models import Customer
from yutang.rules.models import Rules

from .actions import log_followup
from .forms import FollowUpForm
from .queries import StageForecast, pipeline_forecast

router: Router = Router(tags=["follow-ups"])


class FollowUpIn(Schema):
    stage: str | None = None
    channel: str = "chat"
    summary: str = ""
    next_step: str = ""
    next_contact_on: date | None = None
    amount: Decimal | None = None


class FollowUpOut(Schema):
    id: int
    customer: int
    at: datetime
    channel: str
    summary: str
    next_step: str
    next_contact_on: date | None
    amount: Decimal | None
    stage: str
    author: str | None

    @staticmethod
    def resolve_customer(obj: Any) -> int:
        return int(obj.customer_id)

    @staticmethod
    def resolve_author(obj: Any) -> str | None:
        return obj.author.username if obj.author else None


@router.post(
    "/customers/{customer_id}/followups",
    response={201: FollowUpOut, 422: dict},
    summary="Log a follow-up",
)
def create_followup(request: HttpRequest, customer_id: int, payload: FollowUpIn) -> Any:
    user = request_user(request)
    customer = get_customer_for(user, customer_id)
    form = validate(FollowUpForm, payload.dict())
    return Status(201, log_followup(customer=customer, actor=user, **form.cleaned_data))


@router.get(
    "/customers/{customer_id}/followups",
    response=list[FollowUpOut],
    summary="A customer's follow-ups",
)
def list_followups(request: HttpRequest, customer_id: int) -> Any:
    customer = get_customer_for(request_user(request), customer_id)
    return list(customer.followups.select_related("author")[:200])


class PipelineOut(Schema):
    items: list[StageForecast]
    count: int
    total: Decimal


@router.get("/pipeline", response=PipelineOut, summary="The pipeline forecast")
def pipeline(request: HttpRequest) -> Any:
    """One item per stage, a to d, over the customers the caller may see: `count` customers,
    the sum of their deal `amount`, the stage's `probability` (0 to 1, the owner's numbers) and
    the `forecast`, amount × probability to the cent; `total` is the sum of the forecasts."""
    customers = Customer.objects.visible_to(request_user(request))
    forecast = pipeline_forecast(customers, Rules.current())
    return {"items": forecast.stages, "count": len(forecast.stages), "total": forecast.total}
