"""Strategies and the one property for fuzzing the imports: hostile cells, hostile headers and
mutated bytes, each sent through the one way in as a job.

The property, for every file: nothing raises but through the job (it ends rejected, checked or
committed, with an error or a summary); a refused or uncommitted job writes nothing; every
rejection names a row, a column and a reason; what a commit stores fits its fields and holds no
NUL. `test_fuzz.py` runs a bounded, derandomised number of examples; set YUTANG_FUZZ_EXAMPLES
to explore further by hand.
"""

from __future__ import annotations

import io
import os
import random
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.db.models import CharField, Model, TextField
from hypothesis import HealthCheck, currently_in_test_context, event, settings
from hypothesis import strategies as st

from yutang.accounts.models import User
from yutang.customers.models import Activity, Customer, Tag
from yutang.imports import jobs
from yutang.imports.models import ImportJob
from yutang.orders.models import Order, OrderLine, Payment

from .corpus import bill_files, csv_bytes, xlsx_bytes

COUNTED: list[type[Model]] = [Customer, Activity, Tag, Order, OrderLine, Payment]
BILLS = Path(__file__).parents[2] / "lib" / "tests" / "fixtures" / "payments"
EXAMPLES = int(os.environ.get("YUTANG_FUZZ_EXAMPLES", "0"))


def profile(examples: int) -> settings:
    """Reproducible in CI (derandomised, no database of examples); YUTANG_FUZZ_EXAMPLES asks
    for a longer, random exploration."""
    return settings(
        max_examples=EXAMPLES or examples,
        deadline=None,
        derandomize=not EXAMPLES,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


# Hostile values: each family a way a cell has broken an import before.

_CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f",
                            "\x85", "\u2028", "\u2029", "\t", "\r", "\n", "\r\n"])  # fmt: skip
_MARKS = st.sampled_from(["\u200b", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\ufeff",
                          "\u00ad", "\u061c", "\u180e"])  # fmt: skip
_ASTRAL = st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, exclude_categories=["Cs"])
_FORMULA = st.sampled_from(["=", "+", "-", "@", "＝", "＋", "－", "＠", "\t=", "\r=", " ="])
_QUOTES = st.sampled_from(['"', "'", ",", ";", "\t", "|", '""', '",', "\\", "“", "”"])
_NUMBERS = st.sampled_from([
    "NaN", "nan", "sNaN", "-NaN", "Infinity", "-Infinity", "inf", "1e30", "1E+400", "-0",
    "1e-400", "99,999,999,999", "1,2,3", "0x1F", "１２３", "٣", "²", "10²⁰", "½", "Ⅻ",
    "99999999999999999999999", "-1", "0.000000001", "1_000", " 5 ", "5.", ".5", "+5",
    "¥28.16", "￥1,000.00", "$5", "5元", "1.0e5", "9" * 400, "3.14159265358979323846",
])  # fmt: skip
_DATES = st.sampled_from([
    "2024-02-30", "2023-02-29", "0000-01-01", "0001-01-01", "99999-01-01", "9999-12-31",
    "2024/13/01", "2024-00-10", "31/12/2024", "12/31/2024", "2024年2月30日", "2024年13月1日",
    "20240230", "2024-1-1", "2024.01.01", "1e5", "45000", "-45000", "2958466", "1900-02-29",
    "2024-01-01T25:61:00", "2024-01-01 12:00:00+99:00", "yesterday", "二〇二四年一月一日",
])  # fmt: skip
_PHONES = st.sampled_from([
    "+86 138 0013 8000", "+8613800138000", "138-0013-8000", "(138) 0013 8000",
    "１３８００１３８０００",
    "1.38001380E+10", "13800138000.0", "+", "++86", "86-13800138000-", "+1 (555) 010-9999 ext 9",
    "0" * 40, "+" + "9" * 100,
])  # fmt: skip


def _chunk(draw: Any) -> str:
    return draw(st.one_of(
        st.text(max_size=12),
        _CONTROL, _MARKS, st.text(_ASTRAL, min_size=1, max_size=3), _FORMULA, _QUOTES, _NUMBERS,
        _DATES, _PHONES, st.sampled_from(["小美", "王美", "玫瑰精油", "A-1", "13800138000"]),
    ))  # fmt: skip


@st.composite
def nasty(draw: Any) -> str:
    """A cell: a few hostile pieces joined, sometimes very long."""
    text = "".join(_chunk(draw) for _ in range(draw(st.integers(0, 4))))
    if draw(st.integers(0, 9)) == 0:
        text = text * draw(st.sampled_from([50, 300, 3000])) or "长" * 40000
    return text


@st.composite
def cell(draw: Any, clean: Sequence[str]) -> str:
    """Mostly a hostile cell, sometimes a plausible one (so that rows get past the first check
    and reach the commit)."""
    if draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(list(clean)))
    return str(draw(nasty()))


CUSTOMER_COLUMNS = ["昵称", "姓名", "手机", "微信号", "地址", "省", "市", "区", "标签", "备注",
                    "来源", "生日", "性别", "加好友日期"]  # fmt: skip
ORDER_COLUMNS = ["订单号", "手机", "微信号", "客户", "商品", "数量", "单价", "日期", "状态"]
GOOD = {
    "昵称": ["小美", "阿强", "Lily"], "姓名": ["王美", ""], "手机": ["13800138000", "13900139000"],
    "微信号": ["wangmei", ""], "标签": ["老客户", "a,b"], "生日": ["1990-05-01"],
    "性别": ["女", "男"], "加好友日期": ["2024-01-01"], "订单号": ["A-1", "A-2"],
    "客户": ["小美"], "商品": ["玫瑰精油"], "数量": ["1", "2"], "单价": ["99", "0.5"],
    "日期": ["2024-05-01"], "状态": ["已付款", "paid"],
}  # fmt: skip


@st.composite
def table(draw: Any, columns: Sequence[str]) -> list[list[str]]:
    """A header (permuted, some columns missing, some twice, a stray one) and rows."""
    header = draw(st.lists(st.sampled_from(list(columns)), min_size=1, max_size=len(columns) + 2))
    if draw(st.booleans()):
        header.append(draw(nasty()))
    rows = [
        [draw(cell(GOOD.get(name, [""]))) for name in header]
        for _ in range(draw(st.integers(0, 6)))
    ]
    return [header, *rows]


ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16")


@st.composite
def sheet_file(draw: Any, columns: Sequence[str]) -> tuple[str, bytes]:
    """(filename, bytes) of a csv in one of the encodings people have, or an xlsx."""
    rows = draw(table(columns))
    form = draw(st.sampled_from([*ENCODINGS, "xlsx"]))
    if form == "xlsx":
        safe = [[_xml_safe(c) for c in row] for row in rows]
        return "文件.xlsx", xlsx_bytes(safe)
    # A NUL makes a csv binary (refused whole): kept for the xlsx, where it is a cell's.
    rows = [[c.replace("\x00", "") for c in row] for row in rows]
    return "文件.csv", csv_bytes(encodable(rows, form), form)


@st.composite
def bill_file(draw: Any) -> tuple[str, bytes]:
    """A WeChat Pay bill whose payments hold hostile cells: the counterparty becomes a
    customer's nickname, the amount a payment's."""
    rows: list[list[object]] = list(bill_files.bill_rows(0))
    for n in range(draw(st.integers(1, 5))):
        row = bill_files.payment(n)
        for column in draw(st.lists(st.sampled_from(range(len(row))), max_size=4)):
            row[column] = draw(cell([str(row[column])]))
        rows.append(row)
    text = [[str(c).replace("\x00", "") for c in row] for row in rows]
    form = draw(st.sampled_from(["utf-8", "gb18030", "xlsx"]))
    if form == "xlsx":
        return "账单.xlsx", xlsx_bytes([[_xml_safe(str(c)) for c in row] for row in rows])
    return "账单.csv", csv_bytes(encodable(text, form), form)


def encodable(rows: list[list[str]], encoding: str) -> list[list[str]]:
    return [[c.encode(encoding, "replace").decode(encoding) for c in row] for row in rows]


def _xml_safe(text: str) -> str:
    # xlsxwriter writes control characters as _xHHHH_ escapes; the sheet's 32,767-character
    # cell limit is Excel's.
    return text[:32767]


# Mutations of good files: what a broken disk, a cut download or an editor does to them.


def mutate(data: bytes, rng: random.Random, rounds: int = 0) -> bytes:
    """One to four byte-level changes: flips, cuts, duplicated chunks, inserted NUL or BOM."""
    buffer = bytearray(data)
    for _ in range(rounds or rng.randint(1, 4)):
        if not buffer:
            break
        at = rng.randrange(len(buffer))
        choice = rng.randrange(7)
        if choice == 0:
            buffer[at] ^= 1 << rng.randrange(8)
        elif choice == 1:
            buffer[at] = rng.randrange(256)
        elif choice == 2:
            del buffer[at:]
        elif choice == 3:
            end = min(len(buffer), at + rng.randint(1, 200))
            buffer[at:at] = buffer[at:end] * rng.randint(1, 3)
        elif choice == 4:
            buffer[at:at] = rng.choice([b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\r", b'"'])
        elif choice == 5:
            del buffer[at : at + rng.randint(1, 50)]
        else:
            buffer[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(buffer)


def mutate_xlsx_xml(data: bytes, rng: random.Random) -> bytes:
    """Change the XML of one or more entries of the workbook and zip it again: the zip is
    sound, what it holds is not."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in entries:
            if name.endswith(".xml") and rng.random() < 0.5:
                content = _mutate_xml(content, rng)
            target.writestr(name, content)
    return out.getvalue()


_NUMBER = re.compile(rb"\d+")
_XML_CHANGES = [
    (b't="s"', b't="n"'), (b't="n"', b't="s"'), (b't="s"', b't="e"'), (b't="s"', b't="b"'),
    (b"<v>", b"<v>x"), (b"<f>", b"<f>1/0"), (b't="s"', b't="inlineStr"'),
    (b"<si>", "<si><t>＝1</t>".encode()),
]  # fmt: skip


def _mutate_xml(content: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        # A number anywhere (a cell reference, a dimension, a style or string index, a value).
        found = list(_NUMBER.finditer(content))
        if found:
            match = rng.choice(found)
            new = rng.choice([b"0", b"-1", b"99999999", b"1048577", b"1e308", b"NaN", b"16385"])
            return content[: match.start()] + new + content[match.end() :]
    if choice == 1:
        # A tag or an attribute value changed.
        for old, new in _XML_CHANGES:
            if old in content and rng.random() < 0.5:
                return content.replace(old, new, 1)
    return mutate(content, rng)


def good_customer_files() -> list[tuple[str, bytes]]:
    rows = [
        ["昵称", "姓名", "手机", "微信号", "标签", "备注", "生日", "性别", "加好友日期"],
        ["小美", "王美", "13800138000", "wangmei", "老客户,复购", "爱喝茶", "1990-05-01", "女",
         "2024-01-01"],
        ["阿强", "", "13900139000", "", "", "", "", "男", ""],
        ["Lily", "李莉", "", "lily_88", "新客", "", "", "", ""],
    ]  # fmt: skip
    return [("客户.csv", csv_bytes(rows)), ("客户.csv", csv_bytes(rows, "gbk")),
            ("客户.csv", csv_bytes(rows, "utf-16")), ("客户.xlsx", xlsx_bytes(rows))]  # fmt: skip


def good_order_files() -> list[tuple[str, bytes]]:
    rows: list[list[object]] = [
        ["订单号", "手机", "客户", "商品", "数量", "单价", "日期", "状态"],
        ["A-1", "13800138000", "小美", "玫瑰精油", "1", "99", "2024-05-01", "已付款"],
        ["A-1", "13800138000", "小美", "薰衣草", "2", "45.5", "2024-05-01", "已付款"],
        ["B-7", "", "阿强", "玫瑰精油", 3, 12.5, "2024-05-02", "意向"],
    ]
    return [("订单.csv", csv_bytes(rows)), ("订单.csv", csv_bytes(rows, "gbk")),
            ("订单.xlsx", xlsx_bytes(rows, strings_as_is=False))]  # fmt: skip


def good_bills() -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in sorted(BILLS.iterdir())
            if path.suffix in (".csv", ".xlsx")]  # fmt: skip


def counts() -> dict[str, int]:
    return {m.__name__: m._default_manager.count() for m in COUNTED}


def run_job(
    user: User, kind: str, filename: str, data: bytes, *, accept_all: bool
) -> tuple[ImportJob, dict[str, int], dict[str, int]]:
    """Check then commit the file as `user`, checking the property on the way: the job, the
    counts before, and the counts after."""
    before = counts()
    job = jobs.start_job(user=user, kind=kind, rule="fill", filename=filename, chunks=[data])
    job.refresh_from_db()
    _check_result(job)
    assert job.state in (ImportJob.State.REJECTED, ImportJob.State.CHECKED), job.state
    assert counts() == before, "the dry run wrote"
    if job.state == ImportJob.State.REJECTED:
        return job, before, before
    jobs.commit(job, accept_all=accept_all)
    job.refresh_from_db()
    _check_result(job)
    after = counts()
    if job.state != ImportJob.State.COMMITTED:
        assert job.state in (ImportJob.State.REJECTED, ImportJob.State.CHECKED), job.state
        assert after == before, "a job that was not committed wrote"
    else:
        check_stored()
    if currently_in_test_context():
        event(f"{kind}: {job.state}")  # --hypothesis-show-statistics: how many reach each end
    return job, before, after


def _check_result(job: ImportJob) -> None:
    result = job.result
    if job.state == ImportJob.State.REJECTED:
        assert isinstance(result.get("error"), str) and result["error"].strip(), result
        return
    assert "rows" in result and "rejected" in result, result
    for rejection in result["rejected"]:
        assert isinstance(rejection["row"], int) and rejection["row"] >= 1, rejection
        assert str(rejection["column"]).strip(), rejection
        assert str(rejection["reason"]).strip(), rejection


def check_stored() -> None:
    """Every customer passes full_clean (its values fit its fields) and no text holds a NUL."""
    for customer in Customer.objects.all():
        customer.full_clean(validate_unique=False, validate_constraints=False)
    for model in (Customer, Tag, Order, OrderLine, Payment, Activity):
        text = [f.name for f in model._meta.concrete_fields if isinstance(f, CharField | TextField)]
        for values in model._default_manager.values_list(*text):
            assert not any("\x00" in (v or "") for v in values), (model.__name__, values)
