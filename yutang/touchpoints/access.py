"""Permission-checked reads: a touchpoint the user may not see is a 404, never a 403."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from yutang.accounts.models import User

from .models import Touchpoint


def get_touchpoint_for(user: User, pk: int) -> Touchpoint:
    """The one way a page or an API call fetches a touchpoint by id."""
    return get_object_or_404(Touchpoint.objects.visible_to(user).select_related("customer"), pk=pk)
