"""The static files' storage: hashed names and gzip copies once collected, plain names before.

`yutang serve` (and `yutang demo`) run collectstatic before serving: every file then has a
name with its content's hash, which whitenoise serves with a ten-year cache lifetime, and a
gzip copy it sends to browsers that accept it. Without collectstatic (a fresh checkout under
`yutang runserver`, or gunicorn started by hand) a manifest storage would fail every page on
the missing manifest; this one gives the plain name instead, which whitenoise serves straight
from the package (WHITENOISE_USE_FINDERS)."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:  # not collected (yet): the manifest has no entry for it
            return name
