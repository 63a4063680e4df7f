from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from yutang.customers.models import Customer
from yutang.lib.xlsx import neutralise
from yutang.test import BaseTestCase, make_customer, make_tag


def read(data: bytes) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


class NeutraliseTests(BaseTestCase):
    def test_it_neutralises_every_formula_start(self) -> None:
        for text in ["=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx"]:
            assert neutralise(text) == "'" + text
        assert neutralise("张三=好") == "张三=好"


class CustomerExportTests(BaseTestCase):
    def test_it_exports_the_filtered_list_as_text_safe_cells(self) -> None:
        tag = make_tag("宝妈")
        evil = make_customer(self.bob, '=HYPERLINK("http://x","点我")', phone="13800138000")
        evil.tags.add(tag)
        make_customer(self.dave, "@dave的客户", grade="A")
        make_customer(self.charlie, "charlie的客户")
        self.login(self.bob)
        response = self.client.get("/export/customers.xlsx")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith('attachment; filename="yutang-customers-')
        rows = read(body(response))
        header, *data = rows
        assert header[:5] == ["编号", "昵称", "真实姓名", "微信号", "手机号"]
        nicknames = sorted(str(r[1]) for r in data)
        assert nicknames == ['\'=HYPERLINK("http://x","点我")', "'@dave的客户"]
        phone = next(r[4] for r in data if "HYPERLINK" in str(r[1]))
        assert phone == "13800138000"  # text, not a number that loses its leading digits
        assert any("宝妈" in str(r[16]) for r in data)
        response = self.client.get("/export/customers.xlsx", {"grade": "A"})
        assert [r[1] for r in read(body(response))[1:]] == ["'@dave的客户"]

    def test_it_exports_in_english_when_chosen(self) -> None:
        self.login(self.alice)
        self.client.cookies.load({"django_language": "en"})
        response = self.client.get("/export/customers.xlsx")
        assert read(body(response))[0][:2] == ["ID", "Nickname"]

    def test_it_exports_every_list_within_the_branch(self) -> None:
        make_customer(self.charlie, "charlie的客户")
        self.login(self.charlie)
        for what in ("orders", "followups", "touchpoints"):
            response = self.client.get(f"/export/{what}.xlsx")
            assert response.status_code == 200
        self.login(self.bob)
        response = self.client.get("/export/customers.xlsx")
        assert len(read(body(response))) == 1
        assert self.client.get("/export/passwords.xlsx").status_code == 404

    def test_it_needs_a_login(self) -> None:
        assert self.client.get("/export/customers.xlsx").status_code == 302


class ExportCommandTests(BaseTestCase):
    def test_it_writes_the_users_view_to_a_file(self) -> None:
        make_customer(self.bob, "bob的客户")
        make_customer(self.charlie, "charlie的客户")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "out.xlsx"
            out = io.StringIO()
            call_command("export", "customers", str(path), "--as", "bob", stdout=out)
            assert "1 rows" in out.getvalue()
            assert [r[1] for r in read(path.read_bytes())[1:]] == ["bob的客户"]
            with self.assertRaisesMessage(CommandError, "no active user"):
                call_command("export", "customers", str(path), "--as", "nobody")
            with self.assertRaisesMessage(CommandError, ".xlsx"):
                call_command("export", "customers", str(Path(folder) / "x.csv"), "--as", "bob")
        assert Customer.objects.count() == 2
