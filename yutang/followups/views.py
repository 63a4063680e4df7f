from __future__ import annotations

from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yutang.accounts.access import request_user
from yutang.customers.access import get_customer_for
from yutang.customers.models import Customer, Stage
from yutang.rules.models import Rules

from .actions import log_followup
from .forms import FollowUpForm
from .models import FollowUp
from .queries import pipeline_forecast

PIPELINE_COLUMN_SIZE = 20


def followup_create(request: HttpRequest, customer_pk: int) -> HttpResponse:
    user = request_user(request)
    customer = get_customer_for(user, customer_pk)
    form = FollowUpForm(request.POST or None, initial={"stage": customer.stage or None})
    if request.method == "POST" and form.is_valid():
        log_followup(customer=customer, actor=user, **form.cleaned_data)
        messages.success(request, _("Follow-up logged."))
        return redirect(f"{customer.get_absolute_url()}#followups")
    return render(request, "followups/form.html", {"form": form, "customer": customer})


def pipeline(request: HttpRequest) -> HttpResponse:
    visible = Customer.objects.visible_to(request_user(request))
    forecast = pipeline_forecast(visible, Rules.current())
    # The next contact date each card shows: the latest conversation's, as the workbench reads it.
    latest = FollowUp.objects.filter(customer=OuterRef("pk")).order_by("-at", "-id")
    cards = visible.annotate(next_contact_on=Subquery(latest.values("next_contact_on")[:1]))
    columns = [
        {
            "stage": row.stage,
            "label": row.label,
            "count": row.count,
            "amount": row.amount,
            "probability": int(row.probability * 100),
            "forecast": row.forecast,
            "customers": list(
                cards.filter(stage=row.stage).order_by("-deal_amount", "-updated")[
                    :PIPELINE_COLUMN_SIZE
                ]
            ),
        }
        for row in forecast.stages
    ]
    active = request.GET.get("stage", "a")
    return render(
        request,
        "followups/pipeline.html",
        {
            "columns": columns,
            "total": forecast.total,
            "active": active,
            "stages": Stage.choices,
            "today": timezone.localdate(),
        },
    )


@require_POST
def pipeline_move(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """Moving a customer between stages is a follow-up of its own."""
    user = request_user(request)
    customer = get_customer_for(user, customer_pk)
    stage = request.POST.get("stage", "")
    if stage not in Stage.values:
        messages.error(request, _("The stage must be a, b, c or d."))
    elif stage != customer.stage:
        log_followup(
            customer=customer,
            actor=user,
            stage=stage,
            summary=_("Moved from stage %(old)s to %(new)s in the pipeline.")
            % {"old": customer.stage or "—", "new": stage},
            amount=customer.deal_amount,
        )
        messages.success(
            request,
            _("%(name)s moved to stage %(stage)s.") % {"name": customer.nickname, "stage": stage},
        )
    return redirect(f"/followups/pipeline/?stage={stage if stage in Stage.values else 'a'}")
