"""The customer state derived from their orders: whether they bought (the M of the pool)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from yutang.customers.models import Customer

from .models import Order


def refresh_consumed(ids: list[int]) -> None:
    """A customer has bought when one of their orders is paid (a step of refresh_customers).
    Only the customers whose answer changes are written."""
    paid = Exists(Order.objects.paid().filter(customer=OuterRef("pk")))
    customers = Customer.objects.filter(pk__in=ids)
    customers.filter(paid, consumed=False).update(consumed=True)
    customers.filter(~paid, consumed=True).update(consumed=False)
