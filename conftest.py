"""Every test reads the static files from the package under their plain names.

`yutang serve` collects hashed copies and a manifest into the data directory, which the tests
may share with it: a test must not see yesterday's app.js through an old manifest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings


@pytest.fixture(autouse=True, scope="session")
def plain_static_files() -> Iterator[None]:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield
