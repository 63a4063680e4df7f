"""Reading spreadsheets row by row, whatever their format and encoding, as text.

The format is found from the content, never from the file name: a .csv renamed to .xlsx is
still read. Every cell comes out as text so that an 11-digit phone or a long id never goes
through a float. Rows are streamed, so a 200,000-row file does not fill the memory.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from yutang.lib import sheets
from yutang.lib.bills import MAX_BILL_BYTES, BillError, parse_bill

MAX_CELL = 5000
# A huge cell is a row to reject with a clear message, not a file the CSV reader gives up on.
csv.field_size_limit(64 * 1024 * 1024)
# The header is looked for in this many first non-empty rows (a title above it is common).
HEADER_ROWS = 10
# Delimiters in order of preference: another wins only by splitting the header into more
# columns; the quote is always the double quote (an apostrophe in a note is just text).
DELIMITERS = (",", "\t", ";")
# Invisible characters that copy-paste and some exports leave in header cells.
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


class FileRejected(ValueError):
    """The file as a whole cannot be read; the message says why, for the user."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def sheet_message(problem: sheets.SheetProblem) -> str:
    """The reason of a problem found by `yutang.lib.sheets`, in the reader's language."""
    return problem.message_zh if (get_language() or "zh").startswith("zh") else problem.message


def limits() -> sheets.Limits:
    return sheets.Limits(
        rows=settings.YUTANG_IMPORT_MAX_ROWS, columns=settings.YUTANG_IMPORT_MAX_COLUMNS
    )


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


def header_text(text: str) -> str:
    """A header cell without invisible marks, with any kind of space as a plain space."""
    text = INVISIBLE.sub("", text)
    return "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text).strip()


def unreadable_cells(cells: list[str], mapping: dict[str, int]) -> list[tuple[str, str]]:
    """(field, reason) for each mapped cell that holds an Excel error or a formula whose value
    was never saved: the reader gives those as empty, and an empty cell would be a lie."""
    found = []
    for name, index in mapping.items():
        cell = cells[index] if index < len(cells) else ""
        if isinstance(cell, sheets.UnreadableCell):
            found.append((name, _unreadable_reason(cell)))
    return found


def _unreadable_reason(cell: sheets.UnreadableCell) -> str:
    if cell.is_error:
        return str(
            _(
                "The cell shows the Excel error %(error)s: correct the formula (or type the value) "
                "in Excel, save and import again."
            )
        ) % {"error": cell[:20]}
    return str(
        _(
            "The cell holds a formula whose result was never saved: open the file in Excel, "
            "save it again (or paste the values) and import again."
        )
    )


def _first_rows(
    rows: Iterator[tuple[int, list[str]]], names: dict[str, tuple[str, ...]] | None
) -> tuple[int, list[str], Iterator[tuple[int, list[str]]]]:
    """The header row (its number and cells) and the rows below it. With `names`, the header
    is the row among the first non-empty ones that names the most known columns."""
    seen: list[tuple[int, list[str]]] = []
    for number, cells in rows:
        if any(c.strip() for c in cells):
            seen.append((number, cells))
            if names is None or len(seen) == HEADER_ROWS:
                break
    if not seen:
        raise FileRejected(_("The file has no header row."))
    best = 0
    if names is not None:
        known = [len(map_headers([header_text(c) for c in cells], names)) for _n, cells in seen]
        best = max(range(len(seen)), key=lambda i: (known[i], -i))
    number, cells = seen[best]
    return number, [header_text(c) for c in cells], itertools.chain(seen[best + 1 :], rows)


def _open_sheet(path: Path) -> Any:
    try:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except PasswordError as exc:
        raise FileRejected(sheet_message(sheets.SheetProblem("encrypted"))) from exc
    except (CalamineError, ValueError, OSError) as exc:
        raise FileRejected(sheet_message(sheets.SheetProblem("damaged"))) from exc


def _spreadsheet_rows(
    sheet: Any, hidden: dict[tuple[int, int], str]
) -> Iterator[tuple[int, list[str]]]:
    # Rows start at the sheet's first row, columns at the first column that holds something.
    first_column = sheet.start[1] if sheet.start else 0
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (r, c), what in hidden.items():
        by_row.setdefault(r, []).append((c - first_column, what))
    index = -1
    for index, row in enumerate(sheet.iter_rows()):
        cells = [cell_text(v) for v in row]
        yield index + 1, _with_unreadable(cells, by_row.get(index, ()))
    # A row whose only cells are unreadable lies past the end of what the reader returns.
    for late in sorted(r for r in by_row if r > index):
        yield late + 1, _with_unreadable([], by_row[late])


def _with_unreadable(cells: list[str], hidden: Iterable[tuple[int, str]]) -> list[str]:
    for column, what in hidden:
        if column >= 0:
            cells += [""] * (column + 1 - len(cells))
            cells[column] = sheets.UnreadableCell(what)
    return cells


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            lines += block.count(b"\n")
    return lines


def _delimiter(sample: str) -> str:
    for line in sample.splitlines()[:HEADER_ROWS]:
        counts = {d: len(next(csv.reader([line], delimiter=d), [])) for d in DELIMITERS}
        best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
        if counts[best] > 1:
            return best
    return ","


def _csv_rows(stream: IO[bytes], encoding: str) -> Iterator[tuple[int, list[str]]]:
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    delimiter = _delimiter(text.read(65536))
    text.seek(0)
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True)
    try:
        for row in reader:
            yield reader.line_num, [c.strip() for c in row]
    except UnicodeDecodeError as exc:  # the file changed since its encoding was checked
        raise FileRejected(
            _("Row %(row)s is not valid %(encoding)s text: was the file saved in another encoding?")
            % {"row": reader.line_num + 1, "encoding": encoding.upper()}
        ) from exc
    except csv.Error as exc:
        raise FileRejected(
            _("The CSV file is malformed near row %(row)s.") % {"row": reader.line_num}
        ) from exc
    finally:
        text.close()


def open_table(path: str | Path, names: dict[str, tuple[str, ...]] | None = None) -> Table:
    """The header and a stream of rows of the first sheet of a spreadsheet or CSV file. With
    `names` (field → header names, as for `map_headers`), the header may be any of the first
    rows: the one naming the most known columns; the rows above it are left out."""
    path = Path(path)
    with path.open("rb") as probe:
        head = probe.read(65536)
    if not head.strip():
        raise FileRejected(_("The file is empty."))
    kind = sheets.identify(head)
    try:
        if kind in ("zip", "ole"):
            scan = sheets.check_workbook(path, limits()).first()
            sheet = _open_sheet(path)
            rows = _spreadsheet_rows(sheet, scan.hidden if scan else {})
            kind, lines = "spreadsheet", sheet.height
        elif kind in sheets.REFUSED_KINDS:
            raise sheets.SheetProblem(kind)
        elif kind == "binary":
            raise FileRejected(_("This is not a spreadsheet: use xlsx, xls, ods or csv."))
        else:
            with path.open("rb") as stream:
                encoding = sheets.text_encoding(stream)
            kind, rows = "csv", _csv_rows(path.open("rb"), encoding)
            lines = _count_lines(path)
    except sheets.SheetProblem as problem:
        raise FileRejected(sheet_message(problem)) from problem
    number, headers, rest = _first_rows(rows, names)
    return Table(headers=headers, rows=rest, kind=kind, total=max(lines - number, 0))


def map_headers(headers: list[str], names: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Field → column index, for the columns whose header is one of that field's names
    (case, spaces and punctuation such as "手机号：" or "Phone (mobile)" aside)."""

    def normal(text: str) -> str:
        return re.sub(r"[\s_*:：()（）]", "", header_text(text)).lower()

    known = {normal(n): field for field, aliases in names.items() for n in aliases}
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = known.get(normal(header))
        if field and field not in mapping:
            mapping[field] = index
    return mapping


# How many rows below a table's header a bill's column names may be.
BILL_HEAD = 60


class IsABill(FileRejected):
    """A WeChat Pay or Alipay bill given as a sheet of customers; `source` says which."""

    def __init__(self, source: str) -> None:
        super().__init__(_("This is a bill, not a sheet of customers: import it as a bill."))
        self.source = source


def bill_source(path: str | Path, head: Iterable[list[str]]) -> str | None:
    """ "wechat" or "alipay" when the file is a bill export that the bill import reads, else
    None. `head` is the file's first rows as a table gives them (its header and the 60 rows
    below, BILL_HEAD): a bill has its account, period and totals above its column names. Only
    a file with a 收/支 (in or out) column there, which every bill has and no customer sheet,
    is read again as a bill, so a large customer sheet is not read twice."""
    if not any(re.sub(r"\s", "", cell) == "收/支" for cells in head for cell in cells):
        return None
    path = Path(path)
    if path.stat().st_size > MAX_BILL_BYTES:
        return None
    try:
        return parse_bill(path.read_bytes()).source
    except BillError:
        return None


def peek(table: Table, count: int) -> list[list[str]]:
    """The table's header and first `count` rows, leaving its stream of rows whole."""
    head = list(itertools.islice(table.rows, count))
    table.rows = itertools.chain(head, table.rows)
    return [table.headers, *(cells for _number, cells in head)]
