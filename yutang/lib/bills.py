"""WeChat Pay and Alipay bill exports (账单明细), read into rows a seller can import.

`parse_bill(data, filename)` takes the bytes of the file the seller uploads and returns a `Bill`;
`summarize(bill)` counts what an import would bring in. Nothing here knows about Django.

Layouts (the column-by-column description of each is in shared/data/payments/FORMATS.md):

=================== ===================================================================
``wechat_csv``       WeChat CSV, ≈2017 → mid-2025, UTF-8 (with or without BOM)
``wechat_xlsx_2025`` WeChat xlsx from ≈2025-07: same 17-line preamble, 金额 as "¥28.16" text
``wechat_xlsx_2026`` WeChat xlsx from ≈2026-03: one more note (UTC+08:00), numeric 金额 cells
``alipay_app_2023``  Alipay app "电子客户回单" export, preamble + table (also the 2020 export,
                     which already had this column order)
``alipay_app_2026``  the same after 2026-06, whose 特别提示 lost tip 8 (one line shorter)
``alipay_app_2021``  Alipay app export of 2021: table first, summary after it
``alipay_web``       Alipay website 交易记录明细查询 (≤2021)
=================== ===================================================================

Everything is found from content, never from a line count: the export's preamble changed length
several times (WeChat's one-line note in 2026, Alipay's dropped tip), so the header row is the first
row holding the layout's column names, the layout is told apart by words in the preamble, and the
columns are then looked up by name.

Direction: 收入 → "in", 支出 → "out"; "/" (WeChat 中性交易), 不计收支 (Alipay since 2023), 其他
(Alipay before 2023) and an empty 收/支 → "neutral".

Refunds (`is_refund`) - a row that is itself a refund movement, as FORMATS.md marks them:

* WeChat: 交易类型 contains 退款 ("退款", "微信红包-退款", "亲属卡交易-退款"), or the row
  is 收入 with a refund state in 当前状态 ("已退款…", "已全额退款", "已部分退款"). WeChat
  writes the refund state on the refunded payment too; on an expense (支出) row that state
  only says "this purchase was refunded", the money coming back is its own 收入 row, so
  flagging the expense as well would count the refund twice. A 收入 row with a refund state
  is either that money coming back or a receipt the seller refunded: neither is a new
  payment. WeChat states the direction of every row, so it is kept as written: a refund of
  an expense is "in", a refund the seller paid out is "out".
* Alipay: 交易分类 退款, 商品说明/商品名称 starting "退款-", or 交易状态 退款成功. Alipay
  files most refunds as 不计收支/其他 (or leaves 收/支 empty on the website), so their
  direction is worked out: an explicit 收入/支出 is kept; else the website's 资金状态
  (已收入/已支出); else the opposite of the refunded row when it is in the same bill; else
  "in" (a refund in one's own bill is money coming back for a purchase; one that reverses an
  income is "out" only when the bill shows it). Alipay refund ids are the original id +
  "_suffix" (deg matches refunds by that prefix), which gives `refund_of`; WeChat rows never
  say which payment they refund, so theirs is "".

A refunded payment itself is not a refund row; its status (交易关闭, 已全额退款 …) is simply
not one of the successful ones, so `summarize` does not count it as money received.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NoReturn

from . import sheets

# Statuses meaning the money moved for good, per FORMATS.md. WeChat: the 当前状态 list of W1;
# Alipay: 交易成功/支付成功/还款成功/退税成功 of A1 (等待确认收货 is money still held by Alipay,
# 交易关闭 a payment that was cancelled or refunded). "充值成功" is not in FORMATS.md but is
# what the WeChat samples show on 收入 rows, and it says the same as its neighbours.
SUCCESS_STATUSES = frozenset(
    {
        # WeChat (支付成功 is also Alipay's)
        "支付成功",
        "已存入零钱",
        "已收钱",
        "朋友已收钱",
        "对方已收钱",
        "已转账",
        "充值完成",
        "充值成功",
        "提现已到账",
        "已到账",
        # Alipay
        "交易成功",
        "还款成功",
        "退税成功",
    }
)

LAYOUTS = (
    "wechat_csv",
    "wechat_xlsx_2025",
    "wechat_xlsx_2026",
    "alipay_app_2023",
    "alipay_app_2026",
    "alipay_app_2021",
    "alipay_web",
)

_CENT = Decimal("0.01")

# A bill is read whole into memory: a year of a busy seller's WeChat bill is about 20 MB.
MAX_BILL_BYTES = 50 * 1024 * 1024
# What a bill workbook may span (a bill has 12-17 columns), checked before it is read.
BILL_LIMITS = sheets.Limits(rows=300_000, columns=100, cells=3_000_000, unzipped=512 << 20)

# Integers below 10**15 survive both a float (exact up to 2**53) and Excel (15 significant digits).
_SAFE_NUMERIC_ID = 10**15


class BillError(ValueError):
    """A file that cannot be read as a bill; `code` says why, `message_zh` is shown to sellers.

    code: "empty", "not_a_bill", "encoding", "too_large", "unsupported_layout" or "bad_row" (then
    `row_number` is the 1-based line or sheet row and `column` the header name of the cell that
    failed).
    """

    def __init__(
        self,
        code: str,
        message: str,
        message_zh: str,
        *,
        row_number: int | None = None,
        column: str = "",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_zh = message_zh
        self.row_number = row_number
        self.column = column
        self.filename = ""


@dataclass
class BillRow:
    row_number: int
    transaction_id: str
    merchant_order_id: str
    occurred_at: datetime
    direction: str
    kind: str
    counterparty: str
    counterparty_account: str
    product: str
    amount: Decimal
    payment_method: str
    status: str
    note: str
    is_refund: bool
    refund_of: str

    @property
    def is_incoming(self) -> bool:
        """Money received for good: a row that is "in", not a refund, and whose status is one of
        SUCCESS_STATUSES (money still held by Alipay, closed or refunded payments are not)."""
        return self.direction == "in" and not self.is_refund and self.status in SUCCESS_STATUSES


@dataclass
class Bill:
    source: str
    layout: str
    account: str
    period_start: date | None
    period_end: date | None
    rows: list[BillRow] = field(default_factory=list)


def parse_bill(data: bytes, filename: str = "") -> Bill:
    """Read a WeChat Pay or Alipay bill export (CSV in UTF-8/GBK, or xlsx).

    The format is told from the bytes, never from `filename` (sellers rename files, and a CSV saved
    as "账单.xlsx" is still a CSV); the name is only put on a raised BillError as `.filename`, for
    a page listing several uploads.
    """
    try:
        return _parse(data)
    except BillError as error:
        error.filename = filename
        raise


def summarize(bill: Bill) -> dict[str, object]:
    """What an import would bring in: money received for good, and how many refund rows there are.

    incoming_count/incoming_total count the rows that are `BillRow.is_incoming`.
    """
    incoming = [row for row in bill.rows if row.is_incoming]
    return {
        "rows": len(bill.rows),
        "incoming_count": len(incoming),
        "incoming_total": sum((row.amount for row in incoming), Decimal("0.00")),
        "refund_count": sum(1 for row in bill.rows if row.is_refund),
    }


# --- reading the bytes -------------------------------------------------------------------------

Cell = object  # str from CSV; str, float, int, bool, datetime, date, time, timedelta from calamine
Grid = list[tuple[int, Sequence[Cell]]]  # (1-based row number, cells)


def check_size(size: int) -> None:
    """Refuse a bill file too large to be read whole, before it is read."""
    if size > MAX_BILL_BYTES:
        raise BillError(
            "too_large",
            f"The file is {size // (1 << 20)} MB: a bill export is at most"
            f" {MAX_BILL_BYTES // (1 << 20)} MB. Export a shorter period.",
            f"文件有 {size // (1 << 20)} MB，账单文件最多 {MAX_BILL_BYTES // (1 << 20)} MB："
            "请分段导出较短时间的账单。",
        )


def _sheet_error(problem: sheets.SheetProblem) -> BillError:
    code = (
        "too_large"
        if problem.code.startswith(("too_many", "unzipped", "ratio", "xls"))
        else ("encoding" if problem.code.endswith("encoding") else "not_a_bill")
    )
    error = BillError(
        code, problem.message, problem.message_zh, row_number=problem.params.get("row")
    )
    error.__cause__ = problem
    return error


def _parse(data: bytes) -> Bill:
    check_size(len(data))
    if not data.strip(b" \t\r\n,\xef\xbb\xbf"):
        raise BillError("empty", "The file is empty.", "文件是空的")
    _refuse_known_binary(data)
    if (kind := sheets.identify(data[:4096])) in ("html", "xml_spreadsheet"):
        raise _sheet_error(sheets.SheetProblem(kind))
    if data.startswith((sheets.ZIP_MAGIC, sheets.OLE_MAGIC[:4])):
        return _parse_grids(_workbook_grids(data), from_workbook=True)
    return _parse_grids([_csv_grid(_decode(data))], from_workbook=False)


# Signatures of files sellers upload by mistake: screenshots of the bill, the PDF 交易流水证明 of
# Alipay, archives. Each gets a message saying what to upload instead.
_BINARY_KINDS: tuple[tuple[bytes, str, str], ...] = (
    (
        b"\x89PNG",
        "This is a PNG image, not a bill export.",
        "这是一张图片，不是账单文件。请在微信或支付宝里导出账单，上传导出的文件，而不是截图。",
    ),
    (
        b"\xff\xd8\xff",
        "This is a JPEG image, not a bill export.",
        "这是一张图片，不是账单文件。请在微信或支付宝里导出账单，上传导出的文件，而不是截图。",
    ),
    (
        b"GIF8",
        "This is a GIF image, not a bill export.",
        "这是一张图片，不是账单文件。请在微信或支付宝里导出账单，上传导出的文件，而不是截图。",
    ),
    (
        b"%PDF",
        "This is a PDF; export the bill as CSV/xlsx ('for personal reconciliation') instead.",
        "这是 PDF 文件，无法导入。导出账单时请选择“用于个人对账”，得到的是 CSV 或 Excel 文件。",
    ),
    (
        b"Rar!",
        "This is a RAR archive; extract the bill file from it first.",
        "这是一个压缩包，请先解压，再上传里面的账单文件。",
    ),
    (
        b"7z\xbc\xaf",
        "This is a 7z archive; extract the bill file from it first.",
        "这是一个压缩包，请先解压，再上传里面的账单文件。",
    ),
    (
        b"\x1f\x8b",
        "This is a gzip archive; extract the bill file from it first.",
        "这是一个压缩包，请先解压，再上传里面的账单文件。",
    ),
)


def _refuse_known_binary(data: bytes) -> None:
    for magic, message, message_zh in _BINARY_KINDS:
        if data.startswith(magic):
            raise BillError("not_a_bill", message, message_zh)


def _decode(data: bytes) -> str:
    # A NUL byte never occurs in UTF-8 or GBK text; it means a binary file (or UTF-16 text).
    if b"\x00" in data[:65536]:
        raise _encoding_error()
    # The whole file is looked at line by line: one that turns from UTF-8 to GBK (or back) is
    # refused at the row where it turns, never read as mojibake.
    try:
        encoding = sheets.text_encoding(io.BytesIO(data))
    except sheets.SheetProblem as problem:
        raise _sheet_error(problem) from problem
    if encoding.startswith("utf-16"):
        # Neither app exports UTF-16; such a file was re-saved ("Unicode text") and reshaped.
        raise _encoding_error()
    text = data.decode(encoding)
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if controls * 100 > len(sample):
        # Binary junk that happened to decode: text exports carry no control characters.
        raise _encoding_error()
    return text


def _encoding_error() -> BillError:
    return BillError(
        "encoding",
        "The file is neither UTF-8 nor GBK text nor an xlsx workbook, so it cannot be read.",
        "无法识别文件编码：它既不是 UTF-8 / GBK 文本，也不是 Excel 表格。"
        "请上传微信或支付宝导出的原始文件。",
    )


def _csv_grid(text: str) -> Grid:
    # WeChat ends identifier cells with TAB (to stop Excel's scientific notation) and the April
    # 2025 CSVs carry stray TABs that break CSV readers; FORMATS.md (and deg) strip every TAB
    # before parsing. No field of either export uses TAB as content.
    text = text.replace("\t", "")
    reader = csv.reader(io.StringIO(text, newline=""))
    grid: Grid = []
    line = 0
    try:
        for record in reader:
            # A record starts on the line after the previous one ended (blank lines are records
            # too), so this is the physical line of the record even when a quoted cell spans lines.
            grid.append((line + 1, record))
            line = reader.line_num
    except csv.Error as error:
        raise BillError(
            "bad_row",
            f"Line {line + 1}: the CSV cannot be read ({error}).",
            f"第 {line + 1} 行：CSV 格式错误，无法读取。",
            row_number=line + 1,
        ) from error
    return grid


def _workbook_grids(data: bytes) -> list[Grid]:
    # The import is here so that the CSV path does not need the compiled extension loaded.
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        scan = sheets.check_workbook(io.BytesIO(data), BILL_LIMITS)
    except sheets.SheetProblem as problem:
        if problem.code != "not_a_workbook":
            raise _sheet_error(problem) from problem
        raise BillError(
            "not_a_bill",
            "This is a zip archive, not a bill. WeChat e-mails the bill as a password-protected"
            " zip: extract it first (the password is sent by the 微信支付 official account)"
            " and upload the .xlsx or .csv inside.",
            "这是一个压缩包，不是账单文件。微信支付的账单是加密的 zip 压缩包，请先解压（解压密码在"
            "“微信支付”公众号里），再上传里面的 .xlsx 或 .csv 文件。",
        ) from problem
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        grids: list[Grid] = []
        for number, name in enumerate(workbook.sheet_names):
            # skip_empty_area=False keeps leading empty rows and columns, so index + 1 is the
            # sheet row number and a cell's index its column.
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            if number < len(scan.sheets):
                for (r, c), what in sorted(scan.sheets[number].hidden.items()):
                    # Unreadable cells may lie past the end of what the reader returns.
                    rows += [[] for _ in range(r + 1 - len(rows))]
                    rows[r] = list(rows[r]) + [""] * (c + 1 - len(rows[r]))
                    rows[r][c] = sheets.UnreadableCell(what)
            grids.append([(index + 1, row) for index, row in enumerate(rows)])
    except PasswordError as error:
        raise BillError(
            "not_a_bill",
            "The workbook is password-protected; open it, remove the password and upload it again.",
            "这个 Excel 文件设置了密码，无法读取。请去掉密码后再上传。",
        ) from error
    except CalamineError as error:
        raise BillError(
            "not_a_bill",
            f"The file looks like a workbook but cannot be read ({error}).",
            "文件看起来是 Excel 表格，但已损坏，无法读取。请重新导出账单。",
        ) from error
    return grids


# --- finding the table -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    source: str
    signature: frozenset[str]  # header names that must all be present in the header row
    columns: dict[str, tuple[str, ...]]  # our field -> header names, in order of preference


_WECHAT = _Spec(
    source="wechat",
    signature=frozenset({"交易时间", "交易类型", "收/支", "金额(元)", "交易单号"}),
    columns={
        "time": ("交易时间",),
        "kind": ("交易类型",),
        "counterparty": ("交易对方",),
        "product": ("商品",),
        "direction": ("收/支",),
        "amount": ("金额(元)",),
        "method": ("支付方式",),
        "status": ("当前状态",),
        "transaction_id": ("交易单号",),
        "merchant_order_id": ("商户单号",),
        "note": ("备注",),
    },
)
_ALIPAY_APP = _Spec(
    source="alipay",
    signature=frozenset({"交易时间", "交易分类", "收/支", "金额", "交易订单号"}),
    columns={
        "time": ("交易时间",),
        "kind": ("交易分类",),
        "counterparty": ("交易对方",),
        "counterparty_account": ("对方账号",),
        "product": ("商品说明",),
        "direction": ("收/支",),
        "amount": ("金额",),
        "method": ("收/付款方式",),
        "status": ("交易状态",),
        "transaction_id": ("交易订单号",),
        "merchant_order_id": ("商家订单号",),
        "note": ("备注",),
    },
)
_ALIPAY_WEB = _Spec(
    source="alipay",
    signature=frozenset({"交易号", "交易创建时间", "金额(元)", "收/支"}),
    columns={
        # ezBookkeeping's keys: time = 交易创建时间 (付款时间 is empty for refunds and incomes).
        "time": ("交易创建时间", "付款时间"),
        "kind": ("类型",),
        "counterparty": ("交易对方",),
        "product": ("商品名称",),
        "direction": ("收/支",),
        "amount": ("金额(元)",),
        "status": ("交易状态",),
        "transaction_id": ("交易号",),
        "merchant_order_id": ("商家订单号",),
        "note": ("备注",),
        "funds": ("资金状态",),
    },
)
_SPECS = (_WECHAT, _ALIPAY_APP, _ALIPAY_WEB)

# Titles a genuine export starts with (first non-empty cell), used to pick the right sheet.
_TITLES = ("微信支付账单明细", "支付宝交易记录明细查询", "---")


def _header_name(cell: Cell) -> str:
    if not isinstance(cell, str):
        return ""
    # Alipay pads header cells with spaces; the website writes full-width brackets in 金额（元）.
    return re.sub(r"\s+", "", cell).replace("（", "(").replace("）", ")")


@dataclass
class _Table:
    spec: _Spec
    grid: Grid
    header_index: int  # index in grid of the header row
    columns: dict[str, int]  # field -> column index
    first_header: str


def _find_table(grid: Grid) -> _Table | None:
    for index, (_, cells) in enumerate(grid):
        names = [_header_name(cell) for cell in cells]
        present = set(names)
        for spec in _SPECS:
            if spec.signature <= present:
                columns = {}
                for name, candidates in spec.columns.items():
                    for candidate in candidates:
                        if candidate in present:
                            columns[name] = names.index(candidate)
                            break
                return _Table(spec, grid, index, columns, names[0] if names else "")
    return None


def _parse_grids(grids: list[Grid], *, from_workbook: bool) -> Bill:
    tables = [table for table in map(_find_table, grids) if table is not None]
    if not tables:
        _raise_no_table(grids)
    # deg's 2025/2026 fixtures carry a leftover first sheet (a Power Query table whose first row is
    # "Column1, Column2…") before the real export "Sheet1"; the real one starts with the export's
    # title, so prefer the sheet that does, whatever its name or position.
    table = next((t for t in tables if _starts_with_title(t.grid)), tables[0])
    return _read_table(table, from_workbook=from_workbook)


def _starts_with_title(grid: Grid) -> bool:
    for _, cells in grid:
        first = next((c for c in cells if isinstance(c, str) and c.strip()), None)
        if first is not None:
            return first.strip().startswith(_TITLES)
        if any(c not in ("", None) for c in cells):
            return False
    return False


def _raise_no_table(grids: list[Grid]) -> NoReturn:
    text = "\n".join(_row_text(cells) for grid in grids for _, cells in grid)
    if not text.strip(" \n,"):
        raise BillError("empty", "The file is empty.", "文件是空的")
    for words, name, name_zh in (
        (("微信支付",), "WeChat Pay", "微信支付"),
        (("支付宝", "电子客户回单"), "Alipay", "支付宝"),
    ):
        if any(word in text for word in words):
            raise BillError(
                "unsupported_layout",
                f"This looks like a {name} bill, but its layout is not supported: the row of column"
                " names was not found.",
                f"看起来是{name_zh}账单，但这种格式暂不支持（没有找到表头行）。请上传原始导出的文件。",
            )
    raise BillError(
        "not_a_bill",
        "This is not a WeChat Pay or Alipay bill: no row of bill column names was found.",
        "这不是微信支付或支付宝的账单",
    )


def _row_text(cells: Sequence[Cell]) -> str:
    return ",".join(c.strip() for c in cells if isinstance(c, str) and c.strip())


# --- reading the table -------------------------------------------------------------------------


def _read_table(table: _Table, *, from_workbook: bool) -> Bill:
    grid = table.grid
    body: Grid = []
    end = len(grid)
    for index in range(table.header_index + 1, len(grid)):
        row_number, cells = grid[index]
        first = _text(cells[0]) if cells else ""
        # The 2021 app export and the website export put their summary after a dashed line.
        if first.startswith("---"):
            end = index
            break
        if all(_text(cell) == "" for cell in cells):
            continue
        body.append((row_number, cells))

    before = "\n".join(_row_text(cells) for _, cells in grid[: table.header_index])
    after = "\n".join(_row_text(cells) for _, cells in grid[end:])
    layout = _layout(table, body, before, after, from_workbook=from_workbook)
    rows = [_read_row(table, row_number, cells) for row_number, cells in body]
    if table.spec.source == "alipay":
        _settle_alipay_refunds(rows, table, body)
    preamble = before + "\n" + after
    start, stop = _period(preamble)
    return Bill(
        source=table.spec.source,
        layout=layout,
        account=_account(preamble),
        period_start=start,
        period_end=stop,
        rows=rows,
    )


def _layout(table: _Table, body: Grid, before: str, after: str, *, from_workbook: bool) -> str:
    spec = table.spec
    if spec is _WECHAT:
        if not from_workbook:
            return "wechat_csv"
        amount = table.columns["amount"]
        numeric = any(
            isinstance(cells[amount], int | float) for _, cells in body if len(cells) > amount
        )
        # 2026-03 changed two things at once: numeric 金额 cells and note 4 about UTC+08:00. Either
        # tells it apart (a bill with no rows still has the note).
        return "wechat_xlsx_2026" if numeric or "UTC+08:00" in before else "wechat_xlsx_2025"
    if spec is _ALIPAY_WEB:
        return "alipay_web"
    # 2021: the table comes first and the 导出信息 summary after it; its first column is 收/支.
    if "导出信息" not in before and ("导出信息" in after or table.first_header == "收/支"):
        return "alipay_app_2021"
    # 2026-06/07 dropped tip 8 "本明细仅展示当前账单中的交易，不包括已删除的记录；".
    if "特别提示" in before and "不包括已删除的记录" not in before:
        return "alipay_app_2026"
    return "alipay_app_2023"


def _cell(cells: Sequence[Cell], table: _Table, name: str) -> Cell:
    index = table.columns.get(name)
    if index is None or index >= len(cells):
        return ""
    return cells[index]


def _column(table: _Table, name: str) -> str:
    index = table.columns.get(name)
    if index is None:
        return name
    return str(table.grid[table.header_index][1][index]).strip()


_DIRECTIONS = {
    "收入": "in",
    "支出": "out",
    "/": "neutral",
    "": "neutral",
    "不计收支": "neutral",
    "其他": "neutral",
}


def _read_row(table: _Table, row_number: int, cells: Sequence[Cell]) -> BillRow:
    def get(name: str) -> Cell:
        return _cell(cells, table, name)

    def text(name: str) -> str:
        return _scrub_cards(_value(get(name)))

    for name in table.columns:
        cell = get(name)
        if isinstance(cell, sheets.UnreadableCell):
            column = _column(table, name)
            what = (
                (f"shows the Excel error {cell}", f"是 Excel 错误值 {cell}")
                if cell.is_error
                else ("holds a formula whose result was never saved", "是没有保存结果的公式")
            )
            raise BillError(
                "bad_row",
                f"Row {row_number}, column {column}: the cell {what[0]}; upload the bill as"
                " exported, not edited in Excel.",
                f"第 {row_number} 行「{column}」列：单元格{what[1]}。请上传原始导出的账单，"
                "不要在 Excel 里修改。",
                row_number=row_number,
                column=column,
            )

    raw_direction = _text(get("direction"))
    if raw_direction not in _DIRECTIONS:
        column = _column(table, "direction")
        raise BillError(
            "bad_row",
            f"Row {row_number}, column {column}: unknown direction {raw_direction!r}"
            " (expected 收入, 支出 or /).",
            f"第 {row_number} 行「{column}」列：收/支“{raw_direction}”无法识别"
            "（应为 收入、支出 或 /）。",
            row_number=row_number,
            column=column,
        )
    kind = text("kind")
    product = text("product")
    status = text("status")
    transaction_id = _identifier(
        get("transaction_id"), row_number, _column(table, "transaction_id")
    )
    direction = _DIRECTIONS[raw_direction]

    if table.spec.source == "wechat":
        is_refund = "退款" in kind or ("退款" in status and raw_direction == "收入")
        refund_of = ""
    else:
        is_refund = kind == "退款" or product.startswith("退款-") or status == "退款成功"
        refund_of = transaction_id.split("_", 1)[0] if is_refund and "_" in transaction_id else ""

    return BillRow(
        row_number=row_number,
        transaction_id=transaction_id,
        merchant_order_id=_identifier(
            get("merchant_order_id"), row_number, _column(table, "merchant_order_id")
        ),
        occurred_at=_occurred_at(get("time"), row_number, _column(table, "time")),
        direction=direction,
        kind=kind,
        counterparty=text("counterparty"),
        counterparty_account=text("counterparty_account"),
        product=product,
        amount=_amount(get("amount"), row_number, _column(table, "amount")),
        payment_method=_payment_method(_value(get("method"))),
        status=status,
        note=text("note"),
        is_refund=is_refund,
        refund_of=refund_of,
    )


def _settle_alipay_refunds(rows: list[BillRow], table: _Table, body: Grid) -> None:
    """Direct Alipay refunds filed as 不计收支/其他/empty (rules in the module docstring)."""
    by_id = {row.transaction_id: row for row in rows if not row.is_refund and row.transaction_id}
    flip = {"in": "out", "out": "in"}
    for row, (_, cells) in zip(rows, body, strict=True):
        if not row.is_refund or row.direction != "neutral":
            continue
        funds = _text(_cell(cells, table, "funds"))
        original = by_id.get(row.refund_of) if row.refund_of else None
        if funds.startswith("已收入"):
            row.direction = "in"
        elif funds.startswith("已支出"):
            row.direction = "out"
        elif original is not None and original.direction in flip:
            row.direction = flip[original.direction]
        else:
            row.direction = "in"


# --- cells -------------------------------------------------------------------------------------


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _value(cell: Cell) -> str:
    """A text field as the seller should see it: both exports write "/" for "nothing"."""
    text = _text(cell)
    return "" if text == "/" else text


def _identifier(cell: Cell, row_number: int, column: str) -> str:
    # Ids are 19-45 digit strings; they stay text from the file to the database. CSV cells are
    # text. Real WeChat xlsx exports write them as text cells (ending in TAB). If a workbook was
    # re-saved by Excel with the ids turned into numbers, calamine hands us a float: integers below
    # 10**15 are exact in a float and in Excel, so they are written back as digits; anything longer
    # has already lost its last digits in the file (Excel keeps 15 significant digits), and a wrong
    # id would silently merge or duplicate payments, so the row is refused instead of guessed at.
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < _SAFE_NUMERIC_ID:
            return str(int(cell))
        raise BillError(
            "bad_row",
            f"Row {row_number}, column {column}: the id was saved as a number ({cell:.15g}) and has"
            " lost digits; upload the bill as exported, not re-saved in Excel.",
            f"第 {row_number} 行「{column}」列：单号被存成了数字，后面的位数已经丢失。"
            "请上传原始导出的账单，不要用 Excel 另存。",
            row_number=row_number,
            column=column,
        )
    return _value(cell)


_TIME = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?"
)


def _occurred_at(cell: Cell, row_number: int, column: str) -> datetime:
    # Naive local time as written: both apps write Beijing time (UTC+08:00) and the caller
    # attaches Asia/Shanghai.
    if isinstance(cell, datetime):
        # Excel stores times as fractions of a day; round away the float noise (12:45:26.999…).
        return (cell + timedelta(microseconds=500_000)).replace(microsecond=0)
    if isinstance(cell, date):
        return datetime.combine(cell, time())
    text = _text(cell)
    match = _TIME.fullmatch(text)
    if match:
        year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
        try:
            # fromisoformat builds a naive datetime without strptime's locale and DTZ007 concerns;
            # "seconds dropped" (deg#84) and Excel's 2025/7/9 9:05 re-saves are padded first.
            return datetime.fromisoformat(
                f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
            )
        except ValueError:
            pass
    raise BillError(
        "bad_row",
        f"Row {row_number}, column {column}: cannot read the time {text!r}.",
        f"第 {row_number} 行「{column}」列：时间“{text}”无法识别。",
        row_number=row_number,
        column=column,
    )


_AMOUNT = re.compile(r"\d+(?:\.\d{1,2})?")


def _amount(cell: Cell, row_number: int, column: str) -> Decimal:
    value: Decimal | None = None
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        # WeChat 2026 writes numeric cells (format ¥#,##0.00). repr() is the shortest decimal that
        # reads back as the same float, i.e. what Excel shows ("100.1", not 100.09999…).
        try:
            value = Decimal(repr(cell)).quantize(_CENT, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            value = None
        if value is not None and not value.is_finite():
            value = None
        text = repr(cell)
    else:
        text = _text(cell)
        # WeChat writes "¥28.16" (U+00A5; ezBookkeeping's tests use full-width ￥), maybe with
        # thousands separators; Alipay writes plain decimals.
        cleaned = re.sub(r"[\s,¥￥元]", "", text)
        if _AMOUNT.fullmatch(cleaned):
            value = Decimal(cleaned).quantize(_CENT)
    if value is None or value < 0:
        raise BillError(
            "bad_row",
            f"Row {row_number}, column {column}: cannot read the amount {text!r}.",
            f"第 {row_number} 行「{column}」列：金额“{text}”无法识别。",
            row_number=row_number,
            column=column,
        )
    return value


# Bank cards: a bank's name and the last digits of the seller's own card ("招商银行(0913)",
# "工商银行储蓄卡(9876)", "交通银行信用卡(7449)"). The seller needs none of it to match payments to
# customers, and under PIPL data is kept only as far as its purpose needs (minimisation, art. 6),
# so the bank and card tail are not stored: the payment method becomes the category "银行卡", and
# the same fragments in other columns (WeChat writes "转入零钱通-来自工商银行(9876)" in 交易类型 and
# "工商银行(9876)" as 交易对方 of a top-up) are replaced by "银行卡" in place.
_BANKISH = r"(?:银行|信用社|农信|农商|储蓄卡|信用卡|借记卡)"
_BANK_WORD = re.compile(_BANKISH)
_CARD_FRAGMENT = re.compile(
    r"(来自|到)?[\u4e00-\u9fffA-Za-z]*?"
    + _BANKISH
    + r"[\u4e00-\u9fffA-Za-z]*[(（][\d*\s]{0,8}[)）]"
)


def _scrub_cards(text: str) -> str:
    return _CARD_FRAGMENT.sub(lambda m: (m.group(1) or "") + "银行卡", text)


def _payment_method(text: str) -> str:
    # Combined methods are written "招商银行(1234)&红包"; keep the non-bank parts as they are.
    parts = ["银行卡" if _BANK_WORD.search(part) else part.strip() for part in text.split("&")]
    return "&".join(_unique(part for part in parts if part))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- preamble ----------------------------------------------------------------------------------

_PERIOD = {
    key: re.compile(key + r"(?:时间|日期)[:：]\s*\[?\s*(\d{4})-(\d{1,2})-(\d{1,2})")
    for key in ("起始", "终止")
}


def _period(text: str) -> tuple[date | None, date | None]:
    found: list[date | None] = []
    for key in ("起始", "终止"):
        match = _PERIOD[key].search(text)
        day = None
        if match:
            try:
                day = date(*(int(g) for g in match.groups()))
            except ValueError:
                day = None
        found.append(day)
    return found[0], found[1]


# The bill owner: WeChat "微信昵称：[测试]", Alipay app "支付宝账户：xx@gmail.com", website
# "账号:[faker@faker.com]". Alipay's 姓名 is the owner's (masked) legal name, not an account.
_ACCOUNT = [
    re.compile(key + r"[:：]\s*(?:\[([^\]\n]*)\]|([^\s,\[]+))")
    for key in ("微信昵称", "支付宝账户", "账号")
]


def _account(text: str) -> str:
    for pattern in _ACCOUNT:
        match = pattern.search(text)
        if match:
            return (match.group(1) if match.group(1) is not None else match.group(2)).strip()
    return ""


def column_header(layout: str, name: str) -> str:
    """The header the bill's layout gives one of `BillRow`'s fields, as the seller sees it in
    the file (for messages about a cell)."""
    if layout.startswith("wechat"):
        spec = _WECHAT
    else:
        spec = _ALIPAY_WEB if layout == "alipay_web" else _ALIPAY_APP
    return spec.columns.get(name, (name,))[0]
