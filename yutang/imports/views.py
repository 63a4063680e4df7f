from __future__ import annotations

import tempfile

from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from django.utils.text import capfirst

from yutang.accounts.access import request_user
from yutang.lib.xlsx import write_sheet

from .exports import EXPORTS


def export(request: HttpRequest, what: str) -> FileResponse:
    build = EXPORTS.get(what)
    if build is None:
        raise Http404
    sheet = build(request_user(request), request.GET)
    # Spooled to a temporary file: a large pond never sits in memory as one workbook.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    write_sheet(
        handle, title=sheet.title, headers=[capfirst(h) for h in sheet.headers], rows=sheet.rows
    )
    handle.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(handle, as_attachment=True, filename=f"yutang-{what}-{stamp}.xlsx")
