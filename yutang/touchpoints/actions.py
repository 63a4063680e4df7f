from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from yutang.accounts.models import User
from yutang.customers.actions import log_activity
from yutang.customers.derived import refresh_customers
from yutang.customers.models import Activity, ActivityKind, Customer
from yutang.followups.actions import log_followup
from yutang.followups.models import FollowUp

from .kinds import KINDS
from .messages import message, reason
from .models import State, Touchpoint, Undo

# How long a done, skip or snooze can be taken back: the page offers it for a few seconds, the
# server a little longer, for a slow phone network or a page without JavaScript.
UNDO_WINDOW = timedelta(minutes=5)


class TouchpointError(ValueError):
    pass


Fields = dict[str, Any]


def _fields(tp: Touchpoint) -> Fields:
    """What a done, skip or snooze changes on a touchpoint, as JSON."""
    return {
        "state": tp.state,
        "due_on": tp.due_on.isoformat(),
        "data": tp.data,
        "closed_at": tp.closed_at.isoformat() if tp.closed_at else None,
        "closed_by": tp.closed_by_id,
    }


def _put_back(tp: Touchpoint, fields: Fields) -> None:
    tp.state = fields["state"]
    tp.due_on = date.fromisoformat(fields["due_on"])
    tp.data = fields["data"]
    tp.closed_at = datetime.fromisoformat(fields["closed_at"]) if fields["closed_at"] else None
    tp.closed_by_id = fields["closed_by"]
    tp.save(update_fields=["state", "due_on", "data", "closed_at", "closed_by"])


def _others(customer: Customer, touchpoint: Touchpoint) -> dict[int, Fields]:
    return {tp.pk: _fields(tp) for tp in customer.touchpoints.exclude(pk=touchpoint.pk)}


def _remember(
    touchpoint: Touchpoint,
    actor: User | None,
    before: Fields,
    *,
    followup_id: int | None = None,
    activity_ids: Iterable[int] = (),
    others_before: dict[int, Fields] | None = None,
) -> None:
    now = timezone.now()
    changed: dict[str, list[Fields]] = {}
    made: list[int] = []
    if others_before is not None:
        others_after = _others(touchpoint.customer, touchpoint)
        changed = {
            str(pk): [fields, others_after[pk]]
            for pk, fields in others_before.items()
            if pk in others_after and others_after[pk] != fields
        }
        made = [pk for pk in others_after if pk not in others_before]
    Undo.objects.filter(created__lt=now - UNDO_WINDOW).delete()
    Undo.objects.update_or_create(
        touchpoint=touchpoint,
        defaults={
            "actor": actor,
            "created": now,
            "before": before,
            "after": _fields(touchpoint),
            "followup_id": followup_id,
            "activity_ids": list(activity_ids),
            "changed": changed,
            "made": made,
        },
    )


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
    customer = touchpoint.customer
    # The follow-up may settle the customer's other touchpoints (the follow-up that fell due)
    # or make new ones (the next VIP call): an undo puts them back too.
    others = _others(customer, touchpoint)
    before = _fields(touchpoint)
    _settle(touchpoint, State.DONE, actor)
    summary = f"{touchpoint.get_kind_display()}：{note or message(touchpoint)}"
    followup = log_followup(
        customer=customer,
        actor=actor,
        stage="",
        channel=KINDS[touchpoint.kind].channel,
        summary=summary[:2000],
        amount=customer.deal_amount,
    )
    entries = Activity.objects.filter(
        customer=customer, kind=ActivityKind.FOLLOWUP, data__followup=followup.pk
    ).values_list("pk", flat=True)
    _remember(
        touchpoint,
        actor,
        before,
        followup_id=followup.pk,
        activity_ids=entries,
        others_before=others,
    )


@transaction.atomic
def snooze_touchpoint(*, touchpoint: Touchpoint, until: date, actor: User | None) -> None:
    if touchpoint.state not in (State.OPEN, State.SNOOZED):
        raise TouchpointError("settled")
    if until <= timezone.localdate():
        raise TouchpointError("past")
    before = _fields(touchpoint)
    touchpoint.data = {**touchpoint.data, "snoozed_from": touchpoint.due_on.isoformat()}
    touchpoint.due_on = until
    touchpoint.state = State.SNOOZED
    touchpoint.save(update_fields=["state", "due_on", "data"])
    _remember(touchpoint, actor, before)


@transaction.atomic
def skip_touchpoint(*, touchpoint: Touchpoint, actor: User | None) -> None:
    if touchpoint.state not in (State.OPEN, State.SNOOZED):
        raise TouchpointError("settled")
    before = _fields(touchpoint)
    _settle(touchpoint, State.SKIPPED, actor)
    entry = log_activity(
        touchpoint.customer,
        ActivityKind.TOUCHPOINT,
        actor,
        touchpoint_kind=touchpoint.kind,
        state=State.SKIPPED,
        reason=reason(touchpoint),
    )
    _remember(touchpoint, actor, before, activity_ids=[entry.pk])


def undoable(touchpoint: Touchpoint) -> Undo | None:
    """The done, skip or snooze of `touchpoint` that can still be taken back, if any."""
    record = Undo.objects.filter(touchpoint=touchpoint).first()
    if record is None or timezone.now() - record.created > UNDO_WINDOW:
        return None
    if record.after.get("state") != touchpoint.state:
        return None
    if record.after.get("due_on") != touchpoint.due_on.isoformat():
        return None
    return record


@transaction.atomic
def undo_touchpoint(*, touchpoint: Touchpoint, actor: User | None) -> str:
    """Take back the last done, skip or snooze of `touchpoint` (fetched through what `actor`
    may see) within UNDO_WINDOW, exactly: its fields as they were, and for a done the
    follow-up and its timeline entry removed and the customer's other touchpoints that it
    settled or made put back. Returns the state that was undone. Refused when there is
    nothing to undo, it is too late, or the touchpoint has changed since."""
    touchpoint = (
        Touchpoint.objects.select_for_update().select_related("customer").get(pk=touchpoint.pk)
    )
    record = undoable(touchpoint)
    if record is None:
        raise TouchpointError("not undoable")
    customer = touchpoint.customer
    if record.followup_id is not None:
        FollowUp.objects.filter(pk=record.followup_id, customer=customer).delete()
    Activity.objects.filter(pk__in=record.activity_ids, customer=customer).delete()
    # What the done made is gone again, unless a seller has settled it since.
    customer.touchpoints.filter(pk__in=record.made).exclude(
        state__in=(State.DONE, State.SKIPPED)
    ).delete()
    others = customer.touchpoints.in_bulk([int(pk) for pk in record.changed])
    for pk, (before, after) in record.changed.items():
        other = others.get(int(pk))
        if other is not None and _fields(other)["state"] == after["state"]:
            _put_back(other, before)
    undone = touchpoint.state
    _put_back(touchpoint, record.before)
    record.delete()
    if record.followup_id is not None:
        # The derived state read the follow-up (last contact, statistics): read again.
        refresh_customers([customer.pk])
    return undone


@transaction.atomic
def settle_touchpoints(
    *, touchpoints: Iterable[Touchpoint], actor: User | None, until: date | None = None
) -> int:
    """Skip every one of `touchpoints` (already scoped to what `actor` may see), or snooze
    them to `until`, all or none. Those already handled are left as they are. Returns how
    many changed."""
    changed = 0
    for tp in touchpoints:
        if tp.state not in (State.OPEN, State.SNOOZED):
            continue
        if until is None:
            skip_touchpoint(touchpoint=tp, actor=actor)
        else:
            snooze_touchpoint(touchpoint=tp, until=until, actor=actor)
        changed += 1
    return changed
