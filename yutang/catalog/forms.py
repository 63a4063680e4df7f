from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Product


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "name",
            "short_name",
            "sku",
            "price",
            "cost",
            "usage_cycle_days",
            "min_price",
            "active",
        ]
        widgets = {
            f: forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"})
            for f in ("price", "cost", "min_price")
        }
        error_messages = {
            "sku": {"unique": _("A product with this SKU already exists: choose another SKU.")}
        }
