"""The Django-free part of every xlsx download: a sheet written to a temporary file, its
headers capitalised and its text neutralised, and the download's name."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from python_calamine import CalamineWorkbook

from yutang.lib.xlsx import Sheet, capfirst, download_name, spooled


def test_it_spools_a_sheet_with_capitalised_headers_and_neutralised_text() -> None:
    sheet = Sheet("Customers", ["nickname", "has bought (M)", "备注"], iter([["=1+1", Decimal(5)]]))
    with spooled(sheet) as handle:
        assert handle.tell() == 0
        book = CalamineWorkbook.from_filelike(handle)
    rows = book.get_sheet_by_name("Customers").to_python()
    assert rows[0] == ["Nickname", "Has bought (M)", "备注"]
    assert rows[1][:2] == ["'=1+1", 5.0]


def test_it_names_a_download_after_what_and_when() -> None:
    assert download_name("customers", datetime(2026, 3, 4, 5, 6, tzinfo=UTC)) == (
        "yutang-customers-20260304-0506.xlsx"
    )
    assert capfirst("") == "" and capfirst("vip") == "Vip"
