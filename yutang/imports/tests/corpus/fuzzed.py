"""Files the fuzzer (`test_fuzz.py`) found crashing an import, each cut down to what matters."""

from __future__ import annotations

import io
import zipfile

from . import Case, csv_bytes, xlsx_bytes
from .bill_files import bill_rows, payment

CUSTOMERS = [["昵称", "手机"], ["小美", "13800138000"]]


def bad_deflate(data: bytes, entry: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The workbook with the compressed bytes of one entry made invalid (a deflate block of
    the reserved type): the zip's directory is sound, unpacking the entry fails."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(entry)
    buffer = bytearray(data)
    name_length = int.from_bytes(
        buffer[info.header_offset + 26 : info.header_offset + 28], "little"
    )
    extra_length = int.from_bytes(
        buffer[info.header_offset + 28 : info.header_offset + 30], "little"
    )
    start = info.header_offset + 30 + name_length + extra_length
    buffer[start] = 0x07  # final block, type 3: "invalid block type"
    return bytes(buffer)


def bytes_cut_out(data: bytes) -> bytes:
    """The workbook with 12 bytes taken out of its first entry: every offset in the zip's
    directory now points 12 bytes too far, the first one before the file's start."""
    return data[:100] + data[112:]


CASES = [
    Case(
        # A UTF-16 file cut after an odd number of bytes: half a character at the end.
        name="csv-utf16-cut-mid-character",
        kind="customers",
        filename="客户.csv",
        build=lambda: csv_bytes(CUSTOMERS, "utf-16")[:-1],
        outcome="refused",
        message="neither UTF-8 nor GBK",
    ),
    Case(
        name="xlsx-bad-deflate",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: bad_deflate(xlsx_bytes(CUSTOMERS)),
        outcome="refused",
        message="damaged",
    ),
    Case(
        name="xlsx-bill-bad-deflate",
        kind="bill",
        filename="账单.xlsx",
        build=lambda: bad_deflate(xlsx_bytes(bill_rows())),
        outcome="refused",
        message="damaged",
    ),
    Case(
        name="xlsx-bill-bytes-cut-out",
        kind="bill",
        filename="账单.xlsx",
        build=lambda: bytes_cut_out(xlsx_bytes(bill_rows())),
        outcome="refused",
        message="damaged",
    ),
    Case(
        # The refusal quotes the cell: on PostgreSQL the job could not store a NUL in it.
        name="xlsx-bill-nul-in-amount",
        kind="bill",
        filename="账单.xlsx",
        build=lambda: xlsx_bytes([*bill_rows(0), payment(1, amount="\x00¥1.00")]),
        outcome="refused",
    ),
]
