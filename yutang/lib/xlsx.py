"""Writing spreadsheets that are safe to open: rows stream to disk as they come, and any text
that a spreadsheet could take for a formula is neutralised."""

from __future__ import annotations

import math
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast
from xml.sax.saxutils import escape

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
    first = text[:1]
    if first.isalnum() and first not in FORMULA_STARTS:
        return text  # the usual case, decided by its first character alone
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


# Parts of the workbook that do not depend on the rows.
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_TYPES}.styles+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPES}.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _XML + f'<Relationships xmlns="{_PKG_RELS}"><Relationship Id="rId1" '
    f'Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    _XML + f'<Relationships xmlns="{_PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC_RELS}/styles" Target="styles.xml"/></Relationships>'
)
# The cell styles, by index: 0 plain, 1 bold (the headers), 2 a date, 3 a date and time, 4 money.
_STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN}"><numFmts count="3">'
    '<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="166" formatCode="#,##0.00"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)  # fmt: skip
_SHEET_START = (
    _XML + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><sheetViews>'
    '<sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView>'
    '</sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>'
)

_SHEET_END = (
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    "</worksheet>"
)
# Excel's limits: a cell holds 32,767 UTF-16 units, a sheet name 31 characters without these.
_CELL_MAX = 32767
_SHEET_NAME_BANNED = re.compile(r"[\[\]:*?/\\]")
# What XML cannot hold as it is: Excel's _xHHHH_ escapes for control characters, the escape
# itself when it occurs in the text, and the two non-characters.
_ESCAPES = re.compile(r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
# Text that is written as it is: it starts with a letter or a digit (so it is no formula, see
# `neutralise`), holds nothing to escape (no _ either: _x0041_ is an escape), ends without a
# space and is far shorter than a cell's limit.
_PLAIN = re.compile(r"[^\W_][^&<>_\x00-\x1f\ufffe\uffff]{0,1000}(?<!\s)\Z")
_EXCEL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
# Day 1 of Excel's calendar is 1900-01-01, and it counts a 29 February 1900 that never was.
_EPOCH = date(1899, 12, 31).toordinal()
_ROWS_PER_WRITE = 500
_COMPRESSION = 1  # zlib's fastest level: the sheet is repetitive XML, the file barely grows


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _text_cell(ref: str, text: str, style: str = "") -> str:
    """An inline string cell: the text as XML holds it, cut to what a cell can hold."""
    if len(text) > _CELL_MAX // 2 and _utf16_length(text) > _CELL_MAX:
        length = 0
        for index, char in enumerate(text):
            length += 2 if ord(char) > 0xFFFF else 1
            if length > _CELL_MAX:
                text = text[:index]
                break
    if _ESCAPES.search(text):
        text = _EXCEL_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text[:1].isspace() or text[-1:].isspace():
        return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t>{text}</t></is></c>'


def excel_serial(value: date) -> float:
    """A date, or a naive date and time, as Excel's serial number of days."""
    days = value.toordinal() - _EPOCH
    serial: float = days
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        serial += (seconds + value.microsecond / 1e6) / 86400
        if days == 1:
            serial -= 1  # a date and time on day 1 counts from day 0, as Excel shows a time
    return serial + 1 if serial > 59 else serial


def _cell(ref: str, value: Any) -> str:
    """One cell of a data row, "" for an empty one. Text is always text (phone numbers and long
    ids must not become numbers) and always neutralised."""
    kind = type(value)
    if kind is str:
        return _text_cell(ref, neutralise(value)) if value else ""
    if value is None:
        return ""
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{1 if value else 0}</v></c>'
    if kind is int or kind is float:
        if kind is float and not math.isfinite(value):
            return ""
        return f'<c r="{ref}"><v>{value:.16G}</v></c>'
    if kind is datetime:
        serial = excel_serial(value.replace(tzinfo=None))
        return f'<c r="{ref}" s="3"><v>{serial:.16G}</v></c>'
    if kind is date:
        return f'<c r="{ref}" s="2"><v>{excel_serial(value):.16G}</v></c>'
    if kind is Decimal:
        number = float(value)
        return f'<c r="{ref}" s="4"><v>{number:.16G}</v></c>' if math.isfinite(number) else ""
    # Subclasses (a choice, a lazy translation) and anything else.
    if isinstance(value, Decimal):
        return _cell(ref, Decimal(value))
    if isinstance(value, int | float):
        return _cell(ref, float(value) if isinstance(value, float) else int(value))
    if isinstance(value, datetime):
        return _cell(ref, datetime.combine(value.date(), value.timetz()))
    if isinstance(value, date):
        return _cell(ref, date(value.year, value.month, value.day))
    text = str(value)
    return _text_cell(ref, neutralise(text)) if text else ""


def _sheet_name(title: str) -> str:
    name = _SHEET_NAME_BANNED.sub(" ", title).strip("'")[:31].strip()
    return name or "Sheet1"


def write_sheet(
    target: str | Path | IO[bytes],
    *,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
) -> int:
    """Write one sheet; returns the number of data rows. Memory stays flat however many rows:
    each row goes to the file's compressor as it comes, as SpreadsheetML with inline strings.
    The headers are bold and frozen, with an autofilter over every row; dates, times and money
    carry their number formats."""
    columns = [_column_name(i) for i in range(max(len(headers), 26))]
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESSION) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr("xl/styles.xml", _STYLES)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            header_cells = "".join(
                _text_cell(f"{columns[col]}1", str(header), ' s="1"')
                for col, header in enumerate(headers)
            )
            chunk = [_SHEET_START, f'<row r="1">{header_cells}</row>']
            plain = _PLAIN.match
            for count, row in enumerate(rows, start=1):
                number = str(count + 1)
                if len(row) > len(columns):
                    columns.extend(_column_name(i) for i in range(len(columns), len(row)))
                cells = [f'<row r="{number}">']
                for col, value in enumerate(row):
                    kind = type(value)
                    if kind is str and plain(cast(str, value)):
                        # Most text: short, starting with a letter or digit, nothing to escape.
                        ref = columns[col] + number
                        cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
                    elif kind is bool:
                        ref = columns[col] + number
                        cells.append(f'<c r="{ref}" t="b"><v>{1 if value else 0}</v></c>')
                    elif value is not None:
                        cells.append(_cell(columns[col] + number, value))
                cells.append("</row>")
                chunk.append("".join(cells))
                if len(chunk) >= _ROWS_PER_WRITE:
                    sheet.write("".join(chunk).encode("utf-8", "replace"))
                    chunk = []
            last = f"{columns[max(len(headers) - 1, 0)]}{max(count, 1) + 1}"
            chunk.append(f'</sheetData><autoFilter ref="A1:{last}"/>{_SHEET_END}')
            sheet.write("".join(chunk).encode("utf-8", "replace"))
        name = _sheet_name(title)
        filtered = f"'{name}'!$A$1:${last.rstrip('0123456789')}${max(count, 1) + 1}"
        book.writestr(
            "xl/workbook.xml",
            _XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><bookViews><workbookView/>'
            f'</bookViews><sheets><sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="1" '
            'r:id="rId1"/>'
            '</sheets><definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" '
            f'hidden="1">{escape(filtered)}</definedName></definedNames></workbook>',
        )
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
