"""Every import kind is one entry of `jobs.KINDS`, and every part the app needs of it is there:
the upload form, the API, the command and the review pages all follow that list."""

from __future__ import annotations

import inspect

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import load_command_class
from django.forms import ChoiceField
from django.template.loader import get_template
from django.urls import reverse

from yutang.imports import jobs, views_import
from yutang.imports.forms import UploadForm
from yutang.test import BaseTestCase

TOKEN = "00000000-0000-0000-0000-000000000000"


class ImportKindTests(BaseTestCase):
    def test_every_kind_has_every_part(self) -> None:
        assert list(jobs.KINDS) == ["customers", "orders", "bill"]
        for kind, spec in jobs.KINDS.items():
            assert str(spec.label), kind
            assert callable(spec.plan) and callable(spec.commit), kind
            assert isinstance(spec.background, bool) and isinstance(spec.mappable, bool), kind
            assert isinstance(spec.stops_on_rejected, bool), kind
            assert reverse(spec.target), kind
            # Its review page: a view, its URL, and its template.
            review = views_import.REVIEWS[kind]
            assert reverse(f"imports:{kind}", args=[TOKEN]) == f"/import/{kind}/{TOKEN}/"
            assert f"imports/review_{kind}.html" in inspect.getsource(review), kind
            get_template(f"imports/review_{kind}.html")
        assert list(views_import.REVIEWS) == list(jobs.KINDS)

    def test_every_list_of_kinds_is_derived_from_the_registry(self) -> None:
        field = UploadForm().fields["kind"]
        assert isinstance(field, ChoiceField)
        assert [value for value, _label in list(field.choices)] == list(jobs.KINDS)  # type: ignore[arg-type]
        command = load_command_class("yutang.imports", "import")
        parser = command.create_parser("yutang", "import")
        [what] = [a for a in parser._actions if a.dest == "what"]
        assert list(what.choices or ()) == list(jobs.KINDS)
        data = {"kind": "products", "file": SimpleUploadedFile("a.csv", b"x")}
        response = self.client.post("/api/imports", data, headers=self.bearer(self.bob))
        assert response.status_code == 422
        assert "customers, orders, bill" in str(response.json())
