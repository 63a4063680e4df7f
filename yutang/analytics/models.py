from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from yutang.customers.models import Customer


def money(label: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=Decimal(0))


class CustomerStats(models.Model):
    """One row of order statistics per customer, kept by the order and cost actions in the same
    transaction, so that ABC, Pareto and RFM read one row per customer instead of every order
    line. Paid orders only: a refunded or cancelled order counts for nothing."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="stats"
    )
    orders = models.PositiveIntegerField(_("paid orders"), default=0)
    first_paid_at = models.DateTimeField(_("first purchase"), null=True, blank=True)
    last_paid_at = models.DateTimeField(_("last purchase"), null=True, blank=True)
    # The local day of the last purchase as a day number, so that recency is plain arithmetic
    # in SQL on every database (means, min–max normalisation).
    last_paid_day = models.PositiveIntegerField(null=True, blank=True, editable=False)
    revenue = money(_("revenue"))  # lines less order discounts
    cost = money(_("cost of goods"))
    keep_cost = money(_("cost of keeping"))  # gifts, coupons, rewards
    profit = money(_("profit contribution"))
    referred_buyers = models.PositiveIntegerField(_("referred buyers"), default=0)
    pay_delay_hours = models.FloatField(_("hours from order to payment"), null=True, blank=True)
    score = models.FloatField(_("weighted score"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer statistics")
        verbose_name_plural = _("customer statistics")
        indexes = [
            models.Index(fields=["-profit"], name="stats_profit_idx"),
            models.Index(fields=["-revenue"], name="stats_revenue_idx"),
            models.Index(fields=["last_paid_at"], name="stats_last_paid_idx"),
            models.Index(fields=["first_paid_at"], name="stats_first_paid_idx"),
        ]

    def __str__(self) -> str:
        return f"stats {self.customer_id}"
