from __future__ import annotations

from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("pareto/", views.pareto_page, name="pareto"),
    path("abc/", views.abc_page, name="abc"),
    path("rfm/", views.rfm_page, name="rfm"),
    path("repurchase/", views.repurchase_page, name="repurchase"),
    path("cohorts/", views.cohorts_page, name="cohorts"),
    path("funnel/", views.funnel_page, name="funnel"),
    path("settings/", views.value_settings, name="settings"),
]
