from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.forms import modelform_factory
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from yutang.accounts.access import request_user
from yutang.accounts.models import User
from yutang.accounts.views import owner_required
from yutang.catalog.models import Product
from yutang.customers.forms import owner_choices
from yutang.customers.models import Customer
from yutang.lib.ids import parse_id
from yutang.orders.models import OrderLine
from yutang.rules.models import Rules

from . import actions
from .access import get_touchpoint_for
from .derive import ensure_derived
from .first_run import first_run
from .kinds import KINDS
from .messages import check_template, message, templates_by_kind
from .models import MessageTemplate, State, Touchpoint
from .workbench import build_workbench, items_of, rank


def _url(path: str, query: dict[str, str | int]) -> str:
    """`path` with the non-empty values of `query`."""
    shown = {k: v for k, v in query.items() if v not in ("", None)}
    return f"{path}?{urlencode(shown)}" if shown else path


def _number(value: str, default: int) -> int:
    return int(value) if value.isdigit() and len(value) < 7 else default


def workbench(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    ensure_derived(today)
    # `?scope=team`: the whole visible pool; by default the user's own customers.
    team = request.GET.get("scope") == "team"
    user = request_user(request)
    bench = build_workbench(user, today, team=team)
    # One batch at a time (seed 002): `?batch=2`, or `?from=7`, the offset of the first item,
    # which the page uses after handling some of its batch in place: those are gone from the
    # list, so the next five begin that many items earlier.
    size = bench.batch_size
    count = len(bench.items)
    start = (_number(request.GET.get("batch", ""), 1) - 1) * size
    start = max(_number(request.GET.get("from", ""), start), 0)
    if start >= count:
        # Past the end (the list got shorter): the last batch.
        start = ((count - 1) // size) * size if count else 0
    batch = bench.items[start : start + size]
    scope = "team" if team else ""
    home = reverse("home")
    following = start + size
    undo = _undo_offer(request, user)
    return render(
        request,
        "touchpoints/workbench.html",
        {
            "bench": bench,
            "batch": batch,
            "batch_number": start // size + 1,
            "batch_count": (count + size - 1) // size,
            "batch_start": start,
            "next_url": _url(home, {"scope": scope, "from": following})
            if following < count
            else "",
            "previous_url": _url(home, {"scope": scope, "from": max(start - size, 0)})
            if start
            else "",
            "backlog_url": _url(reverse("touchpoints:backlog"), {"scope": scope}),
            "undo": undo,
            # The checklist of an empty pond; None once it has customers.
            "first_run": first_run(user) if not bench.items else None,
            "today": today,
            "tomorrow": today + timedelta(days=1),
            "next_week": today + timedelta(days=7),
            "here": request.get_full_path(),
        },
    )


def _undo_offer(request: HttpRequest, user: User) -> Touchpoint | None:
    """The item just handled on a page without JavaScript, while it can be taken back."""
    pk = request.session.pop(UNDO_SESSION_KEY, None)
    if not isinstance(pk, int):
        return None
    touchpoint = Touchpoint.objects.visible_to(user).select_related("customer").filter(pk=pk)
    found = touchpoint.first()
    return found if found is not None and actions.undoable(found) else None


UNDO_SESSION_KEY = "touchpoint_undo"


def _wants_json(request: HttpRequest) -> bool:
    """The page's script asks for JSON, to swap the card in place; a plain form, a redirect."""
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect("home")
    target = target.split("#")[0]
    if urlsplit(target).path == reverse("home"):
        # Back to the batch the seller was working through, not the top of the page.
        target += "#batch"
    return redirect(target)


def _settled_label(touchpoint: Touchpoint) -> str:
    if touchpoint.state == State.DONE:
        return _("done")
    if touchpoint.state == State.SNOOZED:
        return _("Snoozed until %(day)s") % {"day": touchpoint.due_on.strftime("%m-%d")}
    return _("Skipped")


@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request_user(request)
    touchpoint = get_touchpoint_for(user, pk)
    wants_json = _wants_json(request)
    error = ""
    try:
        if action == "done":
            actions.complete_touchpoint(
                touchpoint=touchpoint, actor=user, note=request.POST.get("note", "")[:500]
            )
            text = _("Done: logged on %(name)s's timeline.") % {
                "name": touchpoint.customer.nickname
            }
        elif action == "snooze":
            until = _snooze_until(request.POST.get("days", ""), request.POST.get("until", ""))
            if until is None:
                error = _("Pick a date after today (YYYY-MM-DD).")
            else:
                actions.snooze_touchpoint(touchpoint=touchpoint, until=until, actor=user)
                text = _("Snoozed until %(day)s.") % {"day": until.isoformat()}
        elif action == "skip":
            actions.skip_touchpoint(touchpoint=touchpoint, actor=user)
            text = _("Skipped.")
        else:
            error = _("Unknown action.")
    except actions.TouchpointError:
        error = _("This item was already handled.")
    if error:
        if wants_json:
            return JsonResponse({"detail": error, "errors": {}}, status=409)
        messages.error(request, error)
        return _back(request)
    undo_url = reverse("touchpoints:undo", args=[touchpoint.pk])
    if wants_json:
        return JsonResponse(
            {
                "state": touchpoint.state,
                "detail": text,
                "label": _settled_label(touchpoint),
                "undo_url": undo_url,
                "undo_label": _("Undo"),
            }
        )
    messages.success(request, text)
    request.session[UNDO_SESSION_KEY] = touchpoint.pk
    return _back(request)


@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Take back a done, skip or snooze: whoever may see the customer, within a few minutes,
    while the item is still as that action left it."""
    user = request_user(request)
    touchpoint = get_touchpoint_for(user, pk)
    try:
        actions.undo_touchpoint(touchpoint=touchpoint, actor=user)
    except actions.TouchpointError:
        error = _(
            "This can no longer be undone: it was changed since, or more than %(minutes)s "
            "minutes have passed."
        ) % {"minutes": int(actions.UNDO_WINDOW.total_seconds() // 60)}
        if _wants_json(request):
            return JsonResponse({"detail": error, "errors": {}}, status=409)
        messages.error(request, error)
        return _back(request)
    text = _("Undone: %(name)s is back on the list.") % {"name": touchpoint.customer.nickname}
    if _wants_json(request):
        return JsonResponse({"detail": text})
    messages.success(request, text)
    return _back(request)


def _snooze_until(days: str, until: str) -> date | None:
    today = timezone.localdate()
    if days in ("1", "3", "7"):
        return today + timedelta(days=int(days))
    try:
        chosen = date.fromisoformat(until)
    except ValueError:
        return None
    # A date input allows years up to 9999; a snooze of more than a year is a typo.
    return chosen if today < chosen <= today + timedelta(days=366) else None


# The most a bulk action takes at once: a page of the backlog with room to spare.
BULK_LIMIT = 500


def backlog(request: HttpRequest) -> HttpResponse:
    """Everything due that today's capacity leaves for another day, in the workbench's order,
    filterable by kind and responsible person, with bulk skip and snooze."""
    today = timezone.localdate()
    user = request_user(request)
    team = request.GET.get("scope") == "team"
    if request.method == "POST":
        return _bulk(request, user)
    ensure_derived(today)
    ranking = rank(user, today, team=team)
    entries = ranking.beyond
    kind = request.GET.get("kind", "")
    if kind not in KINDS:
        kind = ""
    people = list(owner_choices(user)) if team else []
    chosen = parse_id(request.GET.get("person", ""))
    person = next((p for p in people if p.pk == chosen), None)
    if kind:
        entries = [e for e in entries if e.kind == kind]
    if person is not None:
        entries = [e for e in entries if e.owner_id == person.pk]
    page = Paginator(entries, settings.YUTANG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "touchpoints/backlog.html",
        {
            "page": page,
            "items": items_of(list(page.object_list)),
            "ranking": ranking,
            "kinds": [(k, spec.label) for k, spec in KINDS.items()],
            "kind": kind,
            "people": people,
            "person": person,
            "team": team,
            "query": query.urlencode(),
            "here": request.get_full_path(),
            "today": today,
            "tomorrow": today + timedelta(days=1),
            "home_url": _url(reverse("home"), {"scope": "team" if team else ""}),
        },
    )


def _bulk(request: HttpRequest, user: User) -> HttpResponse:
    ids = {i for i in (parse_id(v) for v in request.POST.getlist("ids")[:BULK_LIMIT]) if i}
    action = request.POST.get("action", "")
    until = None
    if action == "snooze":
        until = _snooze_until(request.POST.get("days", ""), request.POST.get("until", ""))
        if until is None:
            messages.error(request, _("Pick a date after today (YYYY-MM-DD)."))
            return _back_to_backlog(request)
    elif action != "skip":
        messages.error(request, _("Unknown action."))
        return _back_to_backlog(request)
    if not ids:
        messages.error(request, _("Tick the items to change first."))
        return _back_to_backlog(request)
    # Only what the acting user may see: an id of another branch changes nothing.
    touchpoints = (
        Touchpoint.objects.visible_to(user).pending().filter(pk__in=ids).select_related("customer")
    )
    changed = actions.settle_touchpoints(touchpoints=touchpoints, actor=user, until=until)
    if until is None:
        text = ngettext("%(n)s item skipped.", "%(n)s items skipped.", changed) % {"n": changed}
    else:
        text = ngettext(
            "%(n)s item snoozed until %(day)s.", "%(n)s items snoozed until %(day)s.", changed
        ) % {"n": changed, "day": until.isoformat()}
    messages.success(request, text)
    if changed < len(ids):
        left = len(ids) - changed
        messages.warning(
            request,
            ngettext(
                "%(n)s item was not changed: already handled, or not on your list.",
                "%(n)s items were not changed: already handled, or not on your list.",
                left,
            )
            % {"n": left},
        )
    return _back_to_backlog(request)


def _back_to_backlog(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        target = reverse("touchpoints:backlog")
    return redirect(target)


RulesForm = modelform_factory(Rules, exclude=[])


@dataclass
class TemplateRow:
    kind: str
    label: str
    text: str
    hint: str
    error: str = ""
    preview: str = ""
    preview_for: str = ""


def _preview_touchpoints(user: User, customer: Customer | None) -> dict[str, Touchpoint]:
    """For each kind, a real touchpoint to preview its message on: the chosen customer's (or
    anyone's) latest of that kind, else one about the customer with nothing derived yet."""
    visible = Touchpoint.objects.visible_to(user).select_related("customer", "order")
    if customer is not None:
        visible = visible.filter(customer=customer)
    found: dict[str, Touchpoint] = {}
    for tp in visible.order_by("-id")[:500]:
        found.setdefault(tp.kind, tp)
    fallback = customer or Customer.objects.visible_to(user).order_by("-created").first()
    if fallback is not None:
        data = _sample_data(fallback)
        for kind in KINDS:
            found.setdefault(kind, Touchpoint(customer=fallback, kind=kind, data=data))
    return found


def _sample_data(customer: Customer) -> dict[str, object]:
    """What a touchpoint about this customer could say: their last order's products (or the
    catalog's first), and an example parcel and holiday."""
    lines = OrderLine.objects.filter(order__customer=customer).order_by("-order_id", "id")
    products = [line.product for line in lines.select_related("product")[:3]]
    if not products:
        products = list(Product.objects.filter(active=True)[:1])
    today = timezone.localdate()
    return {
        "products": [p.name for p in products],
        "short_products": list(dict.fromkeys(p.message_name for p in products)),
        "courier": "顺丰速运",
        "tracking_number": "SF1234567890",
        "holiday": "春节",
        "use_up": (today + timedelta(days=3)).isoformat(),
        "last_purchase": (today - timedelta(days=27)).isoformat(),
    }


def rules_settings(request: HttpRequest) -> HttpResponse:
    owner_required(request)
    user = request_user(request)
    form = RulesForm(request.POST or None, instance=Rules.current(), prefix="rules")
    customers = Customer.objects.visible_to(user)
    chosen = parse_id(request.POST.get("customer") or request.GET.get("customer", ""))
    customer = customers.filter(pk=chosen).first() if chosen else None
    texts = templates_by_kind()
    rows = [
        TemplateRow(kind, spec.label, texts[kind], " ".join(f"{{{p}}}" for p in spec.placeholders))
        for kind, spec in KINDS.items()
    ]
    if request.method == "POST":
        for row in rows:
            field = f"template-{row.kind}"
            if field in request.POST:
                # An emptied message goes back to the built-in one.
                row.text = request.POST[field].strip()[:1000] or KINDS[row.kind].default_template
            row.error = check_template(row.kind, row.text)
        valid = form.is_valid() and not any(row.error for row in rows)
        if valid and "preview" not in request.POST:
            with transaction.atomic():
                form.save()
                for row in rows:
                    if row.text == KINDS[row.kind].default_template:
                        MessageTemplate.objects.filter(kind=row.kind).delete()
                    else:
                        MessageTemplate.objects.update_or_create(
                            kind=row.kind, defaults={"text": row.text}
                        )
            messages.success(request, _("Saved."))
            target = reverse("touchpoints:rules")
            return redirect(f"{target}?customer={customer.pk}" if customer else target)
        if not valid:
            messages.error(request, _("Nothing was saved: correct the messages marked below."))
    touchpoints = _preview_touchpoints(user, customer)
    for row in rows:
        if not row.error and row.kind in touchpoints:
            row.preview = message(touchpoints[row.kind], {row.kind: row.text})
            row.preview_for = touchpoints[row.kind].customer.nickname
    return render(
        request,
        "touchpoints/rules.html",
        {
            "form": form,
            "rows": rows,
            "customer": customer,
            "recent_customers": customers.order_by("-created")[:30],
        },
    )
