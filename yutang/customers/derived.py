"""The customer's derived state (whether they bought, lifecycle, statistics, touchpoints),
refreshed from one place.

`refresh_customers(ids)` is the only function an action calls after it changes what a
customer's derived state is read from: their orders, payments, follow-ups, referrals, or a
merge. It runs in the caller's transaction, so what a reader sees right after the action is
already up to date (a new tracking number is in the shipping notice at once, not after the
next derivation).

The work is done by steps that live in the apps holding their inputs, all above this one. This
base app only offers the hook, the way Django offers MIDDLEWARE and AUTHENTICATION_BACKENDS:
the assembly names the steps in `settings.CUSTOMER_REFRESH`, a tuple of dotted paths, in the
order they run. The order is the layers' order: a step reads only the layers below its own, so
a step of a lower layer never needs the result of a higher one (whether a customer bought comes
first, every other step reads it). No signal is sent: the reader of an action sees everything it
runs.

A step is `step(ids: list[int]) -> None`, set-based (a fixed number of queries whatever the
number of customers) and idempotent. `ids` are the customers whose own data changed; a step
whose value also depends on other customers (a referrer's lifecycle and referral count depend on
whether their friends bought) widens the ids itself, with `with_referrers`. `run_daily`
recomputes every step's value for everyone."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .models import Customer

Step = Callable[[list[int]], object]


@cache
def steps() -> tuple[Step, ...]:
    """The steps of settings.CUSTOMER_REFRESH, imported once."""
    return tuple(import_string(path) for path in settings.CUSTOMER_REFRESH)


def refresh_customers(ids: Iterable[int | None]) -> None:
    """Bring the derived state of these customers (None and repeats ignored) up to date."""
    unique = sorted({pk for pk in ids if pk is not None})
    if not unique:
        return
    for step in steps():
        step(unique)


def with_referrers(ids: Iterable[int]) -> list[int]:
    """These customers and the ones who referred them."""
    given = set(ids)
    referrers = Customer.objects.filter(pk__in=given, referrer__isnull=False).values_list(
        "referrer_id", flat=True
    )
    return sorted(given | {pk for pk in referrers if pk is not None})
