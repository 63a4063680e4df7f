from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LoginRequiredExceptApiMiddleware(LoginRequiredMiddleware):
    """Login by default for every page; the API authenticates each call itself (token or
    session) and answers 401 in JSON rather than redirecting to the login page."""

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> Any:
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class LanguageMiddleware:
    """Simplified Chinese unless the user picked English with the switch (a cookie).

    Pages ignore the browser's Accept-Language: a seller's phone set to English still gets the
    Chinese UI their customers' data is written in, until they choose otherwise. API clients
    may ask for English with Accept-Language.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        language = translation.get_supported_language_variant(settings.LANGUAGE_CODE)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen and translation.check_for_language(chosen):
            language = translation.get_supported_language_variant(chosen)
        elif request.path_info.startswith("/api/"):
            language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        return response
