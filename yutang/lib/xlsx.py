"""Writing spreadsheets that are safe to open: xlsxwriter streams rows to disk, and any text
that a spreadsheet could take for a formula is neutralised."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter

# A cell starting with one of these is read as a formula by Excel, WPS or LibreOffice, or as
# one once the sheet is saved as CSV (CSV injection): = + - @ and their full-width forms, which
# WPS and Excel's Chinese input turn into the ASCII ones. Tab, carriage return and other spaces
# or invisible marks before them are stripped by some programs before evaluating.
FORMULA_STARTS = "=+-@＝＋－＠"
# A call such as SUM( or HYPERLINK(, or a DDE link such as cmd|: what makes a cell starting with
# + - @ a formula rather than a phone (+86 …) or a note (- call back).
_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\s*\(|[A-Za-z]+\s*\|")


def _payload(text: str) -> str:
    """The text from its first visible character: spaces and control or format characters
    (tab, CR, NUL, zero-width space, BOM …) before a payload do not disarm it."""
    for index, char in enumerate(text):
        if not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf")):
            return text[index:]
    return ""


def neutralise(text: str) -> str:
    """The text as a spreadsheet shows it and never evaluates: quoted when it could start a
    formula. Every export writes its text cells through here."""
    payload = _payload(text)
    if text.startswith(("\t", "\r")) or (payload[:1] and payload[0] in FORMULA_STARTS):
        return "'" + text
    return text


def is_formula(text: str) -> bool:
    """Whether an imported cell is a formula rather than a value: it starts (after spaces and
    invisible marks) with = or ＝, or with + - @ (or their full-width forms) and calls a
    function or a DDE link. Imports refuse such a cell: the user meant its value."""
    payload = _payload(text)
    if not payload:
        return False
    if payload[0] in "=＝":
        return True
    return payload[0] in FORMULA_STARTS and _CALL.search(payload) is not None


def write_sheet(
    target: str | Path | IO[bytes],
    *,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
) -> int:
    """Write one sheet; returns the number of data rows. Memory stays flat however many rows."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    money = book.add_format({"num_format": "#,##0.00"})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_boolean(count, col, value)
            elif isinstance(value, Decimal):
                sheet.write_number(count, col, float(value), money)
            elif isinstance(value, int | float):
                sheet.write_number(count, col, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(count, col, value.replace(tzinfo=None), moment)
            elif isinstance(value, date):
                sheet.write_datetime(count, col, datetime.combine(value, datetime.min.time()), day)
            else:
                # Always as text: phone numbers and long ids must not become numbers either.
                sheet.write_string(count, col, neutralise(str(value)))
    sheet.autofilter(0, 0, max(count, 1), max(len(headers) - 1, 0))
    book.close()
    return count


@dataclass
class Sheet:
    """A list as one sheet: its title, its column headers and its rows (read once, as they
    are written). Every export of a list and every table of the analytics is one."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def capfirst(text: str) -> str:
    """The header as a column shows it: its first letter upper case."""
    return text[:1].upper() + text[1:]


def write(sheet: Sheet, target: str | Path | IO[bytes]) -> int:
    """Write the sheet with its headers capitalised; returns the number of data rows."""
    return write_sheet(
        target, title=sheet.title, headers=[capfirst(str(h)) for h in sheet.headers],
        rows=sheet.rows,
    )  # fmt: skip


def spooled(sheet: Sheet) -> IO[bytes]:
    """The sheet written to a temporary file, at its start: a large pond never sits in memory
    as one workbook. The caller closes it (a download response does when it is sent)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    write(sheet, handle)
    handle.seek(0)
    return handle


def download_name(name: str, at: datetime) -> str:
    """The file name of a download of `name` made at `at` (local time)."""
    return f"yutang-{name}-{at:%Y%m%d-%H%M}.xlsx"
