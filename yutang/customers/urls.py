from __future__ import annotations

from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("pick/", views.customer_pick, name="pick"),
    path("<int:pk>/", views.customer_detail, name="detail"),
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
