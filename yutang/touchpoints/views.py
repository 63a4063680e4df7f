from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.db import transaction
from django.forms import modelform_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yutang.accounts.access import request_user
from yutang.accounts.models import User
from yutang.accounts.views import owner_required
from yutang.catalog.models import Product
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
from .models import MessageTemplate, Touchpoint
from .workbench import build_workbench


def workbench(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    ensure_derived(today)
    # `?scope=team`: the whole visible pool; by default the user's own customers.
    team = request.GET.get("scope") == "team"
    user = request_user(request)
    bench = build_workbench(user, today, team=team)
    return render(
        request,
        "touchpoints/workbench.html",
        {
            "bench": bench,
            # The checklist of an empty pond; None once it has customers.
            "first_run": first_run(user) if not bench.items else None,
            "today": today,
            "tomorrow": today + timedelta(days=1),
            "here": request.get_full_path(),
        },
    )


@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request_user(request)
    touchpoint = get_touchpoint_for(user, pk)
    try:
        if action == "done":
            actions.complete_touchpoint(
                touchpoint=touchpoint, actor=user, note=request.POST.get("note", "")[:500]
            )
            messages.success(
                request,
                _("Done: logged on %(name)s's timeline.") % {"name": touchpoint.customer.nickname},
            )
        elif action == "snooze":
            until = _snooze_until(request.POST.get("days", ""), request.POST.get("until", ""))
            if until is None:
                messages.error(request, _("Pick a date after today (YYYY-MM-DD)."))
            else:
                actions.snooze_touchpoint(touchpoint=touchpoint, until=until, actor=user)
                messages.success(request, _("Snoozed until %(day)s.") % {"day": until.isoformat()})
        elif action == "skip":
            actions.skip_touchpoint(touchpoint=touchpoint, actor=user)
            messages.success(request, _("Skipped."))
    except actions.TouchpointError:
        messages.error(request, _("This item was already handled."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "home"
    return redirect(target or "home")


def _snooze_until(days: str, until: str) -> date | None:
    today = timezone.localdate()
    if days in ("1", "3", "7"):
        return today + timedelta(days=int(days))
    try:
        chosen = date.fromisoformat(until)
    except ValueError:
        return None
    return chosen if chosen > today else None


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
