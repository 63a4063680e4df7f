"""Reading spreadsheets row by row, whatever their format and encoding, as text.

The format is found from the content, never from the file name: a .csv renamed to .xlsx is
still read. Every cell comes out as text so that an 11-digit phone or a long id never goes
through a float. Rows are streamed, so a 200,000-row file does not fill the memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook

MAX_CELL = 5000
# A huge cell is a row to reject with a clear message, not a file the CSV reader gives up on.
csv.field_size_limit(64 * 1024 * 1024)
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Text encodings tried in order: UTF-8 (with or without BOM), then GB18030 (a superset of GBK
# and GB2312, which Excel on Chinese Windows writes).
ENCODINGS = ("utf-8-sig", "gb18030")


class FileRejected(ValueError):
    """The file as a whole cannot be read; the message says why, for the user."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number as the user sees it, cells)
    kind: str
    total: int | None = None  # rows below the header, for a progress bar (blank ones counted)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        # A whole number typed into Excel is stored as a float: 13800138000.0 is a phone.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M:%S")
            if value.time() != time.min
            else value.date().isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _decode_probe(head: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            # The probe may end inside a multi-byte character: decode incrementally.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRejected(_("The file is neither UTF-8 nor GBK text, nor a spreadsheet."))


def _looks_binary(head: bytes) -> bool:
    return b"\x00" in head[:4096]


def _first_nonempty(rows: Iterator[tuple[int, list[str]]]) -> tuple[list[str], Iterator]:
    for _number, cells in rows:
        if any(c.strip() for c in cells):
            return [c.strip() for c in cells], rows
    raise FileRejected(_("The file has no header row."))


def _open_sheet(path: Path) -> Any:
    try:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except (CalamineError, ValueError, OSError) as exc:
        raise FileRejected(_("The spreadsheet cannot be read: is it damaged?")) from exc


def _spreadsheet_rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    for number, row in enumerate(sheet.iter_rows(), start=1):
        yield number, [cell_text(v) for v in row]


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            lines += block.count(b"\n")
    return lines


def _csv_rows(stream: IO[bytes], encoding: str) -> Iterator[tuple[int, list[str]]]:
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    sample = text.read(8192)
    text.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text, dialect)
    try:
        for row in reader:
            yield reader.line_num, [c.strip() for c in row]
    except UnicodeDecodeError as exc:
        raise FileRejected(
            _("Row %(row)s is not valid %(encoding)s text: was the file saved in another encoding?")
            % {"row": reader.line_num + 1, "encoding": encoding.upper()}
        ) from exc
    except csv.Error as exc:
        raise FileRejected(
            _("The CSV file is malformed near row %(row)s.") % {"row": reader.line_num}
        ) from exc


def open_table(path: str | Path) -> Table:
    """The header and a stream of rows of the first sheet of a spreadsheet or CSV file."""
    path = Path(path)
    with path.open("rb") as probe:
        head = probe.read(65536)
    if not head.strip():
        raise FileRejected(_("The file is empty."))
    if head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC):
        sheet = _open_sheet(path)
        kind, rows, lines = "spreadsheet", _spreadsheet_rows(sheet), sheet.height
    elif _looks_binary(head):
        raise FileRejected(_("This is not a spreadsheet: use xlsx, xls, ods or csv."))
    else:
        kind, rows = "csv", _csv_rows(path.open("rb"), _decode_probe(head))
        lines = _count_lines(path)
    headers, rest = _first_nonempty(rows)
    return Table(headers=headers, rows=rest, kind=kind, total=max(lines - 1, 0))


def map_headers(headers: list[str], names: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Field → column index, for the columns whose header is one of that field's names
    (case, spaces and punctuation such as "手机号：" or "Phone (mobile)" aside)."""

    def normal(text: str) -> str:
        return re.sub(r"[\s_*:：()（）]", "", text).lower()

    known = {normal(n): field for field, aliases in names.items() for n in aliases}
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = known.get(normal(header))
        if field and field not in mapping:
            mapping[field] = index
    return mapping
