"""The pages that show several apps at once. The customer's page shows the customer with their
orders, costs and payments, follow-ups, touchpoints and statistics; the customer list shows the
profit of a period, which reads the orders. Both keep the customers app's URL names
("customers:list", "customers:detail"): the assembly puts them in that namespace."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yutang.accounts.access import request_user
from yutang.analytics.queries import Period, filter_customers_for_period, profit_by_customer
from yutang.catalog.models import Product
from yutang.customers.access import get_customer_for, timeline_for
from yutang.customers.filters import CustomerFilters
from yutang.customers.forms import CustomerFilterForm, hides_referrer
from yutang.customers.models import (
    GRADE_ADVICE,
    ActivityKind,
    Customer,
    CustomerStats,
    Grade,
    tag_groups_with_tags,
)
from yutang.followups.actions import suggested_grade
from yutang.followups.forms import FollowUpForm
from yutang.orders.models import Status as OrderStatus
from yutang.touchpoints.messages import reason

from .chips import active_filters


def customer_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = CustomerFilterForm(request.GET or None, user=user)
    qs = Customer.objects.visible_to(user)
    filters = form.filters() if form.is_bound and form.is_valid() else CustomerFilters()
    qs = filter_customers_for_period(qs, filters, user=user)
    qs = qs.select_related("channel", "owner").prefetch_related("tags")
    page = Paginator(qs, settings.YUTANG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "sort")),
        "chips": active_filters(form, request.GET),
    }
    if request.htmx and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, "overview/customer_list.html#results", context)
    context["tag_groups"] = tag_groups_with_tags()
    return render(request, "overview/customer_list.html", context)


def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    customer = get_customer_for(user, pk)
    visible = Customer.objects.visible_to(user)
    payments = list(customer.payments.select_related("order")[:20])
    today = timezone.localdate()
    last_year = Period(today - timedelta(days=364), today)
    stats = CustomerStats.objects.filter(customer=customer).first()
    context = {
        "stats": stats,
        # The rank by weighted score among the customers this user sees.
        "score_rank": visible.filter(stats__score__gt=stats.score).count() + 1
        if stats and stats.score is not None
        else None,
        "profit_12m": profit_by_customer(Customer.objects.filter(pk=customer.pk), last_year).get(
            customer.pk, Decimal(0)
        ),
        "customer": customer,
        "next_birthday": customer.next_birthday_label(today),
        "tags": list(customer.tags.select_related("group")),
        "tag_groups": tag_groups_with_tags(),
        "grades": Grade.choices,
        "grade_advice": GRADE_ADVICE,
        "referrer_visible": not hides_referrer(customer, user),
        "referrals": list(visible.filter(referrer=customer).order_by("-created")[:50]),
        "activities": timeline_for(user, customer),
        "grade_history": list(customer.activities.filter(kind=ActivityKind.GRADE)[:20]),
        "suggested_grade": suggested_grade(customer),
        "followup_form": FollowUpForm(initial={"stage": customer.stage or None}),
        "orders": list(customer.orders.with_totals().prefetch_related("lines__product")[:10]),
        "costs": list(customer.costs.all()[:10]),
        "payments": payments,
        "open_orders": list(
            customer.orders.filter(status__in=[OrderStatus.INTENT, OrderStatus.UNPAID])[:20]
        )
        if payments
        else [],
        "products": list(Product.objects.filter(active=True).order_by("name")) if payments else [],
        "touchpoints": [
            (tp, reason(tp))
            for tp in customer.touchpoints.pending().select_related("customer").order_by("due_on")
        ],
    }
    return render(request, "overview/customer_detail.html", context)
