from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import BLANK_CHOICE_DASH
from django.utils.translation import gettext_lazy as _

from yutang.catalog.models import Product

from .models import START_STATUSES, CostKind, CustomerCost, PaymentMethod, Status

LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MONEY_INPUT = forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"})


class OrderForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        choices=[(s, label) for s, label in Status.choices if s in START_STATUSES],
        initial=Status.INTENT,
    )
    at = forms.DateTimeField(
        label=_("when"),
        required=False,
        widget=LOCAL_DATETIME,
        help_text=_("Leave empty for now; fill in to enter an earlier order."),
    )
    discount = forms.DecimalField(
        label=_("discount"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        initial=Decimal(0),
        widget=MONEY_INPUT,
    )
    payment_method = forms.ChoiceField(
        label=_("payment method"),
        choices=[*BLANK_CHOICE_DASH, *PaymentMethod.choices],
        required=False,
    )
    courier = forms.CharField(label=_("courier"), max_length=32, required=False)
    tracking_number = forms.CharField(label=_("tracking number"), max_length=40, required=False)
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class LineForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("product"),
        queryset=Product.objects.filter(active=True),
        error_messages={"invalid_choice": _("Unknown product.")},
    )
    quantity = forms.IntegerField(
        label=_("quantity"),
        min_value=1,
        max_value=100000,
        initial=1,
        error_messages={"min_value": _("The quantity must be at least 1.")},
    )
    unit_price = forms.DecimalField(
        label=_("unit price"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        required=False,
        widget=MONEY_INPUT,
        help_text=_("Empty: the retail price."),
        error_messages={"min_value": _("The price cannot be below zero.")},
    )


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if not any(f.cleaned_data and not f.cleaned_data.get("DELETE") for f in self.forms):
            raise forms.ValidationError(_("An order needs at least one line."))


# Blank lines are ignored; the formset asks for at least one filled in.
LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=3)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    at = forms.DateTimeField(required=False, widget=LOCAL_DATETIME)


class ShippingForm(forms.Form):
    courier = forms.CharField(label=_("courier"), max_length=32, required=False)
    tracking_number = forms.CharField(label=_("tracking number"), max_length=40, required=False)


class CostForm(forms.ModelForm):
    class Meta:
        model = CustomerCost
        fields = ["kind", "amount", "on", "note"]
        widgets = {
            "on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "amount": MONEY_INPUT,
        }
        error_messages = {"amount": {"min_value": _("The amount must be above zero.")}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = CostKind.GIFT
