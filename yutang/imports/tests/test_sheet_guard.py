"""The guard in front of the spreadsheet reader (yutang.lib.sheets), with limits small enough
to reach in a test; it lives here for the corpus's workbook builder."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile

import pytest

from yutang.imports.tests.corpus.files import cell_xml, grid_xml, raw_xlsx
from yutang.lib.sheets import (
    MAX_HIDDEN,
    Limits,
    SheetProblem,
    check_workbook,
    identify,
    text_encoding,
)

SMALL = Limits(rows=100, columns=10, cells=500, unzipped=200_000, ratio=100, xls=10_000)


def noise(seed: int, size: int) -> str:
    """Text that does not compress, so that only the size limit can be reached."""
    text = ""
    while len(text) < size:
        text += hashlib.sha256(f"{seed}-{len(text)}".encode()).hexdigest()
    return text[:size]


def problem(data: bytes, limits: Limits = SMALL) -> str:
    with pytest.raises(SheetProblem) as caught:
        check_workbook(io.BytesIO(data), limits)
    assert caught.value.message and caught.value.message_zh
    return caught.value.code


def test_it_counts_what_a_sheet_holds_and_what_it_claims() -> None:
    assert problem(raw_xlsx(grid_xml([["a"]]) + f'<row r="101">{cell_xml(100, 0, "x")}</row>')) \
        == "too_many_rows"  # fmt: skip
    assert problem(raw_xlsx(grid_xml([["a"] * 11]))) == "too_many_columns"
    assert problem(raw_xlsx(grid_xml([["a"]] * 60 + [["b"] * 10]))) == "too_many_cells"
    assert problem(raw_xlsx(grid_xml([["a"]]), dimension="A1:A101")) == "too_many_rows"
    scan = check_workbook(io.BytesIO(raw_xlsx(grid_xml([["a"] * 10] * 50))), SMALL)
    sheet = scan.sheets[0]
    assert (sheet.last_row, sheet.last_column) == (49, 9)


def test_it_counts_the_bytes_really_unpacked_not_the_declared_ones() -> None:
    assert problem(raw_xlsx(grid_xml([[noise(n, 1000)] for n in range(250)]))) == (
        "unzipped_too_large"
    )
    # A zip whose directory understates an entry's size: the entry no longer checks out.
    data = bytearray(raw_xlsx(grid_xml([["a"]] * 50)))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    offset = data.find(b"xl/worksheets/sheet1.xml", data.find(b"PK\x01\x02")) - 46
    struct.pack_into("<I", data, offset + 24, 10)  # uncompressed size in the central directory
    assert info.file_size > 10
    assert problem(bytes(data)) in ("damaged", "truncated")


def test_it_refuses_a_large_xls_but_not_a_small_one() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert problem(ole + bytes(20_000)) == "xls_too_large"
    assert check_workbook(io.BytesIO(ole + bytes(1000)), SMALL).sheets == []


def test_it_keeps_a_bounded_number_of_unreadable_cells() -> None:
    rows = "".join(
        f'<row r="{r + 1}">{cell_xml(r, 0, ("error", "#N/A"))}</row>' for r in range(MAX_HIDDEN + 5)
    )
    scan = check_workbook(io.BytesIO(raw_xlsx(rows)))
    assert len(scan.sheets[0].hidden) == MAX_HIDDEN
    assert scan.sheets[0].hidden[(0, 0)] == "#N/A"


def test_it_scans_a_sheet_across_block_boundaries() -> None:
    # Rows long enough that the 1 MB blocks cut through cells: every cell is still seen.
    rows: list[list[object]] = [[noise(n, 5000), ("formula", "A1")] for n in range(400)]
    scan = check_workbook(io.BytesIO(raw_xlsx(grid_xml(rows))))
    assert len(scan.sheets[0].hidden) == 400 and scan.sheets[0].last_row == 399


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"PK\x03\x04rest", "zip"),
        (b"%PDF-1.7", "pdf"),
        (b"\xef\xbb\xbf <!DOCTYPE html><html>", "html"),
        (b"<table><tr><td>1</td></tr></table>", "html"),
        (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x", "html"),
        (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "xml_spreadsheet",
        ),  # fmt: skip
        ("昵称\t手机\r\n".encode("utf-16"), "utf16"),
        ("nickname\tphone\r\n".encode("utf-16-le"), "utf16"),
        (b"\x00\x01\x02\x03" * 10, "binary"),
        ("昵称,手机\n".encode(), "text"),
    ],
)
def test_it_tells_what_a_file_is(head: bytes, kind: str) -> None:
    assert identify(head) == kind


def test_it_reads_the_encoding_of_the_whole_file() -> None:
    ascii_part = b"a,b\n" * 50_000
    assert text_encoding(io.BytesIO(ascii_part + "小美\n".encode("gbk"))) == "gb18030"
    assert text_encoding(io.BytesIO(ascii_part + "小美\n".encode())) == "utf-8-sig"
    with pytest.raises(SheetProblem) as caught:
        text_encoding(io.BytesIO("小美\n".encode() + ascii_part + "小丽\n".encode("gbk")))
    assert caught.value.params == {"row": 50_002, "then": "GBK", "first": "UTF-8"}


def test_it_sees_far_cells_however_their_position_is_written() -> None:
    far = '<row r="200"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
    assert problem(raw_xlsx(grid_xml([["a"]]) + far.format(ref="a200"))) == "too_many_rows"
    assert problem(raw_xlsx(grid_xml([["a"]]) + far.format(ref="AAAA2"))) == "too_many_columns"
    # Cells without a position are counted in order, as the reader counts them.
    assert problem(raw_xlsx("<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 11 + "</row>")) \
        == "too_many_columns"  # fmt: skip
    # A position too long to be a number is no position: never an error of the guard itself.
    check_workbook(io.BytesIO(raw_xlsx(grid_xml([["a"]]) + far.format(ref="A" + "9" * 5000))))
