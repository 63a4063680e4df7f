from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.i18n import set_language

from yutang.api import api, not_found
from yutang.customers import urls as customers_urls
from yutang.errors import bad_request
from yutang.overview import urls as overview_urls
from yutang.touchpoints.views import workbench

# One namespace for a customer's pages, whichever app has them: the customers app's own, and the
# overview's (the list and the customer's page), which show other apps beside the customer.
customers = (overview_urls.urlpatterns + customers_urls.urlpatterns, "customers")

urlpatterns = [
    path("", workbench, name="home"),
    path(
        "login/",
        login_not_required(
            auth_views.LoginView.as_view(
                template_name="accounts/login.html", redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password.html", success_url="/settings/"
        ),
        name="password_change",
    ),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("customers/", include(customers)),
    path("followups/", include("yutang.followups.urls")),
    path("products/", include("yutang.catalog.urls")),
    path("orders/", include("yutang.orders.urls")),
    path("touchpoints/", include("yutang.touchpoints.urls")),
    path("analytics/", include("yutang.analytics.urls")),
    path("", include("yutang.imports.urls")),
    path("settings/", include("yutang.accounts.urls")),
    path("api/", api.urls),
    re_path(r"^api/", not_found),
    path("admin/", admin.site.urls),
]

# A request for a host not in ALLOWED_HOSTS, among other bad requests: Chinese words that say
# which setting to change, instead of Django's English "Bad Request (400)".
handler400 = bad_request
