from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yutang.lib.names import default_short_name

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}


class Product(models.Model):
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(
        _("short name"),
        max_length=20,
        blank=True,
        help_text=_(
            "How messages name it, e.g. 面膜. Blank: the name without brackets and quantity."
        ),
    )
    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    price = models.DecimalField(_("retail price"), **MONEY)  # type: ignore[arg-type]
    cost = models.DecimalField(_("unit cost"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    usage_cycle_days = models.PositiveIntegerField(
        _("usage cycle (days)"),
        null=True,
        blank=True,
        help_text=_("How long one unit lasts, e.g. a box of masks 30 days."),
    )
    min_price = models.DecimalField(
        _("minimum retail price"),
        null=True,
        blank=True,
        help_text=_("Price control: a sale below it is flagged."),
        **MONEY,  # type: ignore[arg-type]
    )
    active = models.BooleanField(_("on sale"), default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_positive"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="product_cost_positive"),
            models.CheckConstraint(
                condition=Q(min_price__isnull=True) | Q(min_price__lte=F("price")),
                name="product_min_price_below_price",
                violation_error_message=_("The minimum price cannot exceed the retail price."),
            ),
        ]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    @property
    def message_name(self) -> str:
        """The product as a message to the customer names it."""
        return self.short_name or default_short_name(self.name)
