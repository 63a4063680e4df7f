from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from .models import Role, User


class UserCreateForm(forms.ModelForm):
    password = forms.CharField(label=_("password"), widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ["username", "first_name", "role", "upline"]
        labels = {"first_name": _("display name")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["upline"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role=Role.AGENT, is_active=True
        ).order_by("tree_path")
        self.fields["upline"].required = False

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password)
        return password

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password"])
        user.is_staff = user.is_superuser = user.role == Role.OWNER
        if commit:
            user.save()
        return user


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("token name"), max_length=64, required=False)
