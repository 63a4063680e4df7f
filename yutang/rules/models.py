"""The owner's numbers: every default of the domain lives here, never as a constant in code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

SCORE_FACTORS = ["profit", "frequency", "recency", "referrals", "timeliness", "cooperation"]


def percent(label: Any, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )


def days(label: Any, default: int, minimum: int = 0) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        label, default=default, validators=[MinValueValidator(minimum), MaxValueValidator(3650)]
    )


class Rules(models.Model):
    """A single row (pk 1)."""

    stage_a_percent = percent(_("stage a: deal probability %"), 80)
    stage_b_percent = percent(_("stage b: deal probability %"), 50)
    stage_c_percent = percent(_("stage c: deal probability %"), 30)
    stage_d_percent = percent(_("stage d: deal probability %"), 10)
    payment_reminder_hours = models.PositiveIntegerField(
        _("payment reminder after (hours unpaid)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    order_reminder_days = days(_("order reminder after (days agreed, not ordered)"), 1, 1)
    repurchase_lead_days = days(_("repurchase reminder (days before use-up)"), 3)
    reactivation_days = days(_("reactivation (days after use-up without an order)"), 30, 1)
    vip_call_days = days(_("call each VIP every (days)"), 180, 1)
    birthday_lead_days = days(_("birthday greeting prepared (days ahead)"), 0)
    holiday_lead_days = days(_("holiday greeting prepared (days ahead)"), 0)
    holiday_grades = models.CharField(
        _("holiday greetings for grades"),
        max_length=32,
        default="AA,A,VIP",
        help_text=_("Comma-separated grades; VIP adds every VIP."),
    )
    frequency_cap_days = days(_("at most one non-transactional touch per (days)"), 3, 1)
    batch_size = models.PositiveSmallIntegerField(
        _("batch size"), default=5, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    daily_capacity = models.PositiveSmallIntegerField(
        _("daily capacity (touches a day)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    churn_multiplier = models.DecimalField(
        _("churn window: times the median repurchase interval"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("10.0"))],
    )
    churn_cycle_extra_days = days(_("churn window: at least the product cycle plus (days)"), 30)
    churn_default_days = days(_("churn window when unknown (days)"), 180, 1)
    loyal_orders = models.PositiveSmallIntegerField(
        _("loyal: paid orders within the window"),
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
    )
    loyal_window_days = days(_("loyal: window (days)"), 365, 30)

    # Value (ABC) and the weighted score.
    abc_method = models.CharField(
        _("ABC classes by"),
        max_length=8,
        choices=[("share", _("share of customers")), ("profit", _("share of cumulative profit"))],
        default="share",
    )
    abc_a_percent = percent(_("A: top share of customers (percent)"), 20)
    abc_b_percent = percent(_("B: next share of customers (percent)"), 30)
    abc_profit_a_percent = percent(_("A: customers bringing the first percent of profit"), 80)
    abc_profit_b_percent = percent(_("B: customers bringing the next percent of profit"), 15)
    potential_percent = percent(_("potential A: top percent of B"), 20)
    abc_basis = models.CharField(
        _("rank customers by"),
        max_length=8,
        choices=[("profit", _("profit contribution")), ("score", _("weighted score"))],
        default="profit",
    )
    weight_profit = percent(_("weight: profit contribution"), 40)
    weight_frequency = percent(_("weight: purchase frequency"), 20)
    weight_recency = percent(_("weight: recency"), 20)
    weight_referrals = percent(_("weight: referred buyers"), 10)
    weight_timeliness = percent(_("weight: payment timeliness"), 5)
    weight_cooperation = percent(_("weight: cooperation rating"), 5)

    # Growth targets.
    friends_per_day = models.PositiveIntegerField(
        _("target: new friends a day"), default=20, validators=[MaxValueValidator(100000)]
    )
    friends_per_month = models.PositiveIntegerField(
        _("target: new friends a month"), default=500, validators=[MaxValueValidator(3000000)]
    )

    class Meta:
        verbose_name = _("rules")
        verbose_name_plural = _("rules")

    def __str__(self) -> str:
        return str(_("rules"))

    @classmethod
    def current(cls) -> Rules:
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules

    def clean(self) -> None:
        errors = {}
        too_much = _("A and B together cannot pass 100%.")
        if (self.abc_a_percent or 0) + (self.abc_b_percent or 0) > 100:
            errors["abc_b_percent"] = too_much
        if (self.abc_profit_a_percent or 0) + (self.abc_profit_b_percent or 0) > 100:
            errors["abc_profit_b_percent"] = too_much
        if not any(weight for _name, weight in self.weights()):
            errors["weight_profit"] = _("Give at least one factor a weight.")
        if errors:
            raise ValidationError(errors)

    def weights(self) -> list[tuple[str, int]]:
        return [(name, getattr(self, f"weight_{name}")) for name in SCORE_FACTORS]

    def stage_probability(self, stage: str) -> Decimal:
        value = {
            "a": self.stage_a_percent,
            "b": self.stage_b_percent,
            "c": self.stage_c_percent,
            "d": self.stage_d_percent,
        }.get(stage)
        return Decimal(value) / 100 if value is not None else Decimal(0)

    def holiday_audience(self) -> tuple[set[str], bool]:
        parts = {p.strip().upper() for p in self.holiday_grades.split(",") if p.strip()}
        return parts - {"VIP"}, "VIP" in parts
