"""Hostile bill files: the WeChat Pay export, bombed, cut short, disguised, re-encoded or with
cells Excel could not compute. The bill parser reads workbooks itself, so each attack on the
customer and order files is tried on it too."""

from __future__ import annotations

from collections.abc import Sequence

from . import Case, csv_bytes, xlsx_bytes
from .files import (
    encrypted_ole,
    far_cell_xlsx,
    grid_xlsx,
    html_table,
    numbers_file,
    ods_bytes,
    ods_row,
    raw_xlsx,
    truncated,
    zip_bomb_xlsx,
)

PREAMBLE: list[list[object]] = [
    ["微信支付账单明细"],
    ["微信昵称：[小店]"],
    ["起始时间：[2024-05-01 00:00:00] 终止时间：[2024-05-31 23:59:59]"],
    [],
]
HEADER = ["交易时间", "交易类型", "交易对方", "商品", "收/支", "金额(元)", "支付方式",
          "当前状态", "交易单号", "商户单号", "备注"]  # fmt: skip


def payment(n: int, payer: object = "小美", amount: object = "¥28.16") -> list[object]:
    return [f"2024-05-20 12:{n % 60:02d}:00", "转账", payer, "/", "收入", amount, "零钱", "已收钱",
            f"10000500012024052000{n:08d}", "/", "/"]  # fmt: skip


def bill_rows(count: int = 2) -> list[list[object]]:
    return [*PREAMBLE, list(HEADER), *(payment(n) for n in range(count))]


def bill_csv(rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> bytes:
    return csv_bytes(rows, encoding)


def utf8_then_gbk() -> bytes:
    rows = bill_rows(1500)
    return bill_csv(rows) + bill_csv([payment(9999, payer="小丽")], "gb18030")


def large_bill() -> bytes:
    # Just over the 50 MB a bill may be: refused before it is read into memory.
    row = bill_csv([payment(1)])
    return bill_csv(bill_rows(0)) + row * (50 * (1 << 20) // len(row) + 10)


_amount = HEADER.index("金额(元)") + 1
_AMOUNT_ROW = len(PREAMBLE) + 2  # the first payment's row

CASES = [
    Case(
        name="bill-csv-plain",
        kind="bill",
        filename="微信支付账单.csv",
        build=lambda: bill_csv(bill_rows()),
        outcome="imported",
        summary={"rows": 2, "incoming_count": 2},
    ),
    Case(
        name="bill-xlsx-plain",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=lambda: xlsx_bytes(bill_rows()),
        outcome="imported",
        summary={"rows": 2, "incoming_count": 2},
    ),
    Case(
        name="bill-xlsx-dimension-bomb",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=lambda: raw_xlsx("", dimension="A1:XFD1048576"),
        outcome="refused",
        message="at most 300,000 rows",
        bomb=True,
    ),
    Case(
        name="bill-xlsx-far-cell-bomb",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=lambda: far_cell_xlsx(HEADER, "XFD1048576"),
        outcome="refused",
        message="reaches row 1,048,576",
        bomb=True,
    ),
    Case(
        name="bill-xlsx-too-many-cells",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=lambda: far_cell_xlsx(HEADER, "CV200000"),
        outcome="refused",
        message="at most 3,000,000",
        bomb=True,
    ),
    Case(
        name="bill-xlsx-zip-bomb",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=lambda: zip_bomb_xlsx(HEADER),
        outcome="refused",
        message="packed suspiciously tight",
        bomb=True,
    ),
    Case(
        name="bill-ods-repeat-bomb",
        kind="bill",
        filename="微信支付账单.ods",
        build=lambda: ods_bytes(ods_row(HEADER) + ods_row(["x"], 1_000_000, 50)),
        outcome="refused",
        message="rows",
        bomb=True,
    ),
    Case(
        name="bill-csv-too-large",
        kind="bill",
        filename="微信支付账单.csv",
        build=large_bill,
        outcome="refused",
        message="a bill export is at most 50 MB",
        bomb=True,
    ),
    Case(
        name="bill-xlsx-truncated",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=lambda: truncated(xlsx_bytes(bill_rows(40))),
        outcome="refused",
        message="incomplete",
    ),
    Case(
        name="bill-xlsx-password-protected",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=encrypted_ole,
        outcome="refused",
        message="password-protected",
    ),
    Case(
        name="bill-numbers-file",
        kind="bill",
        filename="微信支付账单.numbers",
        build=numbers_file,
        outcome="refused",
        message="Apple Numbers",
    ),
    Case(
        name="bill-html-saved-as-xls",
        kind="bill",
        filename="微信支付账单.xls",
        build=lambda: html_table([[str(c) for c in r] for r in bill_rows()]),
        outcome="refused",
        message="web page",
    ),
    Case(
        name="bill-csv-gbk",
        kind="bill",
        filename="支付宝账单.csv",
        build=lambda: bill_csv(bill_rows(), "gb18030"),
        outcome="imported",
        summary={"rows": 2, "incoming_count": 2},
    ),
    Case(
        name="bill-csv-utf8-then-gbk",
        kind="bill",
        filename="微信支付账单.csv",
        build=utf8_then_gbk,
        outcome="refused",
        message=f"row {len(PREAMBLE) + 1500 + 2} is GBK while the rows before it are UTF-8",
    ),
    Case(
        name="bill-csv-double-bom",
        kind="bill",
        filename="微信支付账单.csv",
        build=lambda: b"\xef\xbb\xbf\xef\xbb\xbf" + bill_csv(bill_rows()),
        outcome="imported",
        summary={"rows": 2},
    ),
    Case(
        name="bill-xlsx-error-in-amount",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=lambda: grid_xlsx([*bill_rows(0), payment(1, amount=("error", "#VALUE!"))]),
        outcome="refused",
        message=f"Row {_AMOUNT_ROW}, column 金额(元): the cell shows the Excel error #VALUE!",
    ),
    Case(
        name="bill-xlsx-na-in-payer",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=lambda: grid_xlsx([*bill_rows(0), payment(1, payer=("error", "#N/A"))]),
        outcome="refused",
        message="the cell shows the Excel error #N/A",
    ),
    Case(
        name="bill-xlsx-formula-without-value",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=lambda: grid_xlsx([*bill_rows(0), payment(1, amount=("formula", "10+18.16"))]),
        outcome="refused",
        message="formula whose result was never saved",
    ),
    Case(
        name="bill-xlsx-formula-with-value",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=lambda: grid_xlsx(
            [*bill_rows(0), payment(1, amount=("formula", "10+18.16", "28.16"))]
        ),
        outcome="imported",
        summary={"rows": 1, "incoming_total": "28.16"},
    ),
    Case(
        name="bill-csv-duplicate-ids-counted",
        kind="bill",
        filename="微信支付账单.csv",
        build=lambda: bill_csv([*bill_rows(0), *([payment(7)] * 1500)]),
        outcome="imported",
        summary={"rejected_count": 1499},
    ),
]
