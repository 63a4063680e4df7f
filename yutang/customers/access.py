"""Permission-checked reads: an object the user may not see is a 404, never a 403."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from yutang.accounts.models import User

from .models import Customer


def get_customer_for(user: User, pk: int) -> Customer:
    return get_object_or_404(
        Customer.objects.visible_to(user).select_related("channel", "owner", "referrer"), pk=pk
    )
