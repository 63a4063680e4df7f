"""Deals a purchase closed (成交): a refresh step of `refresh_customers`.

A customer's open deal is the latest conversation that left them in a stage (their `stage`
and `deal_amount`, what the pipeline counts). A paid order after it wins the deal: the
conversation keeps when (`won_at`, the payment's time), the customer leaves the pipeline and
its forecast, and the timeline says so. The deal stays won if the order is later refunded (the
seller opens a new one by logging the next conversation). It reads orders and follow-ups, two
apps of one layer, so it sits above both, beside the lifecycles that also follow purchases."""

from __future__ import annotations

from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from yutang.customers.models import Activity, ActivityKind, Customer
from yutang.followups.models import FollowUp
from yutang.orders.models import Order


def close_won_deals(ids: list[int]) -> None:
    """Set-based and idempotent: a deal is won once, and writes one timeline line."""
    deal = FollowUp.objects.filter(customer=OuterRef("pk"), won_at__isnull=True).exclude(stage="")
    deal = deal.order_by("-at", "-id")
    open_deals = {
        row["pk"]: row
        for row in Customer.objects.filter(pk__in=ids)
        .exclude(stage="")
        .annotate(deal=Subquery(deal.values("pk")[:1]), deal_at=Subquery(deal.values("at")[:1]))
        .filter(deal__isnull=False)
        .values("pk", "deal", "deal_at", "stage", "deal_amount")
    }
    if not open_deals:
        return
    won: dict[int, tuple[int, datetime]] = {}
    for customer_id, order_id, paid_at in (
        Order.objects.paid()
        .filter(customer_id__in=open_deals, paid_at__isnull=False)
        .order_by("paid_at", "id")
        .values_list("customer_id", "id", "paid_at")
    ):
        assert paid_at is not None
        if customer_id not in won and paid_at >= open_deals[customer_id]["deal_at"]:
            won[customer_id] = (order_id, paid_at)
    if not won:
        return
    followups = []
    for customer_id, (_order, paid_at) in won.items():
        followup = FollowUp(pk=open_deals[customer_id]["deal"], won_at=paid_at)
        followups.append(followup)
    FollowUp.objects.bulk_update(followups, ["won_at"])
    Customer.objects.filter(pk__in=won).update(stage="", deal_amount=None, updated=timezone.now())
    Activity.objects.bulk_create(
        Activity(
            customer_id=customer_id,
            kind=ActivityKind.DEAL_WON,
            created=paid_at,
            data={
                "followup": open_deals[customer_id]["deal"],
                "stage": open_deals[customer_id]["stage"],
                "amount": _money(open_deals[customer_id]["deal_amount"]),
                "order": order_id,
            },
        )
        for customer_id, (order_id, paid_at) in won.items()
    )


def _money(amount: object) -> str | None:
    return None if amount is None else str(amount)
