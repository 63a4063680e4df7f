from __future__ import annotations

from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="list"),
    path("new/", views.product_form, name="create"),
    path("<int:pk>/", views.product_form, name="edit"),
    path("<int:pk>/delete/", views.product_delete, name="delete"),
]
