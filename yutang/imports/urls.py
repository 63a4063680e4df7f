from __future__ import annotations

from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [path("<str:what>.xlsx", views.export, name="export")]
