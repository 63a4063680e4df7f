from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yutang.customers.models import Customer, OfCustomerQuerySet

from .kinds import TRANSACTIONAL, Kind

if TYPE_CHECKING:
    pass


class State(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    SNOOZED = "snoozed", _("snoozed")
    SKIPPED = "skipped", _("skipped")
    # No longer applies (the order was cancelled, the customer bought again …).
    CLOSED = "closed", _("no longer applies")
    # Past its kind's shelf life (a birthday last week, a shipping notice of last month).
    EXPIRED = "expired", _("expired")


# Closed by the system, not by the seller: these come back when their reason applies again.
# Done and skipped are the seller's word and final.
REOPENABLE = (State.CLOSED, State.EXPIRED)


class TouchpointQuerySet(OfCustomerQuerySet["Touchpoint"]):
    def pending(self) -> TouchpointQuerySet:
        return self.filter(state__in=[State.OPEN, State.SNOOZED])


class Touchpoint(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="touchpoints")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What makes this touchpoint one of its kind, e.g. "order:12", "repurchase:3:12" (product 3
    # as bought in order 12) or "birthday:2026": the derivation finds the existing row by it
    # instead of creating a twin.
    key = models.CharField(max_length=64)
    due_on = models.DateField(_("due"))
    # What the reason and the message are made of (products, tracking number, holiday …): both
    # are rendered when shown, in the reader's language and with the current template.
    data = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TouchpointQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "key"], name="touchpoint_unique_key"
            )
        ]
        indexes = [
            models.Index(fields=["state", "due_on"], name="touchpoint_state_due_idx"),
            models.Index(fields=["customer", "state"], name="touchpoint_customer_state_idx"),
        ]
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} {self.due_on}"

    @property
    def transactional(self) -> bool:
        return self.kind in TRANSACTIONAL


class MessageTemplate(models.Model):
    """The suggested message of each kind of touchpoint (话术), with {placeholders}."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, unique=True)
    text = models.TextField(_("text"), max_length=1000)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.kind


class DerivationRun(models.Model):
    """When touchpoints were last derived, so that opening the workbench derives at most once
    an hour while `yutang run_daily` may run whenever it is scheduled."""

    on = models.DateField(unique=True)
    finished = models.DateTimeField(default=timezone.now)
    stats = models.JSONField(default=dict)

    def __str__(self) -> str:
        return str(self.on)


class Undo(models.Model):
    """What a seller's done, skip or snooze changed, kept for a few minutes so that a tap by
    mistake can be taken back exactly: the touchpoint's fields before, the follow-up and the
    timeline entry it wrote, and the customer's other touchpoints it settled or made."""

    touchpoint = models.OneToOneField(Touchpoint, on_delete=models.CASCADE, related_name="undo")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    # {"state", "due_on", "data", "closed_at", "closed_by"}: before and after the action.
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    followup_id = models.IntegerField(null=True, blank=True)
    activity_ids = models.JSONField(default=list, blank=True)
    # Other touchpoints of the customer: {id: fields before} changed, and ids made.
    changed = models.JSONField(default=dict, blank=True)
    made = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"undo {self.touchpoint_id}"
