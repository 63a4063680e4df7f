from __future__ import annotations

from django.urls import path

from . import views, views_import

app_name = "imports"
urlpatterns = [
    path("export/<str:what>.xlsx", views.export, name="export"),
    path("import/", views_import.upload, name="upload"),
    *(
        path(f"import/{kind}/<str:token>/", review, name=kind)
        for kind, review in views_import.REVIEWS.items()
    ),
    path(
        "import/customers/<str:token>/rejected.xlsx",
        views_import.rejected_customer_rows,
        name="customers_rejected",
    ),
    path("payments/<int:pk>/order/", views.payment_order, name="payment_order"),
    path("payments/<int:pk>/attach/", views.payment_attach, name="payment_attach"),
    path("import/jobs/<str:token>/progress/", views_import.job_progress, name="progress"),
]
