"""Hostile files (not bad values in a good file): bombs, disguises, encodings, dialects, headers
out of place and cells the spreadsheet reader would give back as empty. Customers and orders;
the bill's are in bill_files.py. Every workbook is built here from its XML, so that each file
says exactly what an attacker (or an unlucky exporter) would write."""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

from . import Case, csv_bytes, xlsx_bytes

HEADER = ["昵称", "姓名", "手机", "微信号", "备注"]
ROW = ["小美", "王美", "13800138000", "wangmei", ""]
ORDER_HEADER = ["订单号", "手机", "商品", "数量", "单价"]
ORDER_ROW = ["A-1", "13800138000", "面膜", "1", "99"]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_xml(row: int, column: int, value: object) -> str:
    """One cell at a 0-based position: text, a number, ("error", "#N/A") or ("formula", "A1")
    for a formula saved without its value, or ("formula", "A1", "cached") with one."""
    ref = f"{column_letters(column)}{row + 1}"
    if isinstance(value, tuple):
        if value[0] == "error":
            return f'<c r="{ref}" t="e"><f>1/0</f><v>{escape(value[1])}</v></c>'
        if len(value) == 3:
            return f'<c r="{ref}" t="str"><f>{escape(value[1])}</f><v>{escape(value[2])}</v></c>'
        return f'<c r="{ref}"><f>{escape(value[1])}</f></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def grid_xml(rows: Sequence[Sequence[object]], first_row: int = 0) -> str:
    return "".join(
        f'<row r="{first_row + r + 1}">'
        + "".join(cell_xml(first_row + r, c, v) for c, v in enumerate(row) if v != "")
        + "</row>"
        for r, row in enumerate(rows)
    )


def raw_xlsx(
    sheet_data: str | bytes, *, dimension: str = "", extra: dict[str, bytes] | None = None
) -> bytes:
    """An xlsx whose one sheet holds `sheet_data` (the XML inside <sheetData>) as given."""
    data = sheet_data.encode() if isinstance(sheet_data, str) else sheet_data
    head = _SHEET_HEAD + (f'<dimension ref="{dimension}"/>' if dimension else "")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr(
            "xl/worksheets/sheet1.xml", head.encode() + b"<sheetData>" + data + b"</sheetData>"
            b"</worksheet>",
        )  # fmt: skip
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def grid_xlsx(rows: Sequence[Sequence[object]], *, first_row: int = 0) -> bytes:
    return raw_xlsx(grid_xml(rows, first_row))


def far_cell_xlsx(header: Sequence[str], ref: str) -> bytes:
    """The 1.6 KB file that killed the reader: a header, and one cell far away."""
    far = f'<row r="{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{ref}" t="inlineStr">'
    return raw_xlsx(grid_xml([header]) + far + "<is><t>x</t></is></c></row>")


def zip_bomb_xlsx(header: Sequence[str], megabytes: int = 64) -> bytes:
    """A sheet of `megabytes` MB of identical rows, which deflate packs about a thousand times."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    body = grid_xml([header]).encode() + row * (megabytes * (1 << 20) // len(row))
    return raw_xlsx(body)


_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
    'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-'
    'path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:'
    'file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods_bytes(rows_xml: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:'
        'names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:'
        'xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1">'
        + rows_xml
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        archive.writestr("content.xml", content)
    return out.getvalue()


def ods_row(cells: Sequence[str], repeat: int = 1, cell_repeat: int = 1) -> str:
    repeated = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    across = f' table:number-columns-repeated="{cell_repeat}"' if cell_repeat > 1 else ""
    return (
        f"<table:table-row{repeated}>"
        + "".join(
            f'<table:table-cell office:value-type="string"{across}><text:p>{escape(c)}</text:p>'
            "</table:table-cell>"
            for c in cells
        )
        + "</table:table-row>"
    )


def ods_table(rows: Sequence[Sequence[str]]) -> bytes:
    # LibreOffice ends every sheet with a million empty rows repeated: harmless, and kept here.
    filler = (
        '<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
    )
    return ods_bytes("".join(ods_row(r) for r in rows) + filler)


def encrypted_ole() -> bytes:
    """What Excel writes for an xlsx with an open password: an OLE container (the format of
    .xls) whose directory names the streams EncryptionInfo and EncryptedPackage."""
    sector = bytearray(512)
    for index, name in enumerate(("Root Entry", "EncryptionInfo", "EncryptedPackage")):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        sector[index * 128 : index * 128 + len(encoded)] = encoded
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    return header + bytes(sector) + b"\x01" * 4096


def numbers_file() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Index/Document.iwa", b"\x00\x01\x02" * 100)
        archive.writestr("Index/Tables/DataList.iwa", b"\x00\x01\x02" * 100)
        archive.writestr("Metadata/Properties.plist", b"<plist/>")
        archive.writestr("preview.jpg", b"\xff\xd8\xff" + bytes(100))
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("客户.csv", csv_bytes([HEADER, ROW]))
    return out.getvalue()


def html_table(rows: Sequence[Sequence[str]], *, prefix: bytes = b"") -> bytes:
    cells = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        prefix
        + (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f"</head><body><table>{cells}</table></body></html>"
        ).encode()
    )


def xml_spreadsheet() -> bytes:
    return (
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
        '<Worksheet ss:Name="Sheet1"><Table><Row><Cell><Data ss:Type="String">昵称</Data></Cell>'
        "</Row></Table></Worksheet></Workbook>"
    ).encode()


def pdf_bytes() -> bytes:
    # A PDF whose first 4 KB are plain text (no NUL byte), as many are.
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 20


def ascii_rows(count: int, *, start: int = 0) -> list[list[str]]:
    return [[f"user{n}", "", f"138{n:08d}", f"wx_user{n}", "plain ascii note"] for n in
            range(start, start + count)]  # fmt: skip


def late_gbk() -> bytes:
    # More than 64 KB of ASCII (English headers too), then the first Chinese (GBK) row.
    header = ["nickname", "name", "phone", "wechat id", "notes"]
    rows = [header, *ascii_rows(2000), ["小美", "王美", "13900139000", "", "老客户"]]
    return csv_bytes(rows, "gb18030")


def utf8_then_gbk() -> bytes:
    head = csv_bytes([HEADER, *ascii_rows(2000), ["小美", "", "", "", ""]], "utf-8")
    return head + csv_bytes([["小丽", "", "", "", ""]], "gb18030")


def gbk_then_utf8() -> bytes:
    head = csv_bytes([HEADER, ["小美", "", "", "", ""], *ascii_rows(2000)], "gb18030")
    return head + csv_bytes([["小丽", "", "", "", ""]], "utf-8")


def invalid_bytes_late() -> bytes:
    return csv_bytes([HEADER, *ascii_rows(2000)], "utf-8") + b"\xff\xfe\xfa,,,,\r\n"


def utf16_text(rows: Sequence[Sequence[str]], *, bom: bool = True) -> bytes:
    # Excel's "Unicode text": UTF-16LE with a BOM, columns separated by TAB.
    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    return (b"\xff\xfe" if bom else b"") + text.encode("utf-16-le")


def truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def _error_row(index: int, error: str) -> list[object]:
    row: list[object] = ["小美", "", "", "", ""]
    row[index] = ("error", error)
    return row


def _error_xlsx(index: int, error: str) -> bytes:
    return grid_xlsx([HEADER, _error_row(index, error)])


def apostrophes() -> bytes:
    # A note quoted with apostrophes made the sniffer take ' for the quote; then a note that
    # starts with one (Excel's "text" mark) opened a quote that swallowed the rest of the file.
    rows = [",".join(HEADER)] + [
        f"客户{n},,,,'VIP'" if n < 3 else f"客户{n},,,,'90后 宝妈" if n == 20 else f"客户{n},,,,"
        for n in range(40)
    ]
    return ("\n".join(rows) + "\n").encode()


def many_bad_rows(count: int) -> bytes:
    return csv_bytes([HEADER] + [[f"客户{n}", "", "12345", "", ""] for n in range(count)])


_c3_rows: list[list[object]] = [list(HEADER), list(ROW), ["小丽", "", ("error", "#N/A"), "", ""]]
_titled = [["客户名单（2024 年）"], ["导出人：小店"], [], HEADER, ROW]
_marked = ["\u200b昵称", "\ufeff姓名", "手机\u00a0", "\u2060微信号\u200e", "备注\u3000"]

CASES = [
    # 1. Bombs: a tiny file that claims (or holds) an enormous sheet.
    Case(
        name="xlsx-dimension-bomb",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: raw_xlsx(grid_xml([HEADER, ROW]), dimension="A1:XFD1048576"),
        outcome="refused",
        message="at most 1,000,000 rows",
        bomb=True,
    ),
    Case(
        name="xlsx-far-cell-bomb",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: far_cell_xlsx(HEADER, "XFD1048576"),
        outcome="refused",
        message="reaches row 1,048,576",
        bomb=True,
    ),
    Case(
        name="xlsx-far-column-bomb",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: far_cell_xlsx(HEADER, "XFD2"),
        outcome="refused",
        message="reaches column 16,384",
        bomb=True,
    ),
    Case(
        name="xlsx-too-many-cells",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: far_cell_xlsx(HEADER, "FZ200000"),
        outcome="refused",
        message="at most 10,000,000",
        bomb=True,
    ),
    Case(
        name="xlsx-far-cell-without-row-numbers",
        kind="customers",
        filename="客户.xlsx",
        # No r= on rows or cells: positions are counted, as the reader counts them.
        build=lambda: raw_xlsx(
            '<row><c t="inlineStr"><is><t>昵称</t></is></c></row>'
            + '<row r="1048575"/>'
            + "<row>"
            + "<c/>" * 300
            + '<c t="inlineStr"><is><t>x</t></is></c></row>'
        ),
        outcome="refused",
        message="at most 1,000,000 rows",
        bomb=True,
    ),
    Case(
        name="xlsx-zip-bomb",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: zip_bomb_xlsx(HEADER),
        outcome="refused",
        message="packed suspiciously tight",
        bomb=True,
    ),
    Case(
        name="ods-repeat-bomb",
        kind="customers",
        filename="客户.ods",
        build=lambda: ods_bytes(ods_row(["昵称"]) + ods_row(["x"], 1_048_575, 10)),
        outcome="refused",
        message="at most 1,000,000 rows",
        bomb=True,
    ),
    Case(
        name="ods-wide-repeat-bomb",
        kind="customers",
        filename="客户.ods",
        build=lambda: ods_bytes(ods_row(["昵称"]) + ods_row(["x"], 1, 16384)),
        outcome="refused",
        message="reaches column",
        bomb=True,
    ),
    Case(
        name="orders-xlsx-far-cell-bomb",
        kind="orders",
        filename="订单.xlsx",
        build=lambda: far_cell_xlsx(ORDER_HEADER, "XFD1048576"),
        outcome="refused",
        message="reaches row 1,048,576",
        bomb=True,
    ),
    Case(
        name="orders-xlsx-zip-bomb",
        kind="orders",
        filename="订单.xlsx",
        build=lambda: zip_bomb_xlsx(ORDER_HEADER),
        outcome="refused",
        message="packed suspiciously tight",
        bomb=True,
    ),
    Case(
        name="ods-libreoffice-trailing-rows",
        kind="customers",
        filename="客户.ods",
        build=lambda: ods_table([HEADER, ROW]),
        outcome="imported",
        summary={"created": 1},
        nicknames=("小美",),
    ),
    # 2. Many bad rows: the first 1,000 are kept, all are counted.
    Case(
        name="csv-five-thousand-bad-rows",
        kind="customers",
        filename="客户.csv",
        build=lambda: many_bad_rows(5000),
        outcome="rejected",
        rows=((2, "手机"),),
        message="",
        summary={"rejected_count": 5000},
    ),
    Case(
        name="orders-csv-three-thousand-bad-rows",
        kind="orders",
        filename="订单.csv",
        build=lambda: csv_bytes(
            [ORDER_HEADER] + [[f"B-{n}", "13800138000", "没有", "1", "9"] for n in range(3000)]
        ),
        outcome="rejected",
        rows=((2, "商品"),),
        message="Unknown product",
        # Two reasons a row: the customer and the product.
        summary={"rejected_count": 6000},
    ),
    # 3. Dialect: the comma and the double quote unless the header says otherwise.
    Case(
        name="csv-apostrophes-in-notes",
        kind="customers",
        filename="客户.csv",
        build=apostrophes,
        outcome="imported",
        summary={"created": 40},
        nicknames=("客户0", "客户20", "客户39"),
    ),
    Case(
        name="csv-single-quoted-commas",
        kind="customers",
        filename="客户.csv",
        build=lambda: csv_bytes(
            [HEADER, ["小美", "", "", "", "'a, b'"], ["小丽", "", "", "", "'c'"]]
        ),
        outcome="imported",
        summary={"created": 2},
        nicknames=("小美", "小丽"),
    ),
    Case(
        name="csv-comma-file-with-semicolon-formulas",
        kind="customers",
        filename="客户.csv",
        build=lambda: csv_bytes(
            [HEADER] + [[f"客户{n}", "", "", "", '=IF(A2>0;"是";"否")'] for n in range(50)]
        ),
        outcome="rejected",
        rows=((2, "备注"), (51, "备注")),
        message="formula",
    ),
    Case(
        name="csv-semicolon-file",
        kind="customers",
        filename="客户.csv",
        build=lambda: "昵称;手机;备注\n小美;13800138000;价格 1,5\n小丽;;a, b\n".encode(),
        outcome="imported",
        summary={"created": 2},
        nicknames=("小美", "小丽"),
    ),
    Case(
        name="csv-tab-file",
        kind="customers",
        filename="客户.txt",
        build=lambda: "昵称\t手机\t备注\n小美\t13800138000\t买过 2,3 次\n".encode(),
        outcome="imported",
        summary={"created": 1},
        nicknames=("小美",),
    ),
    # 4. Encodings: the whole file is decoded, and a file mixing two is refused at the row.
    Case(
        name="csv-utf16-unicode-text",
        kind="customers",
        filename="客户.txt",
        build=lambda: utf16_text([HEADER, ROW, ["小丽", "", "", "", ""]]),
        outcome="imported",
        summary={"created": 2},
        nicknames=("小美", "小丽"),
    ),
    Case(
        name="csv-utf16-without-bom",
        kind="customers",
        filename="客户.txt",
        build=lambda: utf16_text([HEADER, ROW], bom=False),
        outcome="imported",
        summary={"created": 1},
        nicknames=("小美",),
    ),
    Case(
        name="orders-csv-utf16",
        kind="orders",
        filename="订单.txt",
        build=lambda: utf16_text([ORDER_HEADER, ORDER_ROW]),
        outcome="rejected",
        rows=((2, "手机"),),
        message="No such customer",
    ),
    Case(
        name="csv-gbk-first-seen-after-64k",
        kind="customers",
        filename="客户.csv",
        build=late_gbk,
        outcome="imported",
        summary={"created": 2001},
        nicknames=("小美",),
    ),
    Case(
        name="csv-utf8-then-gbk-after-64k",
        kind="customers",
        filename="客户.csv",
        build=utf8_then_gbk,
        outcome="refused",
        message="row 2003 is GBK while the rows before it are UTF-8",
    ),
    Case(
        name="csv-gbk-then-utf8-after-64k",
        kind="customers",
        filename="客户.csv",
        build=gbk_then_utf8,
        outcome="refused",
        message="row 2003 is UTF-8 while the rows before it are GBK",
    ),
    Case(
        name="csv-invalid-bytes-after-64k",
        kind="customers",
        filename="客户.csv",
        build=invalid_bytes_late,
        outcome="refused",
        message="Row 2002 is neither UTF-8 nor GBK",
    ),
    Case(
        name="orders-csv-utf8-then-gbk",
        kind="orders",
        filename="订单.csv",
        build=lambda: (
            csv_bytes([ORDER_HEADER, ["A-1", "", "面膜", "1", "9"]])
            + csv_bytes([["A-2", "", "面膜", "1", "9"], ["A-3", "", "眼霜", "1", "9"]], "gbk")
        ),
        outcome="refused",
        message="row 3 is GBK",
    ),
    Case(
        name="csv-double-bom",
        kind="customers",
        filename="客户.csv",
        build=lambda: b"\xef\xbb\xbf\xef\xbb\xbf" + csv_bytes([HEADER, ROW]),
        outcome="imported",
        summary={"created": 1},
        nicknames=("小美",),
    ),
    # 5. Files of another kind, told what they are.
    Case(
        name="xlsx-password-protected",
        kind="customers",
        filename="客户.xlsx",
        build=encrypted_ole,
        outcome="refused",
        message="password-protected",
    ),
    Case(
        name="orders-xlsx-password-protected",
        kind="orders",
        filename="订单.xlsx",
        build=encrypted_ole,
        outcome="refused",
        message="password-protected",
    ),
    Case(
        name="numbers-file",
        kind="customers",
        filename="客户.numbers",
        build=numbers_file,
        outcome="refused",
        message="Apple Numbers",
    ),
    Case(
        name="numbers-renamed-xlsx",
        kind="orders",
        filename="订单.xlsx",
        build=numbers_file,
        outcome="refused",
        message="Apple Numbers",
    ),
    Case(
        name="html-saved-as-xls",
        kind="customers",
        filename="客户.xls",
        build=lambda: html_table([HEADER, ROW]),
        outcome="refused",
        message="web page",
    ),
    Case(
        name="html-doctype-with-bom-as-xls",
        kind="orders",
        filename="订单.xls",
        build=lambda: html_table([ORDER_HEADER], prefix=b"\xef\xbb\xbf\r\n<!DOCTYPE html>\n"),
        outcome="refused",
        message="web page",
    ),
    Case(
        name="xml-spreadsheet-2003-as-xls",
        kind="customers",
        filename="客户.xls",
        build=xml_spreadsheet,
        outcome="refused",
        message="Excel 2003 XML",
    ),
    Case(
        name="pdf-renamed-csv",
        kind="customers",
        filename="客户.csv",
        build=pdf_bytes,
        outcome="refused",
        message="This is a PDF",
    ),
    Case(
        name="orders-pdf-renamed-xlsx",
        kind="orders",
        filename="订单.xlsx",
        build=pdf_bytes,
        outcome="refused",
        message="This is a PDF",
    ),
    Case(
        name="xlsx-truncated",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: truncated(xlsx_bytes([HEADER, *([ROW] * 50)])),
        outcome="refused",
        message="incomplete",
    ),
    Case(
        name="orders-xlsx-truncated",
        kind="orders",
        filename="订单.xlsx",
        build=lambda: truncated(xlsx_bytes([ORDER_HEADER, ORDER_ROW])),
        outcome="refused",
        message="incomplete",
    ),
    Case(
        name="zip-of-a-csv-renamed-xlsx",
        kind="customers",
        filename="客户.xlsx",
        build=plain_zip,
        outcome="refused",
        message="zip archive",
    ),
    # 6. Headers: below a title, with invisible marks.
    Case(
        name="csv-header-on-fourth-row",
        kind="customers",
        filename="客户.csv",
        build=lambda: csv_bytes(_titled),
        outcome="imported",
        summary={"created": 1},
        nicknames=("小美",),
    ),
    Case(
        name="xlsx-header-below-a-title",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: xlsx_bytes(_titled),
        outcome="imported",
        summary={"created": 1},
        nicknames=("小美",),
    ),
    Case(
        name="xlsx-header-below-a-title-row-numbers",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: xlsx_bytes([["客户名单"], HEADER, ROW, ["小丽", "", "12345", "", ""]]),
        outcome="rejected",
        rows=((4, "手机"),),
        message="",
    ),
    Case(
        name="orders-header-below-a-title",
        kind="orders",
        filename="订单.csv",
        build=lambda: csv_bytes([["订单导出"], ORDER_HEADER, ORDER_ROW]),
        outcome="rejected",
        rows=((3, "手机"),),
        message="No such customer",
    ),
    Case(
        name="csv-header-with-invisible-marks",
        kind="customers",
        filename="客户.csv",
        build=lambda: csv_bytes([_marked, ROW]),
        outcome="imported",
        summary={"created": 1},
        nicknames=("小美",),
    ),
    Case(
        name="xlsx-header-with-invisible-marks",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: xlsx_bytes([_marked, ROW]),
        outcome="imported",
        summary={"created": 1},
        nicknames=("小美",),
    ),
    Case(
        name="xlsx-sheet-starting-at-c3",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: raw_xlsx(
            "".join(
                f'<row r="{r + 3}">'
                + "".join(cell_xml(r + 2, c + 2, v) for c, v in enumerate(row) if v)
                + "</row>"
                for r, row in enumerate(_c3_rows)
            )
        ),
        outcome="rejected",
        rows=((5, "手机"),),
        message="Excel error #N/A",
    ),
    # 7. Cells the reader gives as empty: formulas without a saved value, Excel errors.
    Case(
        name="xlsx-formula-without-cached-value",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: grid_xlsx(
            [HEADER, ["小美", "", ("formula", 'CONCAT("138","00138000")'), "", ""]]
        ),  # fmt: skip
        outcome="rejected",
        rows=((2, "手机"),),
        message="formula whose result was never saved",
    ),
    Case(
        name="xlsx-only-cell-a-formula-without-value",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: grid_xlsx([HEADER, ROW, [("formula", "A2"), "", "", "", ""]]),
        outcome="rejected",
        rows=((3, "昵称"),),
        message="formula whose result was never saved",
    ),
    Case(
        name="xlsx-formula-with-cached-value",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: grid_xlsx([HEADER, [("formula", 'A1&"x"', "小美"), "", "", "", ""]]),
        outcome="imported",
        summary={"created": 1},
        nicknames=("小美",),
    ),
    *[
        Case(
            name=f"xlsx-error-{slug}-in-{column}",
            kind="customers",
            filename="客户.xlsx",
            build=functools.partial(_error_xlsx, index, error),
            outcome="rejected",
            rows=((2, HEADER[index]),),
            message=f"Excel error {error}",
        )
        for slug, error, index, column in (
            ("div0", "#DIV/0!", 2, "phone"),
            ("na", "#N/A", 3, "wechat"),
            ("value", "#VALUE!", 4, "notes"),
            ("ref", "#REF!", 1, "name"),
            ("name", "#NAME?", 2, "phone"),
            ("num", "#NUM!", 3, "wechat"),
            ("null", "#NULL!", 4, "notes"),
            ("na", "#N/A", 0, "nickname"),
        )
    ],
    Case(
        name="xlsx-error-in-an-unmapped-column",
        kind="customers",
        filename="客户.xlsx",
        build=lambda: grid_xlsx([[*HEADER, "其它"], [*ROW, ("error", "#N/A")]]),
        outcome="imported",
        summary={"created": 1},
    ),
    Case(
        name="orders-xlsx-error-in-price",
        kind="orders",
        filename="订单.xlsx",
        build=lambda: grid_xlsx(
            [ORDER_HEADER, ["A-1", "13800138000", "面膜", "1", ("error", "#DIV/0!")]]
        ),  # fmt: skip
        outcome="rejected",
        rows=((2, "单价"),),
        message="Excel error #DIV/0!",
    ),
    Case(
        name="orders-xlsx-formula-without-value-in-quantity",
        kind="orders",
        filename="订单.xlsx",
        build=lambda: grid_xlsx(
            [ORDER_HEADER, ["A-1", "13800138000", "面膜", ("formula", "B2*2"), "9"]]
        ),  # fmt: skip
        outcome="rejected",
        rows=((2, "数量"),),
        message="formula whose result was never saved",
    ),
]
