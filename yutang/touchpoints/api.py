from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from yutang.accounts.access import request_user
from yutang.accounts.apikit import field_errors
from yutang.lib.ids import page_slice, parse_id

from . import actions
from .access import get_touchpoint_for
from .derive import ensure_derived
from .kinds import Kind
from .messages import message, reason, templates_by_kind
from .models import State, Touchpoint
from .workbench import build_workbench, own_q

router: Router = Router(tags=["touchpoints"])


class TouchpointOut(Schema):
    id: int
    customer: int
    customer_nickname: str
    # The responsible person (负责人): the customer's owner.
    owner: int
    owner_name: str
    kind: str
    due_on: date
    reason: str
    message: str
    state: str


class TouchpointPage(Schema):
    items: list[TouchpointOut]
    count: int


# The caller's own customers (the default of `today`) or the whole visible pool (of the rest).
SCOPES = ("", "mine", "team")


class SnoozeIn(Schema):
    until: date | None = None
    days: int | None = None


class NoteIn(Schema):
    note: str = ""


def _out(tp: Touchpoint, templates: dict[str, str]) -> dict[str, Any]:
    return {
        "id": tp.pk,
        "customer": tp.customer_id,
        "customer_nickname": tp.customer.nickname,
        "owner": tp.customer.owner_id,
        "owner_name": tp.customer.owner.display_name,
        "kind": tp.kind,
        "due_on": tp.due_on,
        "reason": reason(tp),
        "message": message(tp, templates),
        "state": tp.state,
    }


@router.get("/touchpoints", response={200: TouchpointPage, 422: dict}, summary="Touchpoints")
def list_touchpoints(
    request: HttpRequest,
    customer: int | None = None,
    state: str = "",
    kind: str = "",
    due_by: date | None = None,
    today: bool = False,
    scope: str = "",
    page: int = 1,
    # Paginated like the other lists; one page holds a day's list at the default capacity.
    page_size: int = 50,
) -> Any:
    """`today=true` gives the caller's own workbench (the customers they are responsible for):
    open items due today or overdue, in priority order, within the daily capacity, honouring
    the frequency cap and do-not-disturb; `scope=team` the whole visible pool. Without
    `today` the list is of the whole visible pool, or `scope=mine` of the caller's own."""
    user = request_user(request)
    errors: dict[str, list[str]] = {}
    if state and state not in State.values:
        errors["state"] = [_("Unknown state.")]
    if kind and kind not in Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if scope not in SCOPES:
        errors["scope"] = [_("Unknown scope.")]
    if page < 1 or not 1 <= page_size <= 200:
        errors["page"] = [_("page ≥ 1 and 1 ≤ page_size ≤ 200.")]
    if errors:
        return field_errors(errors)
    templates = templates_by_kind()
    rows = page_slice(page, page_size)
    if today:
        now = timezone.localdate()
        ensure_derived(now)
        items = build_workbench(user, now, team=scope == "team").items
        return {
            "items": [_out(item.touchpoint, templates) for item in items[rows]],
            "count": len(items),
        }
    qs = Touchpoint.objects.visible_to(user).select_related("customer__owner")
    if scope == "mine":
        qs = qs.filter(own_q(user, "customer__"))
    if customer is not None:
        customer_id = parse_id(customer)
        qs = qs.filter(customer_id=customer_id) if customer_id else qs.none()
    if state == State.OPEN:
        # Snoozed items come back as open on their new date.
        qs = qs.pending()
    elif state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if due_by:
        qs = qs.filter(due_on__lte=due_by)
    qs = qs.order_by("due_on", "id")
    return {"items": [_out(tp, templates) for tp in qs[rows]], "count": qs.count()}


def _get(request: HttpRequest, touchpoint_id: int) -> Touchpoint:
    return get_touchpoint_for(request_user(request), touchpoint_id)


def _answer(tp: Touchpoint) -> dict[str, Any]:
    tp.refresh_from_db()
    return _out(tp, templates_by_kind())


@router.post("/touchpoints/{touchpoint_id}/done", response={200: TouchpointOut, 422: dict})
def done(request: HttpRequest, touchpoint_id: int, payload: NoteIn | None = None) -> Any:
    tp = _get(request, touchpoint_id)
    try:
        actions.complete_touchpoint(
            touchpoint=tp, actor=request_user(request), note=(payload.note if payload else "")[:500]
        )
    except actions.TouchpointError:
        return field_errors({"state": [_("This item was already handled.")]})
    return _answer(tp)


@router.post("/touchpoints/{touchpoint_id}/snooze", response={200: TouchpointOut, 422: dict})
def snooze(request: HttpRequest, touchpoint_id: int, payload: SnoozeIn | None = None) -> Any:
    tp = _get(request, touchpoint_id)
    today = timezone.localdate()
    until = payload.until if payload and payload.until else None
    if until is None:
        days = payload.days if payload and payload.days else 1
        if not 1 <= days <= 365:
            return field_errors({"days": [_("Snooze for 1 to 365 days.")]})
        until = date.fromordinal(today.toordinal() + days)
    if until <= today:
        return field_errors({"until": [_("Pick a date after today (YYYY-MM-DD).")]})
    try:
        actions.snooze_touchpoint(touchpoint=tp, until=until, actor=request_user(request))
    except actions.TouchpointError:
        return field_errors({"state": [_("This item was already handled.")]})
    return _answer(tp)


@router.post("/touchpoints/{touchpoint_id}/skip", response={200: TouchpointOut, 422: dict})
def skip(request: HttpRequest, touchpoint_id: int) -> Any:
    tp = _get(request, touchpoint_id)
    try:
        actions.skip_touchpoint(touchpoint=tp, actor=request_user(request))
    except actions.TouchpointError:
        return field_errors({"state": [_("This item was already handled.")]})
    return _answer(tp)
