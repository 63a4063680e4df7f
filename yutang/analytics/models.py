"""What analytics keeps of its own: when the value classes were last computed, and two
tables derived from the paid orders, kept by the statistics refresh in the order actions'
transaction and rebuilt nightly, so that cohorts and the repurchase interval read rows made for
them instead of every paid order."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yutang.customers.models import Customer


class ValueClassRun(models.Model):
    """A single row (pk 1): the end of the last ranking of the pool into value classes, by
    the nightly run, "Recompute now" or a change of the rules. The classes are a ranking of
    everyone, so an order does not move them; the ABC page says how old they are."""

    finished_at = models.DateTimeField(_("value classes computed at"))

    def __str__(self) -> str:
        return self.finished_at.isoformat()

    @classmethod
    def record(cls) -> None:
        cls.objects.update_or_create(pk=1, defaults={"finished_at": timezone.now()})

    @classmethod
    def last(cls) -> datetime | None:
        return cls.objects.filter(pk=1).values_list("finished_at", flat=True).first()


class BuyingMonth(models.Model):
    """A local month in which a customer paid for an order, with the month of their first
    purchase: one row per buyer and month, so that a cohort's retention is a count of rows.
    Months are stored as their first day."""

    # The unique constraint's index, which starts with the customer, serves their lookups.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="buying_months", db_index=False
    )
    month = models.DateField()
    first_month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="buying_month_unique")
        ]
        indexes = [models.Index(fields=["first_month", "month"], name="buying_month_cohort_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"


class Repurchase(models.Model):
    """A purchase that followed an earlier one of the same customer, with the days between
    them: one row per paid moment of a customer but their first (orders paid at the same
    moment are one purchase), so that the median interval is a walk along one index."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="repurchases")
    paid_at = models.DateTimeField()
    previous_paid_at = models.DateTimeField()
    gap_days = models.FloatField()

    class Meta:
        indexes = [
            models.Index(fields=["gap_days"], name="repurchase_gap_idx"),
            models.Index(fields=["paid_at"], name="repurchase_paid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} +{self.gap_days:.1f}"
