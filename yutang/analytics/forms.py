from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yutang.accounts.models import Role, User
from yutang.customers.forms import owner_choices
from yutang.rules.models import Rules

from .queries import PERIOD_PRESETS, Period, preset_period


class AnalyticsFilter(forms.Form):
    """The period, the branch and the top share every analytics page and endpoint reads."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_PRESETS, required=False)
    start = forms.DateField(label=_("from"), required=False)
    end = forms.DateField(label=_("to"), required=False)
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("everyone I can see"),
    )
    share = forms.DecimalField(
        label=_("Top share"),
        min_value=Decimal("0.01"),
        max_value=Decimal("1"),
        decimal_places=2,
        required=False,
    )

    def __init__(self, data: Any, *, user: User) -> None:
        # The API's names for the dates are `from` and `to`.
        data = data.copy() if data is not None else {}
        for api_name, name in (("from", "start"), ("to", "end")):
            if api_name in data and name not in data:
                data[name] = data[api_name]
        super().__init__(data)
        self.fields["branch"].queryset = owner_choices(user).filter(role=Role.AGENT)  # type: ignore[attr-defined]
        self.fields["branch"].label_from_instance = lambda u: u.get_full_name() or u.username  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end comes before the start."))
        return data

    def period_value(self) -> Period:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("start") or data.get("end"):
            return Period(data.get("start"), data.get("end"))
        return preset_period(data.get("period") or "all", timezone.localdate())

    def branch_value(self) -> User | None:
        return self.cleaned_data.get("branch") if self.is_valid() else None

    def share_value(self) -> Decimal:
        share = self.cleaned_data.get("share") if self.is_valid() else None
        return share or Decimal("0.2")


class ValueSettingsForm(forms.ModelForm):
    """The owner's choices for the ABC classes, the weighted score and the growth targets."""

    class Meta:
        model = Rules
        fields = [
            "abc_basis", "abc_method", "abc_a_percent", "abc_b_percent", "abc_profit_a_percent",
            "abc_profit_b_percent", "potential_percent", "weight_profit", "weight_frequency",
            "weight_recency", "weight_referrals", "weight_timeliness", "weight_cooperation",
            "friends_per_day", "friends_per_month",
        ]  # fmt: skip
        widgets = {"abc_basis": forms.RadioSelect, "abc_method": forms.RadioSelect}
