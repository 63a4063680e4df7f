from __future__ import annotations

from django import forms

from .models import Product


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "sku", "price", "cost", "usage_cycle_days", "min_price", "active"]
        widgets = {
            f: forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"})
            for f in ("price", "cost", "min_price")
        }
