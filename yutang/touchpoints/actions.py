from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from yutang.accounts.models import User
from yutang.customers.actions import log_activity
from yutang.customers.models import ActivityKind
from yutang.followups.actions import log_followup

from .kinds import KINDS
from .messages import message, reason
from .models import State, Touchpoint


class TouchpointError(ValueError):
    pass


def _settle(touchpoint: Touchpoint, state: str, actor: User | None) -> None:
    touchpoint.state = state
    touchpoint.closed_at = timezone.now()
    touchpoint.closed_by = actor
    touchpoint.save(update_fields=["state", "closed_at", "closed_by", "due_on", "data"])


@transaction.atomic
def complete_touchpoint(*, touchpoint: Touchpoint, actor: User | None, note: str = "") -> None:
    """Done: the seller reached out, which is a conversation worth a follow-up entry."""
    if touchpoint.state not in (State.OPEN, State.SNOOZED):
        raise TouchpointError("settled")
    _settle(touchpoint, State.DONE, actor)
    customer = touchpoint.customer
    summary = f"{touchpoint.get_kind_display()}：{note or message(touchpoint)}"
    log_followup(
        customer=customer,
        actor=actor,
        stage="",
        channel=KINDS[touchpoint.kind].channel,
        summary=summary[:2000],
        amount=customer.deal_amount,
    )


@transaction.atomic
def snooze_touchpoint(*, touchpoint: Touchpoint, until: date, actor: User | None) -> None:
    if touchpoint.state not in (State.OPEN, State.SNOOZED):
        raise TouchpointError("settled")
    if until <= timezone.localdate():
        raise TouchpointError("past")
    touchpoint.data = {**touchpoint.data, "snoozed_from": touchpoint.due_on.isoformat()}
    touchpoint.due_on = until
    touchpoint.state = State.SNOOZED
    touchpoint.save(update_fields=["state", "due_on", "data"])


@transaction.atomic
def skip_touchpoint(*, touchpoint: Touchpoint, actor: User | None) -> None:
    if touchpoint.state not in (State.OPEN, State.SNOOZED):
        raise TouchpointError("settled")
    _settle(touchpoint, State.SKIPPED, actor)
    log_activity(
        touchpoint.customer,
        ActivityKind.TOUCHPOINT,
        actor,
        touchpoint_kind=touchpoint.kind,
        state=State.SKIPPED,
        reason=reason(touchpoint),
    )
