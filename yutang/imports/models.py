from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yutang.customers.models import Customer

if TYPE_CHECKING:
    from yutang.accounts.models import User


class PaymentSource(models.TextChoices):
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")


class PaymentQuerySet(models.QuerySet["Payment"]):
    def visible_to(self, user: User) -> PaymentQuerySet:
        return self.filter(customer__in=Customer.objects.visible_to(user))


class Payment(models.Model):
    """Money a customer sent, read from a WeChat Pay or Alipay bill."""

    source = models.CharField(_("source"), max_length=8, choices=PaymentSource.choices)
    transaction_id = models.CharField(_("transaction ID"), max_length=64)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, related_name="payments", null=True, blank=True
    )
    occurred_at = models.DateTimeField(_("time"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    counterparty = models.CharField(_("counterparty"), max_length=100, blank=True)
    counterparty_account = models.CharField(_("counterparty account"), max_length=100, blank=True)
    product = models.CharField(_("item"), max_length=200, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # Importing the same bill twice, or an overlapping one, creates no twin.
            models.UniqueConstraint(
                fields=["source", "transaction_id"], name="payment_unique_transaction"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.source}:{self.transaction_id}"
