"""Good files with bad values: numbers Decimal or the column cannot hold, text longer than its
column, control characters, formulas, long tags and order numbers. Each bad cell is a rejected
row with its row and column in the dry run (a bill, the payment app's own export, is refused
naming the row and column), never a crash at commit."""

from __future__ import annotations

from collections.abc import Sequence

from . import Case, csv_bytes, xlsx_bytes

CUSTOMER_HEADER = ["昵称", "姓名", "手机", "标签", "备注"]
ORDER_HEADER = ["订单号", "手机", "商品", "数量", "单价"]


def _customers(*rows: Sequence[str], xlsx: bool = False) -> bytes:
    # A good row first: the bad ones must be told apart, not the file refused.
    table = [CUSTOMER_HEADER, ["小美", "王美", "13800138000", "", ""], *rows]
    return xlsx_bytes(table) if xlsx else csv_bytes(table)


def _orders(*rows: Sequence[object], xlsx: bool = False) -> bytes:
    table = [ORDER_HEADER, ["A-1", "13800138000", "玫瑰精油", "1", "99"], *rows]
    return xlsx_bytes(table, strings_as_is=False) if xlsx else csv_bytes(table)


# A WeChat Pay CSV bill (账单明细): the preamble, then the table from line 17.
BILL_PREAMBLE = [
    ["微信支付账单明细"],
    ["微信昵称：[测试]"],
    ["起始时间：[2024-01-01 00:00:00] 终止时间：[2024-01-31 23:59:59]"],
    ["导出类型：[全部]"],
    ["导出时间：[2024-02-01 10:00:00]"],
    [],
    ["共2笔记录"],
    ["收入：2笔 100.00元"],
    ["支出：0笔 0.00元"],
    ["中性交易：0笔 0.00元"],
    ["注："],
    ["1. 充值/提现/理财通购买/零钱通存取/信用卡还款等交易，将计入中性交易"],
    ["2. 本明细仅展示当前账单中的交易，不包括已删除的记录"],
    ["3. 本明细仅供个人对账使用"],
    [],
    ["----------------------微信支付账单明细列表--------------------"],
    ["交易时间", "交易类型", "交易对方", "商品", "收/支", "金额(元)", "支付方式", "当前状态",
     "交易单号", "商户单号", "备注"],
]  # fmt: skip
FIRST_BILL_ROW = len(BILL_PREAMBLE) + 1


def _bill_row(
    *, counterparty: str = "用户A", amount: str = "¥50.00", transaction_id: str = "4200001"
) -> list[str]:
    return ["2024-01-05 12:00:00", "转账", counterparty, "/", "收入", amount, "零钱", "已收钱",
            transaction_id, "/", "/"]  # fmt: skip


def _bill(*rows: list[str], xlsx: bool = False) -> bytes:
    table = [*BILL_PREAMBLE, _bill_row(transaction_id="4200000"), *rows]
    return xlsx_bytes(table) if xlsx else csv_bytes(table)


def _customer_cell(name: str, column: str, value: str, message: str, xlsx: bool = False) -> Case:
    """A customer file whose third row holds `value` in `column`."""
    row = {"昵称": "阿强", "姓名": "", "手机": "", "标签": "", "备注": ""}
    row[column] = value
    return Case(
        name=name,
        kind="customers",
        filename="客户.xlsx" if xlsx else "客户.csv",
        build=lambda: _customers([row[h] for h in CUSTOMER_HEADER], xlsx=xlsx),
        outcome="rejected",
        rows=((3, column),),
        message=message,
    )


def _order_cell(name: str, column: str, value: object, message: str, xlsx: bool = False) -> Case:
    row: dict[str, object] = {"订单号": "A-2", "手机": "13800138000", "商品": "玫瑰精油",
                              "数量": "1", "单价": "99"}  # fmt: skip
    row[column] = value
    return Case(
        name=name,
        kind="orders",
        filename="订单.xlsx" if xlsx else "订单.csv",
        build=lambda: _orders([row[h] for h in ORDER_HEADER], xlsx=xlsx),
        outcome="rejected",
        rows=((3, column),),
        message=message,
    )


NOT_A_NUMBER = "is not a number"
NOT_WHOLE = "is not a whole number"
TOO_LARGE = "Too large: at most"
CONTROL = "control character"

CASES = [
    # Prices Decimal reads but no column holds, or Decimal reads as something else.
    _order_cell("orders-price-nan", "单价", "NaN", NOT_A_NUMBER),
    _order_cell("orders-price-snan", "单价", "sNaN", NOT_A_NUMBER),
    _order_cell("orders-price-infinity", "单价", "Infinity", NOT_A_NUMBER),
    _order_cell("orders-price-minus-infinity", "单价", "-Infinity", NOT_A_NUMBER),
    _order_cell("orders-price-1e30", "单价", "1e30", TOO_LARGE),
    _order_cell("orders-price-1e30-numeric", "单价", 1e30, TOO_LARGE, xlsx=True),
    _order_cell("orders-price-eleven-digits", "单价", "99,999,999,999", TOO_LARGE),
    _order_cell("orders-price-bad-separators", "单价", "¥1,2,3", NOT_A_NUMBER),
    _order_cell("orders-price-three-decimals", "单价", "12.345", "decimal places"),
    _order_cell("orders-price-negative", "单价", "-5", "at least 0"),
    # Quantities str.isdigit() or int() would take, and ones the column cannot hold.
    _order_cell("orders-quantity-superscript", "数量", "²", NOT_WHOLE),
    _order_cell("orders-quantity-full-width", "数量", "１０", NOT_WHOLE),
    _order_cell("orders-quantity-superscript-power", "数量", "10²⁰", NOT_WHOLE),
    _order_cell("orders-quantity-power", "数量", "10**20", NOT_WHOLE),
    _order_cell("orders-quantity-huge", "数量", "100000000000000000000", TOO_LARGE),
    _order_cell("orders-quantity-huge-numeric", "数量", 1e20, TOO_LARGE, xlsx=True),
    _order_cell("orders-quantity-zero", "数量", "0", "at least 1"),
    _order_cell("orders-quantity-negative", "数量", "-1", "at least 1"),
    # Two 65-character order numbers sharing 64 characters must not become one order.
    Case(
        name="orders-number-too-long",
        kind="orders",
        filename="订单.csv",
        build=lambda: _orders(
            ["A" * 64 + "1", "13800138000", "玫瑰精油", "1", "99"],
            ["A" * 64 + "2", "13800138000", "玫瑰精油", "1", "99"],
        ),
        outcome="rejected",
        rows=((3, "订单号"), (4, "订单号")),
        message="Order number too long: at most 61",
    ),
    _order_cell("orders-nul-in-number", "订单号", "A\x00-2", CONTROL, xlsx=True),
    _order_cell("orders-nul-in-customer", "手机", "138\x0000138000", CONTROL, xlsx=True),
    _order_cell("orders-escape-in-product", "商品", "玫瑰\x1b精油", CONTROL),
    _order_cell("orders-formula-full-width", "订单号", '＝HYPERLINK("x")', "formula"),
    # Customer text longer than its column, control characters, formulas in every guise.
    _customer_cell("customers-nickname-too-long", "昵称", "鱼" * 65, "at most 64"),
    _customer_cell("customers-name-too-long", "姓名", "王" * 33, "at most 32"),
    _customer_cell("customers-notes-too-long", "备注", "记" * 2001, "at most 2000"),
    _customer_cell("customers-nul-in-nickname", "昵称", "阿\x00强", CONTROL, xlsx=True),
    _customer_cell("customers-nul-in-notes", "备注", "备\x00注", CONTROL, xlsx=True),
    # A stray NUL in a CSV is a bad cell too, not a binary file.
    _customer_cell("customers-nul-in-csv", "备注", "备\x00注", CONTROL),
    _order_cell("orders-nul-in-csv", "订单号", "A\x00-2", CONTROL),
    _customer_cell("customers-escape-in-name", "姓名", "王\x1b[31m", CONTROL),
    _customer_cell("customers-formula-equals", "备注", "=1+1", "formula"),
    _customer_cell("customers-formula-full-width", "备注", '＝HYPERLINK("x")', "formula"),
    _customer_cell("customers-formula-plus-call", "昵称", "+SUM(1,2)", "formula"),
    _customer_cell("customers-formula-dde", "备注", "-2+3+cmd|' /C calc'!A0", "formula"),
    _customer_cell("customers-formula-after-space", "备注", "\u3000=1+1", "formula"),
    _customer_cell("customers-formula-at", "昵称", "＠SUM(1)", "formula"),
    # More tags than a customer takes from one cell: refused, not the rest silently dropped.
    Case(
        name="customers-too-many-tags",
        kind="customers",
        filename="客户.csv",
        build=lambda: _customers(["阿强", "", "", " ".join(f"t{i}" for i in range(25)), ""]),
        outcome="rejected",
        rows=((3, "标签"),),
        message="At most 20 tags",
    ),
    # Tags are cut to 32 nowhere: two 36-character tags sharing 32 would be one tag.
    Case(
        name="customers-tags-too-long",
        kind="customers",
        filename="客户.csv",
        build=lambda: _customers(
            ["阿强", "", "", "标" * 32 + "一二三四", ""],
            ["阿珍", "", "", "标" * 32 + "五六七八", ""],
        ),
        outcome="rejected",
        rows=((3, "标签"), (4, "标签")),
        message="at most 32",
    ),
    # A phone with a + and a note with a dash are values, not formulas.
    Case(
        name="customers-plus-and-dash-are-values",
        kind="customers",
        filename="客户.csv",
        build=lambda: _customers(["阿强", "", "+86 139-1234-5678", "", "- 下周回访 (周二)"]),
        outcome="imported",
        summary={"created": 2},
    ),
    # A long nickname and name overflowed the pinyin search key on PostgreSQL at commit.
    Case(
        name="customers-long-nickname-search-key",
        kind="customers",
        filename="客户.csv",
        build=lambda: _customers(["曾单" * 32, "曾单" * 16, "", "", ""]),
        outcome="imported",
        summary={"created": 2},
    ),
    # The same identifier-less person twice is one customer.
    Case(
        name="customers-nickname-only-twice",
        kind="customers",
        filename="客户.csv",
        build=lambda: _customers(["阿强", "", "", "", ""], ["阿强", "", "", "", "补充"]),
        outcome="imported",
        summary={"created": 2, "merged": 1},
    ),
    # Bills: amounts and ids no payment holds refuse the bill, naming the row and column.
    Case(
        name="bill-amount-too-large",
        kind="bill",
        filename="微信支付账单.csv",
        build=lambda: _bill(_bill_row(amount="¥99,999,999,999,999.99")),
        outcome="refused",
        message=f"Row {FIRST_BILL_ROW + 1}, column 金额(元): Too large: at most 9,999,999,999.99",
    ),
    Case(
        name="bill-amount-nan",
        kind="bill",
        filename="微信支付账单.csv",
        build=lambda: _bill(_bill_row(amount="NaN")),
        outcome="refused",
        message=f"Row {FIRST_BILL_ROW + 1}, column 金额(元)",
    ),
    Case(
        name="bill-transaction-id-too-long",
        kind="bill",
        filename="微信支付账单.csv",
        build=lambda: _bill(
            _bill_row(transaction_id="4" * 64 + "1"), _bill_row(transaction_id="4" * 64 + "2")
        ),
        outcome="refused",
        message=f"Row {FIRST_BILL_ROW + 1}, column 交易单号: Too long: at most 64",
    ),
    Case(
        name="bill-counterparty-too-long",
        kind="bill",
        filename="微信支付账单.csv",
        build=lambda: _bill(_bill_row(counterparty="用" * 101)),
        outcome="refused",
        message=f"Row {FIRST_BILL_ROW + 1}, column 交易对方: Too long: at most 100",
    ),
    Case(
        name="bill-nul-in-counterparty",
        kind="bill",
        filename="微信支付账单.xlsx",
        build=lambda: _bill(_bill_row(counterparty="用户\x00B"), xlsx=True),
        outcome="refused",
        message=f"Row {FIRST_BILL_ROW + 1}, column 交易对方: Contains a control character",
    ),
]
