from __future__ import annotations

from django.urls import path

from . import views

app_name = "followups"
urlpatterns = [
    path("pipeline/", views.pipeline, name="pipeline"),
    path("pipeline/move/<int:customer_pk>/", views.pipeline_move, name="move"),
    path("new/<int:customer_pk>/", views.followup_create, name="create"),
]
