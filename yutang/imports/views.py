from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yutang.accounts.access import request_user
from yutang.accounts.views import sheet_response
from yutang.catalog.models import Product
from yutang.lib.ids import parse_id
from yutang.orders import payments
from yutang.orders.access import get_payment_for
from yutang.orders.actions import OrderError
from yutang.orders.models import Order, Payment

from .exports import EXPORTS


def export(request: HttpRequest, what: str) -> FileResponse:
    build = EXPORTS.get(what)
    if build is None:
        raise Http404
    return sheet_response(build(request_user(request), request.GET), what)


def _back_to_customer(payment: Payment) -> HttpResponse:
    assert payment.customer is not None
    return redirect(f"{payment.customer.get_absolute_url()}#payments")


@require_POST
def payment_order(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_payment_for(request_user(request), pk)
    product_id = parse_id(request.POST.get("product"))
    product = Product.objects.filter(pk=product_id, active=True).first() if product_id else None
    if product is None:
        messages.error(request, _("Choose the product the payment was for."))
        return _back_to_customer(payment)
    try:
        order = payments.order_from_payment(
            payment=payment, product=product, actor=request_user(request)
        )
    except OrderError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Order #%(id)s recorded as paid.") % {"id": order.pk})
    return _back_to_customer(payment)


@require_POST
def payment_attach(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_payment_for(request_user(request), pk)
    order_id = parse_id(request.POST.get("order"))
    order = (
        Order.objects.filter(pk=order_id, customer=payment.customer).first() if order_id else None
    )
    if order is None:
        messages.error(request, _("Choose one of this customer's orders."))
        return _back_to_customer(payment)
    try:
        payments.attach_payment(payment=payment, order=order, actor=request_user(request))
    except OrderError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The payment now pays order #%(id)s.") % {"id": order.pk})
    return _back_to_customer(payment)
