from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yutang.accounts.models import User
from yutang.customers.actions import log_activity
from yutang.customers.derived import refresh_customers
from yutang.customers.models import ActivityKind, Customer, Stage

from .models import FollowUp


@transaction.atomic
def log_followup(
    *,
    customer: Customer,
    actor: User | None,
    stage: str,
    channel: str = "chat",
    summary: str = "",
    next_step: str = "",
    next_contact_on: date | None = None,
    amount: Decimal | None = None,
    at: datetime | None = None,
) -> FollowUp:
    """Record a conversation; the customer's current stage and amount are the latest ones."""
    followup = FollowUp.objects.create(
        customer=customer,
        author=actor,
        at=at or timezone.now(),
        channel=channel,
        summary=summary,
        next_step=next_step,
        next_contact_on=next_contact_on,
        amount=amount,
        stage=stage,
    )
    latest = customer.followups.order_by("-at", "-id").first()
    if stage and latest is not None and latest.pk == followup.pk:
        customer.stage, customer.deal_amount = stage, amount
        customer.save(update_fields=["stage", "deal_amount", "updated"])
    log_activity(
        customer,
        ActivityKind.FOLLOWUP,
        actor,
        followup=followup.pk,
        stage=stage,
        channel=channel,
        summary=summary[:200],
        next_step=next_step[:200],
        next_contact_on=next_contact_on.isoformat() if next_contact_on else None,
        amount=str(amount) if amount is not None else None,
    )
    # A conversation answers the follow-up that fell due, whatever its date, and may set the
    # next one.
    refresh_customers([customer.pk])
    return followup


def suggested_grade(customer: Customer) -> str | None:
    """A consultation suggests A (seed 000), grade A being “can close soon”: that is stage a
    (small doubts left, closes next time). Stage b is a customer not yet convinced, and one
    such conversation is no reason to push for the order. The seller decides."""
    if customer.grade in ("AA", "A") or customer.consumed:
        return None
    return "A" if customer.stage == Stage.A else None
