"""Permission-checked reads: an order the user may not see is a 404, never a 403."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from yutang.accounts.models import User

from .models import Order, OrderQuerySet, Payment


def get_order_for(user: User, pk: int, *, queryset: OrderQuerySet | None = None) -> Order:
    """The one way a page or an API call fetches an order by id. `queryset` carries what the
    caller's answer reads besides (the lines); the scoping is applied here."""
    base = Order.objects.all() if queryset is None else queryset
    return get_object_or_404(base.visible_to(user).select_related("customer", "seller"), pk=pk)


def get_payment_for(user: User, pk: int) -> Payment:
    """A payment of a customer the user may see; any other is a 404."""
    return get_object_or_404(
        Payment.objects.visible_to(user).select_related("customer", "order"), pk=pk
    )
