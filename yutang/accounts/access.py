"""Who is asking: every page and API call but login runs for a logged-in user."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user
