"""Files that must simply work: the corpus's control group."""

from __future__ import annotations

from . import Case, csv_bytes, xlsx_bytes

HEADER = ["昵称", "姓名", "手机", "微信号", "备注"]

CASES = [
    Case(
        name="csv-plain",
        kind="customers",
        filename="客户.csv",
        build=lambda: csv_bytes([HEADER, ["小美", "王美", "13800138000", "wangmei", ""]]),
        outcome="imported",
        summary={"created": 1},
    ),
    Case(
        name="xlsx-plain",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: xlsx_bytes([HEADER, ["小美", "王美", "13800138000", "wangmei", ""]]),
        outcome="imported",
        summary={"created": 1},
    ),
    Case(
        name="csv-empty-file",
        kind="customers",
        filename="空.csv",
        build=lambda: b"",
        outcome="refused",
        message="empty",
    ),
    Case(
        name="csv-no-nickname-column",
        kind="customers",
        filename="客户.csv",
        build=lambda: csv_bytes([["手机"], ["13800138000"]]),
        outcome="refused",
        message="No nickname or name column",
    ),
    Case(
        name="csv-row-without-nickname",
        kind="customers",
        filename="客户.csv",
        build=lambda: csv_bytes(
            [HEADER, ["小美", "", "", "", ""], ["", "", "13800138000", "", ""]]
        ),
        outcome="rejected",
        rows=((3, "昵称"),),
        message="nickname or a name",
    ),
]
