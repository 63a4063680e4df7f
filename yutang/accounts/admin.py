from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class YutangUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "role", "upline", "is_active"]
    fieldsets = [*UserAdmin.fieldsets, ("yutang", {"fields": ["role", "upline"]})]  # type: ignore[misc]
