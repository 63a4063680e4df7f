"""Uploads are stored only up to the import limit, whatever the size of the request.

Django writes a whole multipart upload to a temporary file before any view sees it, so a 10 GB
POST would fill the disk before the page, the API or the job refused it. This handler keeps the
first limit + 1 bytes, enough for every way in to see that the file is too large and say so,
and drops the rest as it arrives."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class LimitedUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.room = settings.YUTANG_IMPORT_MAX_BYTES + 1
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        kept = raw_data[: max(self.room, 0)]
        self.room -= len(kept)
        if kept:
            self.file.write(kept)
