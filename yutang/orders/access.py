from __future__ import annotations

from django.shortcuts import get_object_or_404

from yutang.accounts.models import User

from .models import Order


def get_order_for(user: User, pk: int) -> Order:
    return get_object_or_404(
        Order.objects.visible_to(user).select_related("customer", "seller"), pk=pk
    )
