from __future__ import annotations

from django.db import transaction

from .models import Role, User


@transaction.atomic
def create_user(
    *, username: str, role: str, password: str, upline: User | None = None, display_name: str = ""
) -> User:
    user = User(username=username, role=Role(role), upline=upline, first_name=display_name)
    # The owner runs the shop, the Django admin included.
    user.is_staff = user.is_superuser = user.role == Role.OWNER
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user
