from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yutang.accounts.access import request_user
from yutang.catalog.models import Product
from yutang.customers.access import get_customer_for
from yutang.customers.models import Customer

from . import actions
from .access import get_order_for
from .forms import CostForm, LineFormSet, OrderForm, ShippingForm, StatusForm
from .models import Order, OrderLine, Status


def _day(value: str) -> date | None:
    """A filter date, ignored when it is not YYYY-MM-DD (the form says so next to it)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# The tabs of the list, in the order of the flow. A paid order waits to be shipped: its tab is
# the fulfilment queue (待发货), oldest payment first.
TO_SHIP = Status.PAID
DEAD_ENDS = [Status.CANCELLED, Status.REFUNDED]


def _tab_label(status: str) -> str:
    return _("to ship") if status == TO_SHIP else str(dict(Status.choices)[status])


def _search_text(request: HttpRequest) -> str:
    """The customer search of a page, cut to what a search can use; PostgreSQL refuses a NUL."""
    return request.GET.get("q", "").replace("\x00", "").strip()[:64]


def order_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    qs = Order.objects.visible_to(user)
    since, until = _day(request.GET.get("from", "")), _day(request.GET.get("to", ""))
    if since:
        qs = qs.filter(created__date__gte=since)
    if until:
        qs = qs.filter(created__date__lte=until)
    q = _search_text(request)
    if q:
        qs = qs.filter(customer__in=Customer.objects.visible_to(user).search(q))
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    # One query for the tabs' counts and the listed orders' total. The total leaves out the
    # cancelled and refunded orders, unless they are what is listed.
    listed = Q(status=status) if status else ~Q(status__in=DEAD_ENDS)
    figures = qs.with_totals().aggregate(
        all=Count("id"),
        total=Sum("total_amount", filter=listed),
        **{s: Count("id", filter=Q(status=s)) for s in Status.values},
    )
    tabs = [("", _("All"), figures["all"])] + [
        (s, _tab_label(s), figures[s]) for s in Status.values
    ]
    if status:
        qs = qs.filter(status=status)
    qs = (
        qs.select_related("customer", "seller")
        .with_totals()
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product")))
    )
    ordering = ("paid_at", "id") if status == TO_SHIP else ("-created", "-id")
    page = Paginator(qs.order_by(*ordering), settings.YUTANG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = query.copy()
    tab_query.pop("status", None)
    here = request.get_full_path()
    rows = [
        (
            o,
            _ship_form(o, auto_id=f"id_o{o.pk}_%s")
            if status == TO_SHIP and Status.SHIPPED in o.allowed_next()
            else None,
        )
        for o in page
    ]
    return render(
        request,
        "orders/list.html",
        {
            "page": page,
            "rows": rows,
            "tabs": tabs,
            "status": status,
            "queue": status == TO_SHIP,
            "total": figures["total"] or Decimal(0),
            "total_leaves_out_dead_ends": not status and any(figures[s] for s in DEAD_ENDS),
            "q": q,
            "since": since,
            "until": until,
            "query": query.urlencode(),
            "tab_query": tab_query.urlencode(),
            "here": here,
        },
    )


def _ship_form(order: Order, data: Any = None, *, auto_id: str = "id_%s") -> ShippingForm:
    """The one-step shipping form of an order; a page that holds one per order gives each its
    own `auto_id`."""
    return ShippingForm(
        data,
        initial={"courier": order.courier, "tracking_number": order.tracking_number},
        current=order.courier,
        prefix="ship",
        auto_id=auto_id,
    )


def new_order(request: HttpRequest) -> HttpResponse:
    """“New order” from the orders list: choose the customer, whose order form then opens."""
    user = request_user(request)
    q = _search_text(request)
    results = (
        list(Customer.objects.visible_to(user).search(q).order_by("search_pinyin", "id")[:20])
        if q
        else []
    )
    context = {"q": q, "results": results}
    if request.htmx and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, "orders/new.html#results", context)
    return render(request, "orders/new.html", context)


def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_order_for(request_user(request), pk))


def _detail(
    request: HttpRequest, order: Order, ship_form: ShippingForm | None = None
) -> HttpResponse:
    """The order page; `ship_form` is a shipping step refused, shown open with its errors."""
    prefetch_related_objects(
        [order], Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    )
    lines = list(order.lines.all())
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "lines": lines,
            "subtotal": order.subtotal(),
            "total": order.total(),
            "next_statuses": [
                (s, label) for s, label in Status.choices if s in order.allowed_next()
            ],
            "can_ship": Status.SHIPPED in order.allowed_next(),
            "ship_form": ship_form or _ship_form(order),
            "shipped": order.shipped_at is not None or bool(order.courier or order.tracking_number),
            "shipping_form": ShippingForm(
                initial={"courier": order.courier, "tracking_number": order.tracking_number},
                current=order.courier,
            ),
        },
        status=200 if ship_form is None else 422,
    )


def order_create(request: HttpRequest, customer_pk: int) -> HttpResponse:
    user = request_user(request)
    customer = get_customer_for(user, customer_pk)
    form = OrderForm(
        request.POST or None,
        initial={
            "recipient_name": customer.name or customer.nickname,
            "recipient_phone": customer.phone,
            "recipient_address": customer.full_address,
        },
    )
    lines = LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        try:
            order = actions.place_order(
                customer=customer,
                seller=user,
                actor=user,
                status=data["status"],
                discount=data["discount"],
                payment_method=data["payment_method"],
                courier=data["courier"],
                tracking_number=data["tracking_number"],
                note=data["note"],
                at=data["at"],
                recipient_name=data["recipient_name"],
                recipient_phone=data["recipient_phone"],
                recipient_address=data["recipient_address"],
                lines=[
                    actions.LineInput(
                        product=f.cleaned_data["product"],
                        quantity=f.cleaned_data["quantity"],
                        unit_price=f.cleaned_data.get("unit_price"),
                    )
                    for f in lines.forms
                    if f.cleaned_data and f not in lines.deleted_forms
                ],
            )
        except actions.OrderError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Order #%(id)s saved.") % {"id": order.pk})
            return redirect(order)
    products = list(Product.objects.filter(active=True))
    return render(
        request,
        "orders/form.html",
        {"form": form, "lines": lines, "customer": customer, "products": products},
    )


@require_POST
def order_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    order = get_order_for(user, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status or a date in the wrong format."))
        return redirect(order)
    shipping: dict[str, str] = {}
    if form.cleaned_data["status"] == Status.SHIPPED and Status.SHIPPED in order.allowed_next():
        ship_form = _ship_form(order, request.POST)
        if not ship_form.is_valid():
            return _detail(request, order, ship_form)
        shipping = ship_form.cleaned_data
    try:
        actions.change_order_status(
            order=order,
            status=form.cleaned_data["status"],
            actor=user,
            at=form.cleaned_data["at"],
            **shipping,
        )
    except actions.OrderError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Order is now “%(status)s”.")
            % {"status": actions.status_label(form.cleaned_data["status"])},
        )
    # The shipping queue of the list sends its orders back to itself.
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect(order)


@require_POST
def order_shipping(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    order = get_order_for(user, pk)
    form = ShippingForm(request.POST, current=order.courier)
    if form.is_valid():
        actions.update_shipping(order=order, actor=user, **form.cleaned_data)
        messages.success(request, _("Shipping details saved."))
    else:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect(order)


def cost_create(request: HttpRequest, customer_pk: int) -> HttpResponse:
    user = request_user(request)
    customer = get_customer_for(user, customer_pk)
    form = CostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.add_cost(customer=customer, actor=user, **form.cleaned_data)
        messages.success(request, _("Cost recorded."))
        return redirect(f"{customer.get_absolute_url()}#costs")
    return render(request, "orders/cost_form.html", {"form": form, "customer": customer})
