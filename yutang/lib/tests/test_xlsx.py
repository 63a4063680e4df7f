"""The Django-free part of every xlsx download: a sheet written to a temporary file, its
headers capitalised and its text neutralised, and the download's name."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from python_calamine import CalamineWorkbook

from yutang.lib.xlsx import Sheet, capfirst, download_name, spooled, write_sheet


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


def _read(rows: list[list[object]], title: str = "客户", headers: int = 3) -> list[list[object]]:
    buffer = io.BytesIO()
    count = write_sheet(buffer, title=title, headers=[f"h{i}" for i in range(headers)], rows=rows)
    assert count == len(rows)
    book = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue()))
    return list(map(list, book.get_sheet_by_index(0).to_python()))


def test_it_keeps_each_type_and_every_character() -> None:
    rows = _read(
        [
            [7, 2.5, Decimal("12.30")],
            [True, False, None],
            [date(2026, 3, 4), datetime(2026, 3, 4, 5, 6, tzinfo=UTC), ""],
            [" 前后有空格 ", "a&b<c>d", "_x0041_ 是文字"],
            ["行一\n行二\t", "控制\x01字符", "🌸" * 5],
        ]
    )
    assert rows[1] == [7, 2.5, 12.3]
    assert rows[2] == [True, False, ""]
    # The time as it was given, the time zone dropped (exports give local times).
    assert rows[3][:2] == [
        date(2026, 3, 4),
        datetime(2026, 3, 4, 5, 6, tzinfo=UTC).replace(tzinfo=None),
    ]
    assert rows[4] == [" 前后有空格 ", "a&b<c>d", "_x0041_ 是文字"]
    assert rows[5] == ["行一\n行二\t", "控制\x01字符", "🌸" * 5]


def test_it_cuts_a_text_to_what_a_cell_holds_and_leaves_no_number_it_cannot_write() -> None:
    rows = _read([["长" * 40000, "🌸" * 20000, float("nan")], [float("inf"), Decimal("NaN"), 1]])
    assert rows[1][0] == "长" * 32767 and rows[1][1] == "🌸" * 16383  # 32,767 UTF-16 units
    assert rows[1][2] == "" and rows[2] == ["", "", 1]


def test_it_writes_any_title_more_cells_than_headers_and_an_empty_list() -> None:
    buffer = io.BytesIO()
    title = '利润/分类: [A]? "&<'
    write_sheet(buffer, title=title, headers=["h"], rows=[["a", "b", "c"]])
    book = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue()))
    assert book.sheet_names == ['利润 分类   A   "&<']
    assert book.get_sheet_by_index(0).to_python() == [["h", "", ""], ["a", "b", "c"]]
    assert _read([], title="") == [["h0", "h1", "h2"]]
