from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from python_calamine import CalamineWorkbook

from yutang.lib.bills import Bill, BillError, BillRow, parse_bill, summarize

FIXTURES = Path(__file__).parent / "fixtures" / "payments"


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- independent counts ------------------------------------------------------------------------
# The expected numbers below are counted by hand (the comment says which lines) and, for the CSV
# samples, recomputed here with the stdlib csv module from the rules of FORMATS.md, without the
# code under test. The rules, restated:
#   refund  WeChat: 交易类型 contains 退款, or a 收入 row whose 当前状态 contains 退款;
#           Alipay: 交易分类 退款, 商品说明/商品名称 starting "退款-", or 交易状态 退款成功.
#   incoming: 收/支 收入, not a refund, status one of the successful ones below.
SUCCESS = {
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
    "交易成功",
    "还款成功",
    "退税成功",
}


def _count_csv(name: str, encoding: str) -> tuple[int, int, Decimal, int]:
    """(rows, incoming_count, incoming_total, refund_count) of a CSV sample, by hand."""
    lines = _read(name).decode(encoding).replace("\t", "").splitlines()
    header_at = next(
        i
        for i, line in enumerate(lines)
        if line.split(",")[0].strip() in ("交易时间", "收/支", "交易号") and "金额" in line
    )
    header = [cell.strip() for cell in next(csv.reader([lines[header_at]]))]
    records = []
    for line in lines[header_at + 1 :]:
        if line.startswith("---"):
            break
        if line.strip(", "):
            cells = [c.strip() for c in next(csv.reader([line]))]
            records.append(dict(zip(header, cells, strict=False)))

    def refund(r: dict[str, str]) -> bool:
        if "交易类型" in r:  # WeChat
            return "退款" in r["交易类型"] or ("退款" in r["当前状态"] and r["收/支"] == "收入")
        product = r.get("商品说明", r.get("商品名称", ""))
        return (
            r.get("交易分类") == "退款"
            or product.startswith("退款-")
            or r["交易状态"] == "退款成功"
        )

    incoming = [
        r
        for r in records
        if r["收/支"] == "收入"
        and not refund(r)
        and r.get("当前状态", r.get("交易状态")) in SUCCESS
    ]
    amount_column = next(c for c in header if c.startswith("金额"))
    total = sum(
        (Decimal(r[amount_column].lstrip("¥")) for r in incoming), Decimal("0.00")
    ).quantize(Decimal("0.01"))
    return len(records), len(incoming), total, sum(1 for r in records if refund(r))


def _count_wechat_xlsx(name: str) -> tuple[int, int, Decimal, int]:
    """The same count for a WeChat xlsx, reading its sheet `Sheet1` with calamine directly."""
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(_read(name))).get_sheet_by_name("Sheet1")
    rows = sheet.to_python(skip_empty_area=False)
    header_at = next(i for i, row in enumerate(rows) if row[:2] == ["交易时间", "交易类型"])
    header = [str(cell) for cell in rows[header_at]]
    records = [
        dict(zip(header, (str(cell).strip() for cell in row), strict=True))
        for row in rows[header_at + 1 :]
        if any(row)
    ]

    def refund(r: dict[str, str]) -> bool:
        return "退款" in r["交易类型"] or ("退款" in r["当前状态"] and r["收/支"] == "收入")

    incoming = [
        r for r in records if r["收/支"] == "收入" and not refund(r) and r["当前状态"] in SUCCESS
    ]
    # 2025: "¥28.16" text cells; 2026: numbers, whose str() is the shortest form ("28.16").
    total = sum((Decimal(r["金额(元)"].lstrip("¥")) for r in incoming), Decimal("0.00")).quantize(
        Decimal("0.01")
    )
    return len(records), len(incoming), total, sum(1 for r in records if refund(r))


# name, source, layout, rows, incoming_count, incoming_total, refund_count, first row number
SAMPLES = [
    # Lines 18-44 are the 27 rows. 收入 and successful: line 19 微信红包 0.35 已存入零钱,
    # 22 二维码收款 23.00 已收钱, 37 and 38 商户消费 0.07 充值成功, 40 其他 5.00 已到账 = 28.49.
    # No 退款 anywhere.
    ("wechat_csv_v2019-2025_utf8.csv", "wechat", "wechat_csv", 27, 5, "28.49", 0, 18),
    # Sheet1 holds the CSV's 27 rows at sheet rows 18-44 (header row 17): same counts.
    ("wechat_xlsx_v2025-07.xlsx", "wechat", "wechat_xlsx_2025", 27, 5, "28.49", 0, 18),
    # Sheet1: one more note line, header row 18, rows 19-45, amounts as numbers: same counts.
    ("wechat_xlsx_v2026-03.xlsx", "wechat", "wechat_xlsx_2026", 27, 5, "28.49", 0, 19),
    # Lines 26-35 are the 10 rows. 收入: line 30 转账红包 222228.50 交易成功.
    # Refunds (交易分类 退款): lines 28 and 32.
    ("alipay_app_v2023_gbk.csv", "alipay", "alipay_app_2023", 10, 1, "222228.50", 2, 26),
    # Header line 2, rows on lines 3-18 (16), dashed line 19 then the summary. 收入 lines 5 (a
    # refund, 退款成功), 13 (10.00) and 14 (42.00). Refunds: lines 4 (其他) and 5 (收入).
    ("alipay_app_v2021_gbk.csv", "alipay", "alipay_app_2021", 16, 2, "52.00", 2, 3),
    # Header line 5, rows on lines 6-12 (7). 收入: line 8, 0.01 收益发放. Refunds (退款成功, 收/支
    # empty): lines 9 and 11.
    ("alipay_web_v2019_gbk.csv", "alipay", "alipay_web", 7, 1, "0.01", 2, 6),
    # Lines 26-49 are the 24 rows (the preamble's 共35笔 is wrong). 收入: line 27 转账 88.88.
    # Refunds (交易分类 退款): lines 38, 40, 41.
    ("alipay_app_v2020_daoru_gbk.csv", "alipay", "alipay_app_2023", 24, 1, "88.88", 3, 26),
]


@pytest.mark.parametrize(
    ("name", "source", "layout", "rows", "incoming", "total", "refunds", "first_row"), SAMPLES
)
def test_it_reads_every_sample(
    name: str,
    source: str,
    layout: str,
    rows: int,
    incoming: int,
    total: str,
    refunds: int,
    first_row: int,
) -> None:
    if name.endswith(".csv"):
        by_hand = _count_csv(name, "utf-8-sig" if "utf8" in name else "gbk")
    else:
        by_hand = _count_wechat_xlsx(name)
    assert by_hand == (rows, incoming, Decimal(total), refunds)

    bill = parse_bill(_read(name), name)

    assert (bill.source, bill.layout) == (source, layout)
    assert len(bill.rows) == rows
    assert bill.rows[0].row_number == first_row
    assert summarize(bill) == {
        "rows": rows,
        "incoming_count": incoming,
        "incoming_total": Decimal(total),
        "refund_count": refunds,
    }
    for row in bill.rows:
        assert row.direction in ("in", "out", "neutral")
        assert row.amount >= 0
        assert row.amount == row.amount.quantize(Decimal("0.01"))
        assert row.amount.as_tuple().exponent == -2
        assert isinstance(row.occurred_at, datetime)
        assert row.occurred_at.tzinfo is None


@pytest.mark.parametrize(
    ("name", "account", "start", "end"),
    [
        ("wechat_csv_v2019-2025_utf8.csv", "测试", date(2019, 8, 1), date(2019, 9, 30)),
        ("wechat_xlsx_v2025-07.xlsx", "测试", date(2019, 8, 1), date(2019, 9, 30)),
        ("wechat_xlsx_v2026-03.xlsx", "测试", date(2019, 8, 1), date(2019, 9, 30)),
        ("alipay_app_v2023_gbk.csv", "xx@gmail.com", date(2023, 2, 10), date(2023, 2, 13)),
        # The 2021 export has its 导出信息 after the table.
        ("alipay_app_v2021_gbk.csv", "abc@triplez.cn", date(2021, 5, 19), date(2021, 6, 19)),
        # The website writes 终止日期 [2019-10-01 00:00:00]: the date is kept as written.
        ("alipay_web_v2019_gbk.csv", "faker@faker.com", date(2019, 8, 1), date(2019, 10, 1)),
        ("alipay_app_v2020_daoru_gbk.csv", "1234567890", date(2020, 11, 22), date(2020, 12, 14)),
    ],
)
def test_it_reads_the_owner_and_period(name: str, account: str, start: date, end: date) -> None:
    bill = parse_bill(_read(name))

    assert (bill.account, bill.period_start, bill.period_end) == (account, start, end)


def test_it_reads_a_wechat_row_column_by_column() -> None:
    bill = parse_bill(_read("wechat_csv_v2019-2025_utf8.csv"))

    # Line 22: 2020-11-27 19:29:00,二维码收款,用户A,收款方备注:二维码收款,收入,¥23.00,零钱,
    #          已收钱,3985734,/\t,/
    row = next(r for r in bill.rows if r.row_number == 22)
    assert row == BillRow(
        row_number=22,
        transaction_id="3985734",
        merchant_order_id="",
        occurred_at=datetime(2020, 11, 27, 19, 29, 0),  # noqa: DTZ001 - naive as written
        direction="in",
        kind="二维码收款",
        counterparty="用户A",
        counterparty_account="",
        product="收款方备注:二维码收款",
        amount=Decimal("23.00"),
        payment_method="零钱",
        status="已收钱",
        note="",
        is_refund=False,
        refund_of="",
    )


def test_it_reads_an_alipay_row_column_by_column() -> None:
    bill = parse_bill(_read("alipay_app_v2023_gbk.csv"))

    row = next(r for r in bill.rows if r.row_number == 30)
    assert (row.kind, row.counterparty, row.counterparty_account, row.product) == (
        "转账红包",
        "xxxx",
        "xxx***@163.com",
        "转账",
    )
    assert (row.direction, row.amount, row.payment_method, row.status) == (
        "in",
        Decimal("222228.50"),
        "余额",
        "交易成功",
    )
    assert row.transaction_id == "2xxxxxxxxxxxxxxxxxxxxxxxxx9"
    # "/" is the export's "nothing".
    assert next(r for r in bill.rows if r.row_number == 26).counterparty_account == ""


def test_it_gives_the_same_rows_for_the_csv_and_both_xlsx_layouts() -> None:
    def key(bill: Bill) -> list[tuple[object, ...]]:
        return [
            tuple(getattr(r, f.name) for f in fields(BillRow) if f.name != "row_number")
            for r in bill.rows
        ]

    from_csv = parse_bill(_read("wechat_csv_v2019-2025_utf8.csv"))

    assert key(parse_bill(_read("wechat_xlsx_v2025-07.xlsx"))) == key(from_csv)
    assert key(parse_bill(_read("wechat_xlsx_v2026-03.xlsx"))) == key(from_csv)


@pytest.mark.parametrize(
    "name",
    ["wechat_csv_v2019-2025_utf8.csv", "wechat_xlsx_v2025-07.xlsx", "wechat_xlsx_v2026-03.xlsx"],
)
def test_it_keeps_long_transaction_ids_digit_for_digit(name: str) -> None:
    ids = {row.transaction_id for row in parse_bill(_read(name)).rows}

    # 45, 36 and 28 digits, followed in the file by spaces or a TAB.
    assert "160572459521071810106004542906137497131422937" in ids
    assert "100010810122092400064222561891707533" in ids
    assert "4200000069201710299246843141" in ids
    merchant = {row.merchant_order_id for row in parse_bill(_read(name)).rows}
    assert "10101008588132306239222222222222" in merchant


def test_it_keeps_a_long_alipay_id_digit_for_digit() -> None:
    rows = parse_bill(_read("alipay_app_v2021_gbk.csv")).rows

    row = next(r for r in rows if r.row_number == 15)
    assert row.transaction_id == "2021121122001468815736847417"
    assert row.merchant_order_id == "322017092208872157020004030330000032112115225418"


# --- bank cards --------------------------------------------------------------------------------

_CARD_TAIL = re.compile(r"[(（]\s*[\d*]{0,4}\s*[)）]")
# Bank names and the card tails written in the samples ("建设银行信用卡还款" is a merchant, kept).
_BANK_NAMES = (
    "招商银行",
    "工商银行",
    "中国银行",
    "交通银行",
    "储蓄卡",
    "(9876)",
    "(1234)",
    "(7449)",
)


@pytest.mark.parametrize("name", [name for name, *_ in SAMPLES])
def test_it_keeps_no_bank_card_fragment_in_any_field(name: str) -> None:
    for row in parse_bill(_read(name)).rows:
        for f in fields(BillRow):
            value = getattr(row, f.name)
            if not isinstance(value, str):
                continue
            tail = _CARD_TAIL.search(value)
            assert tail is None or not re.search(r"银行|卡", value[: tail.start()]), (f, value)
            assert not any(bank in value for bank in _BANK_NAMES), (f.name, value)
        assert row.payment_method in {"", "银行卡", "零钱", "零钱通", "余额", "余额宝"}


def test_it_replaces_bank_cards_by_the_method_category() -> None:
    bill = parse_bill(_read("wechat_csv_v2019-2025_utf8.csv"))
    by_line = {row.row_number: row for row in bill.rows}

    assert by_line[18].payment_method == "银行卡"  # 中国银行(1234)
    assert by_line[43].payment_method == "银行卡"  # 工商银行储蓄卡(9876)
    assert by_line[23].kind == "转入零钱通-来自银行卡"  # 转入零钱通-来自工商银行(9876)
    assert by_line[32].kind == "零钱通转出-到银行卡"  # 零钱通转出-到工商银行(9876)
    assert by_line[33].counterparty == "银行卡"  # 零钱充值 from 工商银行(9876)
    # Fund codes in parentheses are not cards.
    assert by_line[28].product == "鹏华增值宝(000569)"


def test_it_keeps_the_other_part_of_a_combined_method() -> None:
    bill = parse_bill(
        _wechat_csv(
            ["2025-01-02 10:00:00,商户消费,店,货,支出,¥5.00,招商银行(0913)&红包,支付成功,1,2,/"]
        )
    )

    assert bill.rows[0].payment_method == "银行卡&红包"


# --- refunds -----------------------------------------------------------------------------------

WECHAT_HEADER = (
    "交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,商户单号,备注"
)


def _wechat_csv(rows: list[str], *, preamble: list[str] | None = None) -> bytes:
    if preamble is None:
        preamble = [
            "微信支付账单明细,,,,",
            "微信昵称：[小鱼],,,,",
            "起始时间：[2025-01-01 00:00:00] 终止时间：[2025-01-31 23:59:59],,,,",
            "----------------------微信支付账单明细列表--------------------,,,,",
        ]
    return "\n".join([*preamble, WECHAT_HEADER, *rows, ""]).encode()


def test_it_flags_wechat_refunds_without_counting_them_twice() -> None:
    bill = parse_bill(
        _wechat_csv(
            [
                # a customer pays the seller
                "2025-01-02 10:00:00,二维码收款,阿花,/,收入,¥100.00,/,已收钱,A1,/,/",
                # a purchase, fully refunded: the state is on the purchase too, which stays "out"
                "2025-01-03 10:00:00,商户消费,美团,外卖,支出,¥30.00,零钱,已全额退款,B1,M1,/",
                # the money coming back for it
                "2025-01-03 11:00:00,美团-退款,美团,外卖,收入,¥30.00,零钱,已全额退款,B2,M1,/",
                # a receipt the seller refunded to the customer
                "2025-01-04 10:00:00,二维码收款,阿草,/,收入,¥20.00,/,已退款(¥20.00),C1,/,/",
                # the seller refunding through WeChat: out
                "2025-01-05 10:00:00,退款,阿花,/,支出,¥8.00,零钱,已退款,D1,/,/",
            ]
        )
    )
    rows = {row.transaction_id: row for row in bill.rows}

    assert [(r.is_refund, r.direction) for r in bill.rows] == [
        (False, "in"),
        (False, "out"),
        (True, "in"),
        (True, "in"),
        (True, "out"),
    ]
    assert rows["B2"].refund_of == ""  # WeChat rows do not name the payment they refund
    assert summarize(bill) == {
        "rows": 5,
        "incoming_count": 1,
        "incoming_total": Decimal("100.00"),
        "refund_count": 3,
    }
    # One definition of money received, for the summary and for the import.
    assert [r.transaction_id for r in bill.rows if r.is_incoming] == ["A1"]


def test_it_links_alipay_refunds_to_the_refunded_payment() -> None:
    rows = {r.transaction_id: r for r in parse_bill(_read("alipay_web_v2019_gbk.csv")).rows}

    assert rows["987654_321"].is_refund
    assert rows["987654_321"].refund_of == "987654"
    assert rows["987654_321"].direction == "in"  # 收/支 empty, 资金状态 已收入
    assert rows["202011_133899"].refund_of == "202011"
    assert not rows["987654"].is_refund
    assert rows["987654"].refund_of == ""


def test_it_turns_an_alipay_refund_filed_as_neutral_against_its_payment() -> None:
    rows = {r.row_number: r for r in parse_bill(_read("alipay_app_v2023_gbk.csv")).rows}

    # Line 32: 退款-一卡通充值, 不计收支, id 2023xxxxx88_2023xx57; line 33 is the 支出 it refunds.
    assert (rows[32].is_refund, rows[32].refund_of, rows[32].direction) == (
        True,
        "2023xxxxx88",
        "in",
    )
    assert (rows[33].is_refund, rows[33].direction, rows[33].status) == (False, "out", "交易关闭")
    # Line 28: a 不计收支 refund whose payment is not in the bill: money back, "in".
    assert (rows[28].is_refund, rows[28].refund_of, rows[28].direction) == (True, "", "in")


def test_it_makes_an_alipay_refund_of_an_income_outgoing() -> None:
    text = _read("alipay_app_v2023_gbk.csv").decode("gbk").splitlines()
    header_at = next(i for i, line in enumerate(text) if line.startswith("交易时间"))
    rows = [
        "2023-02-01 10:00:00,转账红包,阿花,a@qq.com,货款,收入,60.00,余额,交易关闭,8001,,,",
        "2023-02-01 12:00:00,退款,阿花,a@qq.com,退款-货款,不计收支,60.00,余额,退款成功,8001_1,,,",
    ]
    data = "\n".join([*text[: header_at + 1], *rows]).encode("gbk")

    refund = parse_bill(data).rows[1]
    assert (refund.is_refund, refund.refund_of, refund.direction) == (True, "8001", "out")


# --- content, not line counts ------------------------------------------------------------------


def test_it_finds_the_wechat_header_wherever_the_preamble_ends() -> None:
    original = _read("wechat_csv_v2019-2025_utf8.csv").decode()
    lines = original.splitlines()
    # Four trailing commas instead of ten (ezBookkeeping's fixtures), one more note line (as in the
    # 2026 xlsx), CRLF line ends.
    preamble = [line.rstrip(",") + ",,,," for line in lines[:16]]
    preamble.insert(14, "4. 本账单中所有时间均为UTC+08:00时间,,,,")
    data = "\r\n".join([*preamble, *lines[16:]]).encode()

    bill = parse_bill(data)

    assert (bill.layout, len(bill.rows), bill.rows[0].row_number) == ("wechat_csv", 27, 19)
    assert summarize(bill) == summarize(parse_bill(original.encode()))


def test_it_reads_a_wechat_bill_without_any_preamble() -> None:
    bill = parse_bill(
        _wechat_csv(["2025-01-02 10:00:00,转账,阿花,/,收入,¥1.00,/,已收钱,1,/,/"], preamble=[])
    )

    assert (bill.source, bill.account, bill.period_start, bill.rows[0].row_number) == (
        "wechat",
        "",
        None,
        2,
    )


def test_it_reads_a_bill_with_no_rows() -> None:
    # FORMATS.md: "若交易记录明细无有效内容，则代表该时间段内此微信号无交易" - a valid, empty bill.
    bill = parse_bill(_wechat_csv([]))

    assert bill.rows == []
    assert summarize(bill)["incoming_total"] == Decimal("0.00")


def test_it_detects_the_2026_alipay_layout_by_its_missing_tip() -> None:
    # The 2026-06 change described in FORMATS.md: tip 8 removed, tip 9 renumbered 8, so the header
    # moves one line up. No real sample exists; this one is the 2023 sample changed that way.
    lines = _read("alipay_app_v2023_gbk.csv").decode("gbk").splitlines()
    lines = [line for line in lines if not line.startswith("8.本明细仅展示当前账单中的交易")]
    lines = [
        re.sub(r"^9\.本明细仅供个人对账使用", "8.本明细仅供个人对账使用", line) for line in lines
    ]

    bill = parse_bill("\n".join(lines).encode("gbk"))

    assert (bill.source, bill.layout, len(bill.rows), bill.rows[0].row_number) == (
        "alipay",
        "alipay_app_2026",
        10,
        25,
    )
    assert summarize(bill) == summarize(parse_bill(_read("alipay_app_v2023_gbk.csv")))


# --- encodings ---------------------------------------------------------------------------------


def test_it_reads_gbk_text() -> None:
    bill = parse_bill(_read("alipay_web_v2019_gbk.csv"))

    assert bill.rows[0].counterparty == "肯德基(张江高科餐厅)"
    assert bill.rows[0].product == "张江高科餐厅"


def test_it_reads_a_wechat_bill_saved_as_gbk_or_with_a_bom() -> None:
    text = _read("wechat_csv_v2019-2025_utf8.csv").decode("utf-8")
    expected = parse_bill(text.encode("utf-8")).rows

    # GBK has no U+00A5 "¥"; a GBK file would hold the full-width "￥" (FORMATS.md), also in 备注.
    fullwidth = text.replace("¥", "￥")
    assert parse_bill(fullwidth.encode("gbk")).rows == parse_bill(fullwidth.encode()).rows
    assert [r.amount for r in parse_bill(fullwidth.encode("gbk")).rows] == [
        r.amount for r in expected
    ]
    assert parse_bill(text.encode("gb18030")).rows == expected
    assert parse_bill(text.encode("utf-8-sig")).rows == expected


def test_it_reads_an_alipay_bill_saved_as_utf8_with_a_bom() -> None:
    text = _read("alipay_app_v2023_gbk.csv").decode("gbk")

    assert parse_bill(text.encode("utf-8-sig")).rows == parse_bill(text.encode("gbk")).rows


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \r\n", b"\xef\xbb\xbf", b",,,,\n,,,,\n"])
def test_it_refuses_an_empty_file(data: bytes) -> None:
    with pytest.raises(BillError) as caught:
        parse_bill(data, "账单.csv")

    assert caught.value.code == "empty"
    assert caught.value.message_zh == "文件是空的"
    assert caught.value.filename == "账单.csv"


def test_it_refuses_an_image() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"

    with pytest.raises(BillError) as caught:
        parse_bill(png, "截图.png")

    assert caught.value.code == "not_a_bill"
    assert "图片" in caught.value.message_zh
    assert isinstance(caught.value, ValueError)


def test_it_refuses_a_zip_that_is_not_a_workbook() -> None:
    # What WeChat e-mails: a zip around the bill (password-protected in real life).
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("微信支付账单流水文件(20250101-20250131).xlsx", b"...")

    with pytest.raises(BillError) as caught:
        parse_bill(archive.getvalue(), "微信支付账单流水文件.zip")

    assert caught.value.code == "not_a_bill"
    assert "解压" in caught.value.message_zh


def test_it_refuses_a_broken_workbook() -> None:
    with pytest.raises(BillError) as caught:
        parse_bill(_read("wechat_xlsx_v2026-03.xlsx")[:5000], "账单.xlsx")

    assert caught.value.code == "not_a_bill"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,  # binary junk with NUL bytes
        b"\xff\xfe\xfd\xfc" * 100,  # neither UTF-8 nor GB18030
        "交易时间,交易类型".encode("utf-16"),  # UTF-16 (Excel's "Unicode text")
    ],
)
def test_it_refuses_what_is_not_text(data: bytes) -> None:
    with pytest.raises(BillError) as caught:
        parse_bill(data)

    assert caught.value.code == "encoding"
    assert caught.value.message_zh


def test_it_refuses_a_csv_that_is_not_a_bill() -> None:
    data = "姓名,电话,地址\n张三,13800138000,北京市\n".encode()

    with pytest.raises(BillError) as caught:
        parse_bill(data, "客户.csv")

    assert caught.value.code == "not_a_bill"
    assert caught.value.message_zh == "这不是微信支付或支付宝的账单"


def test_it_says_when_a_bill_has_an_unknown_layout() -> None:
    # A WeChat preamble whose header row was edited away.
    data = _wechat_csv([]).decode().replace(WECHAT_HEADER, "时间,类型,金额").encode()

    with pytest.raises(BillError) as caught:
        parse_bill(data)

    assert caught.value.code == "unsupported_layout"
    assert "微信支付" in caught.value.message_zh


def test_it_refuses_an_unreadable_amount_with_its_row_and_column() -> None:
    data = _read("wechat_csv_v2019-2025_utf8.csv").replace("¥0.35".encode(), b"abc")

    with pytest.raises(BillError) as caught:
        parse_bill(data)

    error = caught.value
    assert (error.code, error.row_number, error.column) == ("bad_row", 19, "金额(元)")
    assert "Row 19" in str(error)
    assert "金额(元)" in str(error)
    assert "第 19 行" in error.message_zh
    assert "abc" in error.message_zh


def test_it_refuses_an_unreadable_alipay_amount_in_gbk() -> None:
    data = _read("alipay_app_v2023_gbk.csv").replace(b"222228.50", b"abc")

    with pytest.raises(BillError) as caught:
        parse_bill(data)

    assert (caught.value.code, caught.value.row_number, caught.value.column) == (
        "bad_row",
        30,
        "金额",
    )


@pytest.mark.parametrize("value", ["2025-13-01 10:00:00", "昨天", ""])
def test_it_refuses_an_unreadable_time(value: str) -> None:
    data = _wechat_csv([f"{value},转账,阿花,/,收入,¥1.00,/,已收钱,1,/,/"])

    with pytest.raises(BillError) as caught:
        parse_bill(data)

    assert (caught.value.code, caught.value.row_number, caught.value.column) == (
        "bad_row",
        6,
        "交易时间",
    )


def test_it_refuses_an_unknown_direction() -> None:
    data = _wechat_csv(["2025-01-02 10:00:00,转账,阿花,/,进账,¥1.00,/,已收钱,1,/,/"])

    with pytest.raises(BillError) as caught:
        parse_bill(data)

    assert (caught.value.code, caught.value.column) == ("bad_row", "收/支")


def test_it_accepts_times_without_seconds_and_excel_resaved_dates() -> None:
    bill = parse_bill(
        _wechat_csv(
            [
                '2025-01-02 10:07,转账,阿花,/,收入,"¥1,234.5",/,已收钱,1,/,/',
                "2025/1/3 9:05:07,转账,阿花,/,收入,￥2,/,已收钱,2,/,/",
            ]
        )
    )

    assert [r.occurred_at.isoformat() for r in bill.rows] == [
        "2025-01-02T10:07:00",
        "2025-01-03T09:05:07",
    ]
    assert [r.amount for r in bill.rows] == [Decimal("1234.50"), Decimal("2.00")]


# --- file names lie ----------------------------------------------------------------------------


def test_it_reads_a_csv_renamed_to_xlsx_as_a_csv() -> None:
    # Decision: the content decides, the name is only a label. A CSV called .xlsx parses as CSV.
    bill = parse_bill(_read("wechat_csv_v2019-2025_utf8.csv"), "微信支付账单.xlsx")

    assert (bill.layout, len(bill.rows)) == ("wechat_csv", 27)


def test_it_reads_an_xlsx_renamed_to_csv_as_a_workbook() -> None:
    bill = parse_bill(_read("wechat_xlsx_v2026-03.xlsx"), "微信支付账单.csv")

    assert (bill.layout, len(bill.rows)) == ("wechat_xlsx_2026", 27)


# --- workbooks with numbers where text belongs -------------------------------------------------


def _xlsx(rows: list[list[object]]) -> bytes:
    """A one-sheet xlsx: str -> inline string, int/float -> number, datetime -> date cell."""

    def ref(row: int, col: int) -> str:
        return f"{chr(65 + col)}{row}"

    def cell(row: int, col: int, value: object) -> str:
        if isinstance(value, datetime):
            serial = (value - datetime(1899, 12, 30)).total_seconds() / 86400  # noqa: DTZ001
            return f'<c r="{ref(row, col)}" s="1"><v>{serial!r}</v></c>'
        if isinstance(value, int | float):
            return f'<c r="{ref(row, col)}"><v>{value}</v></c>'
        text = escape(str(value))
        return f'<c r="{ref(row, col)}" t="inlineStr"><is><t>{text}</t></is></c>'

    body = "".join(
        f'<row r="{r}">' + "".join(cell(r, c, v) for c, v in enumerate(row) if v != "") + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
            '.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/></Relationships>'
        ),
        # Style 1 is Excel's built-in date-time format 22 (m/d/yy h:mm).
        "xl/styles.xml": (
            f'<styleSheet xmlns="{ns}"><cellXfs count="2"><xf numFmtId="0"/>'
            '<xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{ns}"><sheetData>{body}</sheetData></worksheet>'
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, xml in parts.items():
            z.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + xml)
    return out.getvalue()


def _wechat_sheet(*data_rows: list[object]) -> bytes:
    header: list[object] = list(WECHAT_HEADER.split(","))
    return _xlsx(
        [
            ["微信支付账单明细"],
            ["微信昵称：[小鱼]"],
            ["----------------------微信支付账单明细列表--------------------"],
            header,
            *data_rows,
        ]
    )


def test_it_writes_back_short_ids_stored_as_numbers() -> None:
    # Re-saved by Excel: ids, time and amount became numbers / a date cell.
    data = _wechat_sheet(
        [
            datetime(2025, 1, 2, 10, 7, 5),  # noqa: DTZ001 - bills hold naive local times
            "转账",
            "阿花",
            "/",
            "收入",
            12.3,
            "/",
            "已收钱",  # noqa: DTZ001
            123456789012345,
            42,
            "/",
        ]
    )

    bill = parse_bill(data, "账单.xlsx")

    row = bill.rows[0]
    assert bill.layout == "wechat_xlsx_2026"  # numeric amount cells
    assert (row.row_number, row.transaction_id, row.merchant_order_id) == (
        5,
        "123456789012345",
        "42",
    )
    assert row.occurred_at == datetime(2025, 1, 2, 10, 7, 5)  # noqa: DTZ001
    assert row.amount == Decimal("12.30")


def test_it_refuses_long_ids_that_a_number_cell_has_rounded() -> None:
    # 4200000069201710299246843141 as a number cell: Excel and calamine hold it as a float
    # (4.2000000692017103e+27), whose last digits are gone. The row is refused, not guessed at.
    data = _wechat_sheet(
        [
            "2025-01-02 10:07:05",
            "转账",
            "阿花",
            "/",
            "收入",
            "¥1.00",
            "/",
            "已收钱",
            4200000069201710299246843141,
            "/",
            "/",
        ]
    )

    with pytest.raises(BillError) as caught:
        parse_bill(data, "账单.xlsx")

    assert (caught.value.code, caught.value.row_number, caught.value.column) == (
        "bad_row",
        5,
        "交易单号",
    )
    assert "Excel" in caught.value.message_zh


def test_it_reads_text_ids_of_a_workbook_as_written() -> None:
    data = _wechat_sheet(
        [
            "2025-01-02 10:07:05",
            "转账",
            "阿花",
            "/",
            "收入",
            "¥1.00",
            "/",
            "已收钱",
            "4200000069201710299246843141\t",
            "1000019741201710201961089024\t",
            "/",
        ]
    )

    row = parse_bill(data).rows[0]

    assert row.transaction_id == "4200000069201710299246843141"
    assert row.merchant_order_id == "1000019741201710201961089024"
    assert parse_bill(data).layout == "wechat_xlsx_2025"  # text amounts, no UTC+08:00 note
