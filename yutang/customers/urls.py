"""The customers app's pages. The assembly (yutang/urls.py) puts them in the "customers"
namespace with the overview's (the list and the customer's page, which show other apps too)."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.customer_create, name="create"),
    path("pick/", views.customer_pick, name="pick"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/delete/", views.customer_delete, name="delete"),
    path("<int:pk>/grade/", views.customer_grade, name="grade"),
    path("<int:pk>/tag/", views.customer_tag, name="tag"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
]

from . import settings_views  # noqa: E402

urlpatterns += [
    path("settings/channels/", settings_views.channels, name="channels"),
    path(
        "settings/channels/<int:pk>/delete/", settings_views.channel_delete, name="channel_delete"
    ),
    path("settings/tags/", settings_views.tags, name="tags"),
    path("settings/tags/<int:pk>/delete/", settings_views.tag_delete, name="tag_delete"),
]
