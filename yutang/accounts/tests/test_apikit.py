from __future__ import annotations

import json

from django import forms
from django.test import SimpleTestCase

from yutang.accounts.apikit import Invalid, api_error, bind, form_messages, merge, validate
from yutang.api import api


class NoteForm(forms.Form):
    title = forms.CharField(max_length=5)
    body = forms.CharField(required=False)
    pinned = forms.BooleanField(required=False)
    count = forms.IntegerField(required=False, min_value=1)


class BindTests(SimpleTestCase):
    start = {"title": "早", "body": "正文", "pinned": True, "count": 3}

    def test_what_the_payload_leaves_out_keeps_its_value_even_a_checkbox(self) -> None:
        form = bind(NoteForm, {"title": "晚"}, initial=self.start)
        assert form.is_valid(), form.errors
        assert form.cleaned_data == {"title": "晚", "body": "正文", "pinned": True, "count": 3}

    def test_null_is_the_empty_value(self) -> None:
        payload = {"body": None, "pinned": None, "count": None}
        form = bind(NoteForm, payload, initial=self.start)
        assert form.is_valid(), form.errors
        assert form.cleaned_data == {"title": "早", "body": "", "pinned": False, "count": None}
        assert not bind(NoteForm, {"title": None}, initial=self.start).is_valid()

    def test_validate_raises_with_the_earlier_messages_first(self) -> None:
        assert validate(NoteForm, {"title": "好"}).cleaned_data["title"] == "好"
        with self.assertRaises(Invalid) as raised:
            validate(NoteForm, {"title": "太长的标题了", "count": 0}, {"title": ["先"]})
        errors = raised.exception.errors
        assert set(errors) == {"title", "count"} and errors["title"][0] == "先"
        assert len(errors["title"]) == 2 and isinstance(raised.exception.form, NoteForm)
        with self.assertRaises(Invalid):
            validate(NoteForm, {"title": "好"}, {"other": ["refused before the form"]})

    def test_messages_carry_where_the_form_sits(self) -> None:
        form = bind(NoteForm, {"title": ""})
        assert list(form_messages(form, "lines.0.")) == ["lines.0.title"]
        assert merge({"a": ["1"]}, {"a": ["2"], "b": ["3"]}) == {"a": ["1", "2"], "b": ["3"]}


class ErrorTests(SimpleTestCase):
    def test_an_error_is_written_as_the_api_writes_its_answers(self) -> None:
        response = api_error(409, "占用", {"x": ["y"]}, duplicates={"phone": 1})
        assert response.status_code == 409
        assert response["Content-Type"] == api.get_content_type()
        body = {"detail": "占用", "errors": {"x": ["y"]}, "duplicates": {"phone": 1}}
        assert json.loads(response.content) == body
        assert json.loads(Invalid({"a": ["b"]}).response().content)["errors"] == {"a": ["b"]}
