"""The overview's pages, in the "customers" namespace that the assembly (yutang/urls.py) builds
from these patterns and the customers app's: the same names and paths as before they moved."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_detail, name="detail"),
]
