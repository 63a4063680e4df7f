"""What every router of the JSON API shares: the one error shape and the way a payload goes
through the same form as the page. The assembly (yutang/api.py) builds the API from the routers;
the routers import these from here, never from it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django import forms
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.renderers import JSONRenderer
from pydantic import create_model

from yutang.lib.ids import MAX_ID

# The integers SQLite's INTEGER and PostgreSQL's bigint hold: a larger id or page in a path or
# query is refused as invalid input instead of overflowing in the database driver.
MIN_INT, MAX_INT = -MAX_ID - 1, MAX_ID

# The API's renderer: its answers and the error answers made here are written the same way.
RENDERER = JSONRenderer()

F = TypeVar("F", bound=forms.BaseForm)


class Error(Schema):
    """Every error the API answers: a sentence, and the messages per field (maybe none)."""

    detail: str
    errors: dict[str, list[str]]


def api_error(
    status: int, detail: str, errors: dict[str, list[str]] | None = None, **more: Any
) -> HttpResponse:
    body = {"detail": detail, "errors": errors or {}, **more}
    return HttpResponse(
        RENDERER.render(None, body, response_status=status),  # type: ignore[arg-type]
        status=status,
        content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}",
    )


def field_errors(errors: dict[str, list[str]], status: int = 422) -> HttpResponse:
    return api_error(status, _("Please correct the errors below."), errors)


def form_messages(form: forms.BaseForm, prefix: str = "") -> dict[str, list[str]]:
    """The form's messages per field, the same words the pages show; `prefix` names where the
    form sits in the payload (`lines.0.`)."""
    return {f"{prefix}{name}": [str(m) for m in messages] for name, messages in form.errors.items()}


def merge(*parts: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The messages of each part, per field, in order."""
    errors: dict[str, list[str]] = {}
    for part in parts:
        for field, messages in part.items():
            errors.setdefault(field, []).extend(messages)
    return errors


class Invalid(Exception):
    """The input does not validate: the API answers 422 with `errors` per field, and any more
    keys of `body` (such as the customers a phone or WeChat ID already belongs to)."""

    def __init__(
        self, errors: dict[str, list[str]], form: forms.BaseForm | None = None, **body: Any
    ) -> None:
        super().__init__(errors)
        self.errors = errors
        self.form = form  # the form that refused the input, if one did
        self.body = body

    def response(self) -> HttpResponse:
        return api_error(422, _("Please correct the errors below."), self.errors, **self.body)


def bind(form_class: type[F], payload: Mapping[str, Any], **kwargs: Any) -> F:
    """The page's form, bound to a JSON payload on top of the values it starts from: the
    instance's (an update) or the form's initial ones (a new object). A field the payload
    leaves out keeps that value, even a checkbox, which an HTML form would read as unticked; an
    explicit null is the field's empty value, which clears it where the form allows that."""
    start = form_class(**kwargs)
    data = {name: start[name].value() for name in start.fields}
    data.update(payload)
    return form_class(data, **kwargs)


def validate(
    form_class: type[F],
    payload: Mapping[str, Any],
    errors: Mapping[str, list[str]] | None = None,
    **kwargs: Any,
) -> F:
    """`bind`, and the valid form; raises Invalid with the messages of `errors` (what the API
    refused before the form, such as an unknown name) and then the form's."""
    form = bind(form_class, payload, **kwargs)
    if not form.is_valid() or errors:
        raise Invalid(merge(errors or {}, form_messages(form)), form=form)
    return form


def input_schema(name: str, out: type[Schema], writes: list[str], **types: Any) -> Any:
    """The input that goes with the answer `out`: each of its fields that the form `writes`, in
    `out`'s order and optional, so that a PATCH names only what changes; `types` are the ones the
    API takes in another type than it answers (an id as well as a name)."""
    fields: dict[str, Any] = {}
    for field, info in out.model_fields.items():
        if field in writes:
            kind: Any = types.get(field, info.annotation)
            fields[field] = (kind | None, None)
    return create_model(name, __base__=Schema, **fields)
