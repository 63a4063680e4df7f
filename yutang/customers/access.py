"""Permission-checked reads: an object the user may not see is a 404, never a 403."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from yutang.accounts.models import User

from .models import Activity, Customer, CustomerQuerySet


def get_customer_for(user: User, pk: int, *, queryset: CustomerQuerySet | None = None) -> Customer:
    """The one way a page or an API call fetches a customer by id. `queryset` carries what the
    caller's answer reads besides (annotations, prefetches); the scoping is applied here."""
    base = Customer.objects.all() if queryset is None else queryset
    return get_object_or_404(
        base.visible_to(user).select_related("channel", "owner", "referrer"), pk=pk
    )


def timeline_for(user: User, customer: Customer, limit: int = 100) -> list[Activity]:
    """The customer's latest timeline entries as `user` may read them: another customer an entry
    mentions is named only when `user` may see them."""
    entries = list(customer.activities.select_related("actor")[:limit])
    ids = set().union(*(a.referenced_customer_ids() for a in entries))
    names: dict[int, str] = {}
    if ids:
        visible = Customer.objects.visible_to(user).filter(pk__in=ids)
        names = dict(visible.values_list("pk", "nickname"))
    for entry in entries:
        entry.changes_shown = entry.shown_changes(names)
    return entries
