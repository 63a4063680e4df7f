from __future__ import annotations

from django.urls import path

from . import views

app_name = "touchpoints"
urlpatterns = [
    path("backlog/", views.backlog, name="backlog"),
    path("<int:pk>/undo/", views.undo, name="undo"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
    path("settings/", views.rules_settings, name="rules"),
]
