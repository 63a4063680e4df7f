from __future__ import annotations

from django.urls import path

from . import views, views_import

app_name = "imports"
urlpatterns = [
    path("export/<str:what>.xlsx", views.export, name="export"),
    path("import/", views_import.upload, name="upload"),
    path("import/customers/<str:token>/", views_import.review_customers, name="customers"),
    path("import/orders/<str:token>/", views_import.review_orders, name="orders"),
    path("import/bill/<str:token>/", views_import.review_bill, name="bill"),
    path("payments/<int:pk>/order/", views.payment_order, name="payment_order"),
    path("payments/<int:pk>/attach/", views.payment_attach, name="payment_attach"),
    path("import/jobs/<str:token>/progress/", views_import.job_progress, name="progress"),
]
