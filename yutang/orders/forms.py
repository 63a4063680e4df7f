from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.db.models import BLANK_CHOICE_DASH
from django.utils.translation import gettext_lazy as _

from yutang.catalog.models import Product

from .models import START_STATUSES, CostKind, Courier, CustomerCost, Order, PaymentMethod, Status

LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MONEY_INPUT = forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"})


def _max_length(name: str) -> int:
    field = Order._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length is not None
    return field.max_length


class OrderForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        choices=[(s, label) for s, label in Status.choices if s in START_STATUSES],
        # Most orders are entered when the customer has said yes and the seller waits for the
        # transfer (待付款); that step is also the one the payment reminder (催付) follows.
        initial=Status.UNPAID,
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
    recipient_name = forms.CharField(
        label=_("recipient"), max_length=_max_length("recipient_name"), required=False
    )
    recipient_phone = forms.CharField(
        label=_("recipient's phone"),
        max_length=_max_length("recipient_phone"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    recipient_address = forms.CharField(
        label=_("delivery address"), max_length=_max_length("recipient_address"), required=False
    )

    DELIVERY = ("recipient_name", "recipient_phone", "recipient_address")

    def delivery_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.DELIVERY]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.DELIVERY]

    def clean_recipient_phone(self) -> str:
        phone = self.cleaned_data["recipient_phone"].strip()
        if phone and not all(c.isdigit() or c in "+-() " for c in phone):
            raise forms.ValidationError(_("A phone number has digits only."))
        return phone


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


# Blank lines are ignored; the formset asks for at least one filled in. The page adds lines
# from the empty form and removes one by ticking its DELETE.
MAX_LINES = 50
LineFormSet = forms.formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_LINES,
    validate_max=True,
    absolute_max=MAX_LINES,
)


class ShippingForm(forms.Form):
    """The courier, from the list, and the tracking number, which every courier but “other”
    (a hand delivery) needs. A courier the order already has from before the list (“顺丰速运”)
    stays a choice, so that correcting its number does not force a new courier."""

    courier = forms.ChoiceField(label=_("courier"), choices=[*BLANK_CHOICE_DASH, *Courier.choices])
    tracking_number = forms.CharField(
        label=_("tracking number"), max_length=_max_length("tracking_number"), required=False
    )

    def __init__(self, *args: Any, current: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["courier"]
        assert isinstance(field, forms.ChoiceField)
        if current and current not in Courier.values:
            field.choices = [*BLANK_CHOICE_DASH, *Courier.choices, (current, current)]
        field.widget.attrs["autocomplete"] = "off"
        self.fields["tracking_number"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        )

    def clean_tracking_number(self) -> str:
        return "".join(self.cleaned_data["tracking_number"].split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        courier = data.get("courier")
        if courier and courier != Courier.OTHER and not data.get("tracking_number"):
            self.add_error(
                "tracking_number", _("Type the tracking number (or choose “other” for no number).")
            )
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    at = forms.DateTimeField(required=False, widget=LOCAL_DATETIME)


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
