from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FollowUp


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["stage", "channel", "summary", "next_step", "next_contact_on", "amount"]
        widgets = {
            "stage": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 2}),
            "next_contact_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "amount": forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}),
        }
        error_messages = {
            "stage": {"invalid_choice": _("The stage must be a, b, c or d.")},
            "channel": {"invalid_choice": _("Unknown channel.")},
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        stage = self.fields["stage"]
        stage.required = True
        # A stage must be chosen: no blank radio button ("---------") to choose instead.
        stage.choices = [c for c in stage.choices if c[0]]  # type: ignore[attr-defined]

    def clean_amount(self) -> object:
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("The amount cannot be negative."))
        return amount
