from __future__ import annotations

import uuid
from pathlib import Path
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

    def imported_for(self, user: User) -> PaymentQuerySet:
        """The payments that count as already imported when `user` imports a bill: those they may
        see, and those they imported themselves. One of another branch is neither confirmed nor
        touched: the importer's row becomes a payment of their own."""
        return self.filter(Q(customer__in=Customer.objects.visible_to(user)) | Q(imported_by=user))


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
            # Importing the same bill twice, or an overlapping one, creates no twin. Per importer,
            # so that an id another branch imported neither blocks nor reveals theirs.
            models.UniqueConstraint(
                fields=["source", "transaction_id", "imported_by"],
                name="payment_unique_transaction_per_importer",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.source}:{self.transaction_id}"


class ImportJob(models.Model):
    """An uploaded file on its way in: checked (dry run), then committed, by its owner only."""

    class State(models.TextChoices):
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked")
        REJECTED = "rejected", _("file rejected")
        IMPORTING = "importing", _("importing")
        COMMITTED = "committed", _("imported")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    rule = models.CharField(max_length=10, default="fill")
    filename = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CHECKED)
    result = models.JSONField(default=dict)
    mapping = models.JSONField(null=True, blank=True)  # field → column, when the user chose it
    preview = models.JSONField(default=list, blank=True)  # the first rows the import changes
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"

    @property
    def path(self) -> Path:
        folder = Path(settings.MEDIA_ROOT) / "imports" / str(self.user_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / str(self.id)

    @property
    def progress_path(self) -> Path:
        return self.path.with_suffix(".progress")

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.CHECKING, self.State.IMPORTING)
