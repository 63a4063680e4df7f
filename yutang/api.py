"""The JSON API at /api/: the same scoping and the same forms and actions as the pages."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import Field

from yutang.accounts.apikit import (
    MAX_INT,
    MIN_INT,
    RENDERER,
    Error,
    Invalid,
    api_error,
    field_errors,
)
from yutang.accounts.models import ApiToken
from yutang.analytics.api import router as analytics_router
from yutang.catalog.api import router as catalog_router
from yutang.customers.api import router as customers_router
from yutang.followups.api import router as followups_router
from yutang.imports.api import router as imports_router
from yutang.orders.api import router as orders_router
from yutang.touchpoints.api import router as touchpoints_router


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in page session. CSRF protects the session, so it is checked only when there
    is one: a call with no credentials at all is a 401, a session write without the CSRF token a
    403."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if request.user.is_authenticated else None


class ApiParser(Parser):
    """`?stage=` means no filter: an empty query or form value is read as not given at all.
    Text with a NUL character is refused wherever it comes: PostgreSQL cannot store or even
    compare it."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        _refuse_nul(data, ("body",))
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key in data:
            values = [v for v in data.getlist(key) if v != ""]
            _refuse_nul(values, ("query", key))
            if values:
                result[key] = values if key in list_fields else values[-1]
        return result


def _json_method_not_allowed(view: Any) -> Any:
    """Ninja answers a method an address does not take with a bare 405: the error shape too."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            return response
        message = _("This address does not take %(method)s.") % {"method": request.method}
        answer = api_error(405, message)
        answer["Allow"] = response["Allow"]
        return answer

    return wrapper


def _refuse_nul(value: Any, loc: tuple[str, ...]) -> None:
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError([{"type": "string_nul", "loc": loc}])
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key, loc)
            _refuse_nul(item, (*loc, str(key)))
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item, loc)


class YutangAPI(NinjaAPI):
    @property
    def urls(self) -> Any:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
        return patterns, app_name, namespace

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(schema)
        return schema


api = YutangAPI(
    title="yutang 鱼塘 API",
    version="1",
    auth=[BearerToken(), SessionAuth()],
    parser=ApiParser(),
    renderer=RENDERER,
    docs_url="/docs",
    urls_namespace="api",
)

ERROR_STATUSES = {
    401: "Not logged in, and no valid “Authorization: Bearer TOKEN”.",
    403: "Not allowed for your role, or a session call without its CSRF token.",
    404: "No such object among those you may see.",
    409: "The object is still in use: nothing was changed.",
    422: "The input does not validate: `errors` gives the messages per field.",
}


def document_errors(schema: OpenAPISchema) -> None:
    """Each operation's error answers, in the one error shape: 401 when it needs a login, 403 for
    writes (the session's CSRF check, and the owner-only ones), 404 when the path names an
    object, 422 when it takes input that can be invalid; and any error status a route declares
    itself (such as 409)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = (
        Error.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for methods in schema["paths"].values():
        for method, operation in methods.items():
            statuses = {int(s) for s in operation["responses"] if int(s) >= 400}
            if operation.get("security"):
                statuses.add(401)
            if method != "get":
                statuses.add(403)
            parameters = operation.get("parameters", [])
            if any(p["in"] == "path" for p in parameters):
                statuses.add(404)
            if "requestBody" in operation or any(
                p["in"] == "query" or p["schema"].get("type") != "string" for p in parameters
            ):
                statuses.add(422)
            for status in sorted(statuses):
                operation["responses"][status] = {
                    "description": ERROR_STATUSES[status],
                    "content": ref,
                }


def bound_integers(routers: list[Router]) -> None:
    """Every integer in a path or a query lies within MIN_INT..MAX_INT (documented too)."""
    for router in routers:
        for view in router.path_operations.values():
            for operation in view.operations:
                for model in operation.models:
                    if model.__ninja_param_source__ not in ("path", "query"):
                        continue
                    fields = [
                        f for f in model.model_fields.values() if f.annotation in (int, int | None)
                    ]
                    for field in fields:
                        field.metadata += Field(ge=MIN_INT, le=MAX_INT).metadata
                    if fields:
                        model.model_rebuild(force=True)


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
    # The forms' own message: a NUL is refused the same way on every way in.
    "string_nul": ProhibitNullCharactersValidator.message,
}


@api.exception_handler(Invalid)
def on_invalid(request: HttpRequest, exc: Invalid) -> HttpResponse:
    return exc.response()


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "payload", "query")]
        field = loc[0] if loc else "__all__"
        kind = error.get("type", "")
        if kind in ("greater_than_equal", "less_than_equal"):
            message = _("This number is out of range.")
        else:
            message = str(PYDANTIC_MESSAGES.get(kind) or _("Invalid value."))
        errors.setdefault(field, []).append(message)
    return field_errors(errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api_error(401, _("Log in or send “Authorization: Bearer TOKEN”."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja's own: a body it cannot parse (400, invalid input like any other: 422) and the
    # session's failed CSRF check (403).
    if isinstance(exc.__cause__, ValidationError):
        return on_validation_error(request, exc.__cause__)
    if exc.status_code == 400:
        message = str(PYDANTIC_MESSAGES["json_invalid"])
        return api_error(422, message, {"__all__": [message]})
    if exc.status_code == 403:
        return api_error(403, _("The CSRF token is missing or wrong: reload the page."))
    return api_error(exc.status_code, str(exc))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api_error(403, str(exc) or _("You are not allowed to do this."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Never the exception's text: it names the model, and nothing else is known to the caller.
    return api_error(404, _("Not found, or not yours to see."))


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    """/api/… that is no route at all: the same JSON 404, not the pages' HTML one."""
    return api_error(404, _("There is no such API address."))


ROUTERS = [
    customers_router,
    followups_router,
    catalog_router,
    orders_router,
    touchpoints_router,
    imports_router,
    analytics_router,
]
bound_integers(ROUTERS)
for router in ROUTERS:
    api.add_router("/", router)
