"""The JSON API at /api/: the same scoping and the same forms and actions as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, django_auth

from yutang.accounts.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="yutang 鱼塘 API",
    version="1",
    auth=[BearerToken(), django_auth],
    docs_url="/docs",
    urls_namespace="api",
)

PYDANTIC_MESSAGES = {
    "date_from_datetime_parsing": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "date_parsing": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "date_type": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "bool_parsing": gettext_lazy("Must be true or false."),
    "bool_type": gettext_lazy("Must be true or false."),
    "int_parsing": gettext_lazy("Must be a whole number."),
    "int_type": gettext_lazy("Must be a whole number."),
    "string_type": gettext_lazy("Must be text."),
    "list_type": gettext_lazy("Must be a list."),
    "datetime_parsing": gettext_lazy("Enter a valid date and time (YYYY-MM-DDTHH:MM)."),
    "datetime_from_date_parsing": gettext_lazy("Enter a valid date and time (YYYY-MM-DDTHH:MM)."),
    "datetime_type": gettext_lazy("Enter a valid date and time (YYYY-MM-DDTHH:MM)."),
    "decimal_parsing": gettext_lazy("Enter a number."),
    "decimal_type": gettext_lazy("Enter a number."),
    "missing": gettext_lazy("This field is required."),
    "json_invalid": gettext_lazy("The request body is not valid JSON."),
}


def field_errors(errors: dict[str, list[str]], status: int = 422) -> HttpResponse:
    return api.create_response(
        None,  # type: ignore[arg-type]
        {"detail": _("Please correct the errors below."), "errors": errors},
        status=status,
    )


def form_errors(form: Any, extra: dict[str, list[str]] | None = None) -> Any:
    """422 with the form's messages per field, the same words the pages show."""
    from ninja.responses import Status

    errors = dict(extra or {})
    for field, messages in form.errors.items():
        errors.setdefault(field, []).extend(str(m) for m in messages)
    return Status(422, {"detail": _("Please correct the errors below."), "errors": errors})


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "payload", "query")]
        field = loc[0] if loc else "__all__"
        message = PYDANTIC_MESSAGES.get(error.get("type", "")) or _("Invalid value.")
        errors.setdefault(field, []).append(str(message))
    return field_errors(errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Log in or send “Authorization: Bearer TOKEN”.")}, status=401
    )


from yutang.analytics.api import router as analytics_router  # noqa: E402
from yutang.catalog.api import router as catalog_router  # noqa: E402
from yutang.customers.api import router as customers_router  # noqa: E402
from yutang.followups.api import router as followups_router  # noqa: E402
from yutang.imports.api import router as imports_router  # noqa: E402
from yutang.orders.api import router as orders_router  # noqa: E402
from yutang.touchpoints.api import router as touchpoints_router  # noqa: E402

api.add_router("/", customers_router)
api.add_router("/", followups_router)
api.add_router("/", catalog_router)
api.add_router("/", orders_router)
api.add_router("/", touchpoints_router)
api.add_router("/", imports_router)
api.add_router("/", analytics_router)
