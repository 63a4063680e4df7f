from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yutang.customers.models import Customer, OfCustomerQuerySet, Stage

if TYPE_CHECKING:
    pass


class FollowUpChannel(models.TextChoices):
    CHAT = "chat", _("WeChat chat")
    CALL = "call", _("phone call")
    MOMENTS = "moments", _("moments interaction")
    MEETING = "meeting", _("meeting")
    BROADCAST = "broadcast", _("broadcast reply")


class FollowUpQuerySet(OfCustomerQuerySet["FollowUp"]):
    """Follow-ups, visible with their customer."""


class FollowUp(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="followups")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    channel = models.CharField(
        _("channel"), max_length=10, choices=FollowUpChannel.choices, default=FollowUpChannel.CHAT
    )
    summary = models.TextField(_("what was covered"), max_length=2000, blank=True)
    next_step = models.CharField(_("next step"), max_length=500, blank=True)
    next_contact_on = models.DateField(_("next contact date"), null=True, blank=True)
    amount = models.DecimalField(
        _("expected amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # Blank for a touch that says nothing about the deal (a shipping notice sent, say).
    stage = models.CharField(_("deal stage"), max_length=1, choices=Stage.choices, blank=True)
    # When a paid order closed the deal this conversation left open (成交): the customer is out
    # of the pipeline until a new conversation opens another deal.
    won_at = models.DateTimeField(_("deal won"), null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="followup_customer_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="followup_amount_positive"
            )
        ]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.stage} {self.at:%Y-%m-%d}"
