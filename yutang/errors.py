"""Error pages Django would otherwise answer with its bare English "Bad Request (400)"."""

from __future__ import annotations

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.request import split_domain_port
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _

# The setting settings.py reads ALLOWED_HOSTS from, named on the page and in the API's answer.
HOSTS_SETTING = "YUTANG_ALLOWED_HOSTS"


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a request for an address yutang does not answer (DisallowedHost) says which
    setting lets it; any other bad request gets a plain page, or the API's JSON error."""
    if isinstance(exception, DisallowedHost):
        return refused_host(request)
    if request.path_info.startswith("/api/"):
        return api_error(_("This request could not be understood."))
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"refused": False}))


def refused_host(request: HttpRequest) -> HttpResponse:
    """Nothing is known of who asks: the browser's language decides (a cookie of the language
    switch if this address had one, else Accept-Language), and the page links nowhere, since
    the address it came by is the one refused. The host is what the client sent: shown
    escaped and shortened (a longer name is no real one), never used."""
    # The host as sent (Host, or X-Forwarded-Host where trusted), read as get_host() reads it:
    # get_host() is what raised, and would raise again. Private, so missing from the stubs.
    host: str = request._get_raw_host()  # type: ignore[attr-defined]
    domain, _port = split_domain_port(host)
    language = translation.get_language_from_request(request)
    context = {
        "refused": True,
        "host": _shorten(host),
        "domain": _shorten(domain),
        "setting": HOSTS_SETTING,
        "language": language,
    }
    with translation.override(language):
        if request.path_info.startswith("/api/"):
            if domain:
                detail = _(
                    "This address (%(host)s) is not allowed: add %(domain)s to %(setting)s and "
                    "restart yutang, or start the demo with “yutang demo --lan”."
                )
            else:
                detail = _("This address (%(host)s) is not a valid address.")
            response = api_error(detail % context)
        else:
            response = HttpResponseBadRequest(loader.render_to_string("400.html", context))
    response["Content-Language"] = language
    return response


def _shorten(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def api_error(detail: str) -> HttpResponse:
    """The API's error shape, {"detail": …, "errors": {}}, for what fails before its views."""
    return JsonResponse({"detail": detail, "errors": {}}, status=400)
