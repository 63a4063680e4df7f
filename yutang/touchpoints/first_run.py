"""The workbench of an empty pond: what to do first instead of an empty list (issue 18, item 28)."""

from __future__ import annotations

from dataclasses import dataclass

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.rules.models import Rules

TARGETS = ("friends_per_day", "friends_per_month")


@dataclass
class FirstRun:
    """Which of the owner's four first steps are done; staff and agents get none of them."""

    owner: bool
    products: bool = False
    customers: bool = False
    target: bool = False
    team: bool = False


def first_run(user: User) -> FirstRun | None:
    """None once the pond (the customers `user` may see) has someone in it. At most four
    queries, whatever is in the database."""
    customers = Customer.objects.visible_to(user).exists()
    if customers:
        return None
    if not user.is_owner:
        return FirstRun(owner=False)
    rules, defaults = Rules.current(), Rules()
    return FirstRun(
        owner=True,
        products=Product.objects.exists(),
        customers=customers,
        # The growth target counts as set once the owner moved either number off its default.
        target=any(getattr(rules, f) != getattr(defaults, f) for f in TARGETS),
        team=User.objects.filter(is_active=True)[:2].count() > 1,
    )
