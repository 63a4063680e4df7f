"""What a file really is, and whether it is safe to hand to the spreadsheet reader.

The reader (calamine) trusts the file: it allocates the whole range between the first and the last
cell it finds, so an xlsx of a few KB with cells at A1 and XFD1048576 (or an ods row repeated a
million times) makes it ask for hundreds of GB and abort the process, which no `except` catches.
An xlsx or ods is a zip: `check_workbook` reads its entries as a stream first (sizes, compression
ratio, the declared and the real extent of every sheet) and refuses what is too large before the
reader sees it. On the way it notes the cells the reader would hand back as empty although they
are not: Excel errors (#DIV/0!, #N/A …) and formulas saved without their value.

`text_encoding` reads a text file line by line, all of it, and tells UTF-8 from GBK (or says
which row breaks the file), so that a file mixing both is refused instead of read as mojibake.

Nothing here knows about Django; the problems carry an English and a Chinese message, like the
bill parser's errors, and the import layer shows the one of the reader's language.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypedDict, Unpack

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CHUNK = 1 << 20
# A piece of sheet XML with no cell boundary in it: a single cell this large is no spreadsheet.
MAX_CARRY = 32 << 20
# Entries this small are never refused for their compression ratio (XML of repeated styles
# compresses very well and is harmless at this size).
RATIO_FLOOR = 1 << 20


@dataclass(frozen=True)
class Limits:
    rows: int = 1_000_000
    columns: int = 200
    # The reader keeps every cell of the range in memory (about 32 bytes each, strings apart).
    cells: int = 10_000_000
    unzipped: int = 1 << 30  # all entries of the zip together, uncompressed
    ratio: int = 100  # uncompressed / compressed, per entry
    xls: int = 100 << 20  # an .xls is not compressed: its size is its weight


_MESSAGES: dict[str, tuple[str, str]] = {
    "truncated": (
        "The file is incomplete (it was cut off while downloading or copying): download or "
        "save it again and upload the new copy.",
        "这个文件不完整（下载或复制时中断了）：请重新下载或重新保存一份再上传。",
    ),
    "damaged": (
        "The spreadsheet cannot be read: it is damaged. Open it in Excel and save it again.",
        "这个表格已损坏，无法读取：请用 Excel 打开后重新保存一份再上传。",
    ),
    "not_a_workbook": (
        "This is a zip archive, not a spreadsheet: extract it and upload the file inside.",
        "这是一个压缩包，不是表格：请先解压，再上传里面的文件。",
    ),
    "numbers": (
        "This is an Apple Numbers file: in Numbers choose File > Export To > Excel and upload "
        "the xlsx.",
        "这是苹果 Numbers 文件：请在 Numbers 里选“文件 > 导出为 > Excel”，上传导出的 xlsx 文件。",
    ),
    "encrypted": (
        "The file is password-protected: remove the password in Excel, save a copy and import "
        "that.",
        "这个文件设置了打开密码：请在 Excel 里去掉密码后另存一份再导入。",
    ),
    "unzipped_too_large": (
        "The spreadsheet is too large once unpacked (%(size)s MB, at most %(limit)s MB): split "
        "it into several files.",
        "这个表格解压后太大（%(size)s MB，最多 %(limit)s MB）：请拆成几个文件分别导入。",
    ),
    "ratio": (
        "The spreadsheet is packed suspiciously tight (a part of it grows %(ratio)s times when "
        "unpacked): it is not read. Open it in Excel and save it again.",
        "这个表格的压缩比异常（其中一部分解压后变大 %(ratio)s 倍），为安全起见不予读取："
        "请用 Excel 打开后重新保存一份。",
    ),
    "too_many_rows": (
        "The sheet reaches row %(found)s: at most %(limit)s rows can be imported. Split it into "
        "several files, or delete the empty rows at the bottom.",
        "表格一直延伸到第 %(found)s 行，最多只能导入 %(limit)s 行：请拆成几个文件，"
        "或删掉表格底部的空行。",
    ),
    "too_many_columns": (
        "The sheet reaches column %(found)s: at most %(limit)s columns can be imported. Delete "
        "the columns on the right that are not needed.",
        "表格一直延伸到第 %(found)s 列，最多只能导入 %(limit)s 列：请删掉右边不需要的列。",
    ),
    "too_many_cells": (
        "The sheet spans %(found)s cells: at most %(limit)s can be imported. Split it into "
        "several files.",
        "表格的范围有 %(found)s 个单元格，最多只能导入 %(limit)s 个：请拆成几个文件。",
    ),
    "xls_too_large": (
        "The .xls file is too large (%(size)s MB, at most %(limit)s MB): save it as xlsx or csv "
        "and import that.",
        ".xls 文件太大（%(size)s MB，最多 %(limit)s MB）：请另存为 xlsx 或 csv 再导入。",
    ),
    "html": (
        "This is a web page saved with a spreadsheet's name, not a real spreadsheet: open it in "
        "Excel, choose Save As > Excel Workbook (xlsx) and import that.",
        "这是一个网页文件，只是名字像表格：请用 Excel 打开它，选择“另存为 > Excel 工作簿（xlsx）”，"
        "再导入另存的文件。",
    ),
    "xml_spreadsheet": (
        "This is an Excel 2003 XML file: open it in Excel, choose Save As > Excel Workbook (xlsx) "
        "and import that.",
        "这是 Excel 2003 的 XML 表格：请用 Excel 打开它，选择“另存为 > Excel 工作簿（xlsx）”，"
        "再导入另存的文件。",
    ),
    "pdf": (
        "This is a PDF, not a spreadsheet: export the data as xlsx or csv and import that.",
        "这是 PDF 文件，不是表格：请把数据导出成 xlsx 或 csv 文件再导入。",
    ),
    "mixed_encoding": (
        "The file mixes two text encodings: row %(row)s is %(then)s while the rows before it are "
        "%(first)s. Save the whole file again as UTF-8 and import it.",
        "文件里混用了两种编码：第 %(row)s 行是 %(then)s，而它前面的行是 %(first)s。"
        "请把整个文件重新保存为 UTF-8 后再导入。",
    ),
    "bad_encoding": (
        "Row %(row)s is neither UTF-8 nor GBK text: save the file again as UTF-8 and import it.",
        "第 %(row)s 行既不是 UTF-8 也不是 GBK 编码的文字：请把文件重新保存为 UTF-8 后再导入。",
    ),
}


class SheetParams(TypedDict, total=False):
    """What a message of _MESSAGES names: sizes and counts already formatted for the reader,
    a row as its number in the file."""

    size: str
    limit: str
    found: str
    ratio: int
    row: int
    then: str
    first: str


class SheetProblem(ValueError):
    """The file cannot be read safely; `message` and `message_zh` say why, for the user."""

    def __init__(self, code: str, **params: Unpack[SheetParams]) -> None:
        english, chinese = _MESSAGES[code]
        self.code = code
        self.params: SheetParams = params
        self.message = english % params if params else english
        self.message_zh = chinese % params if params else chinese
        super().__init__(self.message)


# --- what the bytes are ----------------------------------------------------------------------

# Kinds of file `identify` names that are refused with their own message.
REFUSED_KINDS = ("pdf", "html", "xml_spreadsheet")


def identify(head: bytes) -> str:
    """The kind of file from its first bytes: zip, ole, pdf, html, xml_spreadsheet, utf16, text
    or binary. "html" is a web page saved with a spreadsheet's name (what many systems export
    as "xls"); "xml_spreadsheet" is Excel 2003's XML format."""
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16le(head):
        return "utf16"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()[:2048]
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or (
        start.startswith(b"mime-version:") and b"multipart/related" in start
    ):
        return "html"
    if start.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in start:
        return "xml_spreadsheet"
    if start.startswith(b"<?xml") and b"<html" in start:
        return "html"
    if b"\x00" in head[:4096] and not _text_with_stray_nuls(head[:4096]):
        return "binary"
    return "text"


def _text_with_stray_nuls(sample: bytes) -> bool:
    """Text with a NUL here and there (a cell pasted from somewhere odd) is read, and the
    cell refused with its row and column; a binary file has many NULs and no text around."""
    if sample.count(0) > max(4, len(sample) // 100):
        return False
    rest = sample.replace(b"\x00", b"")
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(rest, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _looks_utf16le(head: bytes) -> bool:
    # UTF-16 without a BOM: ASCII text has a NUL in every odd byte, and in no even one.
    sample = head[:4096]
    if len(sample) < 8:
        return False
    odd, even = sample[1::2], sample[0::2]
    return odd.count(0) > 0.6 * len(odd) and even.count(0) == 0


# --- workbooks -------------------------------------------------------------------------------


class UnreadableCell(str):
    """A cell the spreadsheet reader gives back as empty although it is not: an Excel error
    ("#N/A") or a formula saved without its value ("=A1*2"). Its text is that, so that a row
    holding one is never taken for a blank row."""

    @property
    def is_error(self) -> bool:
        return self.startswith("#")


@dataclass
class SheetScan:
    """One sheet's real extent (0-based, of the cells that hold something) and its cells that
    the reader would give back as empty: (row, column) → the Excel error ("#N/A") or "=" and the
    formula, for a formula saved without its value."""

    name: str
    first_row: int | None = None
    first_column: int | None = None
    last_row: int = -1
    last_column: int = -1
    hidden: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass
class WorkbookScan:
    sheets: list[SheetScan]  # in the workbook's order

    def first(self) -> SheetScan | None:
        return self.sheets[0] if self.sheets else None


# Cells the reader would hand back as empty, kept per sheet (the first ones are enough to
# reject their rows; more would only fill the memory).
MAX_HIDDEN = 10_000


def check_workbook(source: str | Path | IO[bytes], limits: Limits | None = None) -> WorkbookScan:
    """Refuse a zip or OLE spreadsheet that is encrypted, incomplete, of another kind, or too
    large for the reader; else what `SheetScan` says of each sheet. Reads the file as a stream:
    memory stays flat whatever the file declares."""
    limits = limits or Limits()
    if isinstance(source, str | Path):
        with Path(source).open("rb") as stream:
            return _check_workbook(stream, limits)
    return _check_workbook(source, limits)


def _check_workbook(stream: IO[bytes], limits: Limits) -> WorkbookScan:
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(OLE_MAGIC):
        _check_ole(stream, limits)
        return WorkbookScan(sheets=[])
    return _check_zip(stream, limits)


def _check_ole(stream: IO[bytes], limits: Limits) -> None:
    # An encrypted xlsx is an OLE container holding the streams EncryptionInfo and
    # EncryptedPackage (their names are stored in UTF-16 in the directory).
    names = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
    found: set[bytes] = set()
    size = 0
    tail = b""
    while block := stream.read(CHUNK):
        size += len(block)
        window = tail + block
        found |= {n for n in names if n in window}
        tail = window[-64:]
    if len(found) == len(names):
        raise SheetProblem("encrypted")
    if size > limits.xls:
        raise SheetProblem("xls_too_large", size=_mb(size), limit=_mb(limits.xls))


def _check_zip(stream: IO[bytes], limits: Limits) -> WorkbookScan:
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        stream.seek(0)
        # A zip whose directory (at the very end) is missing was cut short.
        raise SheetProblem("truncated" if stream.read(4) == ZIP_MAGIC else "damaged") from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
            raise SheetProblem("numbers")
        is_ods = "content.xml" in names
        if "[Content_Types].xml" not in names and not is_ods:
            raise SheetProblem("not_a_workbook")
        declared = sum(info.file_size for info in infos)
        if declared > limits.unzipped:
            raise SheetProblem("unzipped_too_large", size=_mb(declared), limit=_mb(limits.unzipped))
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > limits.ratio * max(
                info.compress_size, 1
            ):
                raise SheetProblem("ratio", ratio=info.file_size // max(info.compress_size, 1))
        budget = _Budget(limits)
        try:
            if is_ods:
                sheets = _scan_ods(archive, budget)
            else:
                sheets = [
                    _scan_xlsx_sheet(archive, name, title, budget)
                    for title, name in _xlsx_sheets(archive, names, budget)
                ]
                # The other parts (shared strings, styles …) are read whole by the reader.
                for info in infos:
                    if not info.filename.startswith("xl/worksheets/"):
                        for _block in _blocks(archive, info.filename, budget):
                            pass
        except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
            raise SheetProblem("truncated" if _cut_short(exc) else "damaged") from exc
        except NotImplementedError as exc:  # a compression method the reader cannot read
            raise SheetProblem("damaged") from exc
    return WorkbookScan(sheets=sheets)


def _cut_short(exc: BaseException) -> bool:
    return isinstance(exc, EOFError) or "truncated" in str(exc).lower()


class _Budget:
    """The bytes really unpacked so far: a zip's declared sizes may lie."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.used = 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limits.unzipped:
            raise SheetProblem(
                "unzipped_too_large", size=f">{_mb(self.limits.unzipped)}",
                limit=_mb(self.limits.unzipped),
            )  # fmt: skip


def _blocks(archive: zipfile.ZipFile, name: str, budget: _Budget) -> Iterable[bytes]:
    with archive.open(name) as entry:
        while block := entry.read(CHUNK):
            budget.spend(len(block))
            yield block


def _read_small(archive: zipfile.ZipFile, name: str, budget: _Budget) -> bytes:
    return b"".join(_blocks(archive, name, budget))


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")


def _xlsx_sheets(
    archive: zipfile.ZipFile, names: set[str], budget: _Budget
) -> list[tuple[str, str]]:
    """(title, entry name) of every worksheet, in the workbook's order."""
    ordered: list[tuple[str, str]] = []
    if "xl/workbook.xml" in names and "xl/_rels/workbook.xml.rels" in names:
        targets: dict[bytes, str] = {}
        for match in _RELATIONSHIP.finditer(
            _read_small(archive, "xl/_rels/workbook.xml.rels", budget)
        ):
            attrs = dict(_ATTR.findall(match.group(1)))
            target = attrs.get(b"Target", b"").decode("utf-8", "replace")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[attrs.get(b"Id", b"")] = target
        for match in _SHEET_TAG.finditer(_read_small(archive, "xl/workbook.xml", budget)):
            attrs = dict(_ATTR.findall(match.group(1)))
            rid = next((v for k, v in attrs.items() if k.endswith(b":id")), b"")
            target = targets.get(rid, "")
            if target in names:
                ordered.append((attrs.get(b"name", b"").decode("utf-8", "replace"), target))
    listed = {name for _title, name in ordered}
    ordered += [
        (name, name)
        for name in sorted(names)
        if name.startswith("xl/worksheets/") and name.endswith(".xml") and name not in listed
    ]
    return ordered


_XLSX_TOKEN = re.compile(
    rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"'
    rb"|<(?:\w+:)?row\b([^>]*)>"
    rb"|<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)",
    re.S,
)
_REF = re.compile(rb"([A-Za-z]+)(\d{1,15})")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*>([^<]*)</(?:\w+:)?f>")
# Where a piece of sheet XML may be cut: after a row, after a cell.
_BOUNDARY = re.compile(rb"</(?:\w+:)?(?:row|c)>|<(?:\w+:)?c\b[^<>]*/>")


def _last_boundary(text: bytes) -> int:
    for start in (max(0, len(text) - 65536), 0):
        cut = max((m.end() for m in _BOUNDARY.finditer(text, start)), default=0)
        if cut:
            return cut
    return 0


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number - 1


def _scan_xlsx_sheet(archive: zipfile.ZipFile, name: str, title: str, budget: _Budget) -> SheetScan:
    sheet = SheetScan(name=title)
    row, column = -1, -1
    carry = b""
    for block in _blocks(archive, name, budget):
        text = carry + block
        # Scan up to the last cell or row boundary; the rest waits for the next block.
        cut = _last_boundary(text)
        if cut == 0:
            if len(text) > MAX_CARRY:
                raise SheetProblem("damaged")
            carry = text
            continue
        row, column = _scan_xlsx_piece(text[:cut], sheet, row, column, budget.limits)
        carry = text[cut:]
    _scan_xlsx_piece(carry, sheet, row, column, budget.limits)
    return sheet


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
# Non-empty cells that start with their position, as Excel and the usual libraries write them
# (an empty cell, <c r="B2" s="1"/>, does not match: the reader leaves it out of the range).
_CELL_LETTERS = re.compile(rb'<c r="([A-Za-z]+)\d{1,15}"[^>/]*>')
_CELL_DIGITS = re.compile(rb'<c r="[A-Za-z]+(\d{1,15})"[^>/]*>')
_CELL_POSITION = re.compile(rb'<c r="[A-Za-z]+\d{1,15}"')
_UNNUMBERED = re.compile(rb'<(?:c|row)(?:>|/>|\s(?!r="))')
_LAST_CELL = re.compile(rb'<c r="([A-Za-z]+)(\d{1,15})"')
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s([^>]*?\bt="e"[^>]*)>(.*?)</(?:\w+:)?c>', re.S)
_FORMULA_START = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _scan_xlsx_piece(
    text: bytes, sheet: SheetScan, row: int, column: int, limits: Limits
) -> tuple[int, int]:
    """The common case, in C: every cell starts with its position (<c r="B2"), so the extent
    comes from counts and two findall calls; the rare Excel errors and formulas are then looked
    at one by one. Anything else (prefixed tags, cells or rows without a position) goes through
    the cell-by-cell scan, which is slower but reads the same."""
    if (
        b":c " in text
        or b":row" in text
        or _UNNUMBERED.search(text)
        or text.count(b'<c r="') != len(_CELL_POSITION.findall(text))
    ):
        return _scan_xlsx_text(text, sheet, row, column, limits)
    if b"dimension" in text:
        dimensions = b"".join(m.group(0) + b"/>" for m in _DIMENSION.finditer(text))
        _scan_xlsx_text(dimensions, sheet, row, column, limits)
    letters = set(_CELL_LETTERS.findall(text))
    if letters:
        numbers = [int(d) - 1 for d in set(_CELL_DIGITS.findall(text))]
        columns = [_column_number(name) for name in letters]
        _extend(sheet, min(numbers), min(columns), limits)
        _extend(sheet, max(numbers), max(columns), limits)
    if b't="e"' in text:
        for match in _ERROR_CELL.finditer(text):
            ref = re.search(rb'\br="([A-Za-z]+)(\d{1,15})"', match.group(1))
            value = _VALUE.search(match.group(2))
            if ref:
                what = value.group(1).decode("utf-8", "replace") if value else "#"
                _hide(sheet, int(ref.group(2)) - 1, _column_number(ref.group(1)), what)
    for match in _FORMULA_START.finditer(text) if b"<f" in text else ():
        start = max(text.rfind(b"<c ", 0, match.start()), text.rfind(b":c ", 0, match.start()))
        end = text.find(b"c>", match.start())
        cell = text[start:end]
        if b"<v" in cell or b":v>" in cell or b"<is" in cell:
            continue
        ref = re.search(rb'\br="([A-Za-z]+)(\d{1,15})"', cell)
        formula = _FORMULA.search(cell + b"c>")
        if ref:
            what = "=" + (formula.group(1).decode("utf-8", "replace") if formula else "")
            _hide(sheet, int(ref.group(2)) - 1, _column_number(ref.group(1)), what)
    last = _LAST_CELL.match(text, max(0, text.rfind(b'<c r="')))
    if last is not None:
        return int(last.group(2)) - 1, _column_number(last.group(1))
    return row, column


def _scan_xlsx_text(
    text: bytes, sheet: SheetScan, row: int, column: int, limits: Limits
) -> tuple[int, int]:
    for match in _XLSX_TOKEN.finditer(text):
        dimension, row_attrs, cell_attrs, body = match.groups()
        if dimension is not None:
            last = dimension.split(b":")[-1]
            ref = _REF.fullmatch(last)
            if ref:
                # What the file claims is refused like what it holds.
                _check_extent(
                    SheetScan(
                        name=sheet.name, first_row=0, first_column=0,
                        last_row=int(ref.group(2)) - 1, last_column=_column_number(ref.group(1)),
                    ),
                    limits,
                )  # fmt: skip
            continue
        if row_attrs is not None:
            number = re.search(rb'\br="(\d{1,15})"', row_attrs)
            row = int(number.group(1)) - 1 if number else row + 1
            column = -1
            continue
        attrs = cell_attrs or b""
        ref = re.search(rb'\br="([A-Za-z]+)(\d{1,15})"', attrs)
        if ref:
            row, column = int(ref.group(2)) - 1, _column_number(ref.group(1))
        else:
            column += 1
        if not body or not (b"<v" in body or b"<is" in body or b"<f" in body or b":v" in body):
            continue
        _extend(sheet, row, column, limits)
        kind = re.search(rb'\bt="(\w+)"', attrs)
        value = _VALUE.search(body)
        if kind and kind.group(1) == b"e":
            _hide(sheet, row, column, value.group(1).decode("utf-8", "replace") if value else "#")
        elif value is None and b"<is" not in body:
            formula = _FORMULA.search(body)
            if formula is not None:
                _hide(sheet, row, column, "=" + formula.group(1).decode("utf-8", "replace"))
    return row, column


def _extend(sheet: SheetScan, row: int, column: int, limits: Limits) -> None:
    sheet.first_row = row if sheet.first_row is None else min(sheet.first_row, row)
    sheet.first_column = column if sheet.first_column is None else min(sheet.first_column, column)
    sheet.last_row = max(sheet.last_row, row)
    sheet.last_column = max(sheet.last_column, column)
    _check_extent(sheet, limits)


def _hide(sheet: SheetScan, row: int, column: int, what: str) -> None:
    if len(sheet.hidden) < MAX_HIDDEN:
        sheet.hidden[(row, column)] = what


def _check_extent(sheet: SheetScan, limits: Limits) -> None:
    if sheet.first_row is None or sheet.first_column is None:
        return
    if sheet.last_row + 1 > limits.rows:
        raise SheetProblem(
            "too_many_rows", found=f"{sheet.last_row + 1:,}", limit=f"{limits.rows:,}"
        )
    if sheet.last_column + 1 > limits.columns:
        raise SheetProblem(
            "too_many_columns", found=f"{sheet.last_column + 1:,}", limit=f"{limits.columns:,}"
        )
    cells = (sheet.last_row - sheet.first_row + 1) * (sheet.last_column - sheet.first_column + 1)
    if cells > limits.cells:
        raise SheetProblem("too_many_cells", found=f"{cells:,}", limit=f"{limits.cells:,}")


_ODS_TOKEN = re.compile(
    rb"<table:table(?=[\s>])[^>]*?(/?)>"
    rb"|<table:table-row\b([^>]*?)(/?)>"
    rb"|</table:table-row>"
    rb"|<table:(?:covered-)?table-cell\b([^>]*?)(/?)>"
)
_REPEAT = re.compile(rb'table:number-(?:rows|columns)-repeated="(\d{1,15})"')


def _scan_ods(archive: zipfile.ZipFile, budget: _Budget) -> list[SheetScan]:
    """The extent of each table of an ods, repeats counted: a row or cell repeated is expanded
    by the reader when it holds something (empty repeats at the end are what LibreOffice writes
    and cost nothing)."""
    sheets: list[SheetScan] = []
    row = column = 0
    row_repeat = 1
    row_used = False
    carry = b""
    for block in _blocks(archive, "content.xml", budget):
        text = carry + block
        cut = text.rfind(b">") + 1
        if cut == 0:
            if len(text) > MAX_CARRY:
                raise SheetProblem("damaged")
            carry = text
            continue
        for match in _ODS_TOKEN.finditer(text[:cut]):
            token = match.group(0)
            if re.match(rb"<table:table[\s>]", token):
                sheets.append(SheetScan(name=str(len(sheets) + 1)))
                row = 0
            elif token.startswith(b"<table:table-row"):
                repeat = _REPEAT.search(match.group(2) or b"")
                row_repeat = int(repeat.group(1)) if repeat else 1
                column, row_used = 0, False
                if match.group(3):  # <table:table-row/>
                    row += row_repeat
            elif token == b"</table:table-row>":
                if row_used and sheets:
                    _extend(sheets[-1], row + row_repeat - 1, 0, budget.limits)
                row += row_repeat
            else:
                attrs = match.group(4) or b""
                repeat = _REPEAT.search(attrs)
                count = int(repeat.group(1)) if repeat else 1
                if (b"office:value-type" in attrs or not match.group(5)) and sheets:
                    row_used = True
                    _extend(sheets[-1], row, column + count - 1, budget.limits)
                    _extend(sheets[-1], row + row_repeat - 1, column, budget.limits)
                column += count
        carry = text[cut:]
    return sheets


def _mb(size: int) -> str:
    return f"{size / (1 << 20):,.0f}"


# --- text ------------------------------------------------------------------------------------


def text_encoding(stream: IO[bytes]) -> str:
    """The encoding of a whole text file: "utf-16", "utf-8-sig" or "gb18030" (a superset of GBK).
    Every line is looked at, so a file that turns from one encoding to the other after its
    first megabytes is refused with the row where it turns (`SheetProblem`)."""
    stream.seek(0)
    head = stream.read(4096)
    stream.seek(0)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16le(head):
        encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-16-le"
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 1
        while block := stream.read(CHUNK):
            try:
                lines += decoder.decode(block).count("\n")
            except UnicodeDecodeError as exc:
                raise SheetProblem("bad_encoding", row=lines) from exc
        stream.seek(0)
        return encoding
    first_utf8 = first_gbk = None
    for number, line in enumerate(stream, start=1):
        if number == 1:
            line = line.removeprefix(codecs.BOM_UTF8)
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            try:
                line.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise SheetProblem("bad_encoding", row=number) from exc
            if first_gbk is None:
                first_gbk = number
                if first_utf8 is not None:
                    break
        else:
            if first_utf8 is None:
                first_utf8 = number
                if first_gbk is not None:
                    break
    stream.seek(0)
    if first_utf8 is not None and first_gbk is not None:
        then, row, first = (
            ("GBK", first_gbk, "UTF-8") if first_gbk > first_utf8 else ("UTF-8", first_utf8, "GBK")
        )
        raise SheetProblem("mixed_encoding", row=row, then=then, first=first)
    return "gb18030" if first_gbk is not None else "utf-8-sig"
