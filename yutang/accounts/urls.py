from __future__ import annotations

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_settings, name="settings"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("team/", views.team, name="team"),
]
