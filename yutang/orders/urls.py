from __future__ import annotations

from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/status/", views.order_status, name="status"),
    path("<int:pk>/shipping/", views.order_shipping, name="shipping"),
    path("new/", views.new_order, name="new"),
    path("new/<int:customer_pk>/", views.order_create, name="create"),
    path("costs/new/<int:customer_pk>/", views.cost_create, name="cost_create"),
]
