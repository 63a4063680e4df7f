from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.forms import modelform_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yutang.accounts.access import request_user
from yutang.accounts.views import owner_required
from yutang.rules.models import Rules

from . import actions
from .access import get_touchpoint_for
from .derive import ensure_derived
from .kinds import KINDS
from .messages import templates_by_kind
from .models import MessageTemplate
from .workbench import build_workbench


def workbench(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    ensure_derived(today)
    # `?scope=team`: the whole visible pool; by default the user's own customers.
    team = request.GET.get("scope") == "team"
    bench = build_workbench(request_user(request), today, team=team)
    return render(
        request,
        "touchpoints/workbench.html",
        {
            "bench": bench,
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


def rules_settings(request: HttpRequest) -> HttpResponse:
    owner_required(request)
    form = RulesForm(request.POST or None, instance=Rules.current(), prefix="rules")
    if request.method == "POST" and form.is_valid():
        form.save()
        for kind in KINDS:
            text = request.POST.get(f"template-{kind}", "").strip()
            if text:
                MessageTemplate.objects.update_or_create(kind=kind, defaults={"text": text[:1000]})
        messages.success(request, _("Saved."))
        return redirect("touchpoints:rules")
    templates = templates_by_kind()
    rows = [
        (kind, spec.label, templates[kind], " ".join(f"{{{p}}}" for p in spec.placeholders))
        for kind, spec in KINDS.items()
    ]
    return render(request, "touchpoints/rules.html", {"form": form, "rows": rows})
