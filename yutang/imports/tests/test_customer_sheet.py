from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

import xlsxwriter
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yutang.customers.models import Customer
from yutang.imports.customer_sheet import RULES, takes
from yutang.test import BaseTestCase, make_customer, make_tag

HEADER = "昵称,姓名,手机,微信号,地址,标签,备注,来源,生日,性别,加好友日期\n"


class ImportTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)

    def file(self, name: str, content: str | bytes, encoding: str = "utf-8") -> str:
        path = Path(self.folder.name) / name
        path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
        return str(path)

    def run_import(self, path: str, *args: str, user: str = "bob") -> dict[str, Any]:
        out = io.StringIO()
        call_command("import", "customers", path, "--as", user, "--json", *args, stdout=out)
        return json.loads(out.getvalue())


class CustomerImportTests(ImportTestCase):
    def test_it_checks_then_imports_then_changes_nothing_the_second_time(self) -> None:
        # An agent imports only the tags the owner has added.
        make_tag("宝妈")
        make_tag("护肤")
        path = self.file(
            "客户.csv",
            HEADER
            + "小美,王美,138 0013 8000,WangMei_1,广东省深圳市南山区科苑路15号,宝妈 护肤,喜欢玫瑰,"
            "抖音,1990/5/20,女,2024-01-02\n" + "阿强,,+86 139-1234-5678,,,,,,,,\n",
        )
        dry = self.run_import(path, "--dry-run")
        assert dry == {
            "rows": 2, "created": 2, "updated": 0, "merged": 0, "unchanged": 0,
            "matched_by_name": 0, "rejected": [], "rejected_count": 0, "committed": False,
        }  # fmt: skip
        assert not Customer.objects.exists()
        result = self.run_import(path)
        assert result["created"] == 2 and result["committed"]
        mei = Customer.objects.get(phone="13800138000")
        assert (mei.nickname, mei.name, mei.wechat_id) == ("小美", "王美", "wangmei_1")
        assert (mei.province, mei.city, mei.district, mei.address) == (
            "广东省", "深圳市", "南山区", "科苑路15号"
        )  # fmt: skip
        assert sorted(t.name for t in mei.tags.all()) == ["宝妈", "护肤"]
        assert mei.channel is not None and mei.channel.name == "抖音"
        assert str(mei.birthday) == "1990-05-20" and mei.gender == "f" and mei.owner == self.bob
        # One timeline entry for the new customer, with the tags it came with.
        assert mei.activities.get(kind="created").data == {
            "source": "import",
            "tags": ["宝妈", "护肤"],
        }
        again = self.run_import(path)
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
        assert Customer.objects.count() == 2

    def test_it_fills_or_overwrites_an_existing_customer_by_the_rule(self) -> None:
        make_customer(self.dave, "老客户", phone="13800138000", city="杭州市")
        path = self.file("a.csv", "昵称,手机,城市,备注\n新名字,13800138000,深圳市,补充备注\n")
        assert self.run_import(path, "--rule", "skip")["unchanged"] == 1
        assert self.run_import(path)["updated"] == 1
        customer = Customer.objects.get()
        assert (customer.nickname, customer.city, customer.notes) == (
            "老客户",
            "杭州市",
            "补充备注",
        )
        self.run_import(path, "--rule", "overwrite")
        customer.refresh_from_db()
        assert customer.city == "深圳市"

    def test_it_folds_the_same_person_twice_in_the_file(self) -> None:
        path = self.file(
            "a.csv",
            "昵称,手机,微信号\n甲,13800138000,\n甲又一次,13800138000,jia_wx01\n乙,,yi_wx001\n"
            "丙,13800138000,yi_wx001\n",
        )
        result = self.run_import(path)
        assert (result["created"], result["merged"]) == (2, 1)
        assert [(r["row"], r["column"]) for r in result["rejected"]] == [(5, "")]
        result = self.run_import(path, "--accept-all")
        jia = Customer.objects.get(phone="13800138000")
        assert (jia.nickname, jia.wechat_id) == ("甲", "jia_wx01")
        assert Customer.objects.count() == 2

    def test_it_says_nothing_about_a_customer_of_another_branch(self) -> None:
        make_customer(self.charlie, "秘密客户", phone="13800138000")
        path = self.file("a.csv", "昵称,手机\n小美,13800138000\n阿强,13912345678\n")
        result = self.run_import(path)
        assert result["rejected"] == [{"row": 2, "column": "手机", "reason": "已被其他代理报备"}]
        assert not result["committed"] and Customer.objects.count() == 1
        assert "秘密客户" not in json.dumps(result, ensure_ascii=False)
        result = self.run_import(path, "--accept-all")
        assert result["created"] == 1 and Customer.objects.count() == 2

    def test_it_finds_the_pools_customers_through_indexes(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("PostgreSQL scans tables this small whatever the indexes")
        make_customer(self.bob, "小美", phone="13800138000", wechat_id="xiaomei")
        path = self.file("a.csv", "昵称,手机,微信号\n小美,13800138000,xiaomei\n阿强,,aqiang88\n")
        with CaptureQueriesContext(connection) as queries:
            self.run_import(path, "--dry-run")
        lookups = [q["sql"] for q in queries if 'FROM "customers_customer"' in q["sql"]]
        assert lookups
        with connection.cursor() as cursor:
            for sql in lookups:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                plan = " / ".join(row[-1] for row in cursor.fetchall())
                assert "SCAN customers_customer" not in plan, (sql, plan)

    def test_it_reads_gbk_and_utf8_with_bom_and_xlsx(self) -> None:
        gbk = self.file("gbk.csv", "昵称,手机\n小美,13800138000\n", encoding="gb18030")
        bom = self.file("bom.csv", "\ufeff昵称,手机\n阿强,13912345678\n")
        xlsx = str(Path(self.folder.name) / "a.xlsx")
        book = xlsxwriter.Workbook(xlsx)
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, ["姓名", "手机号码", "生日"])
        sheet.write_row(1, 0, ["张三", 13711112222, 33013])  # a number and an Excel date serial
        book.close()
        for path in (gbk, bom, xlsx):
            assert self.run_import(path)["created"] == 1, path
        zhang = Customer.objects.get(phone="13711112222")
        assert zhang.nickname == "张三" and str(zhang.birthday) == "1990-05-20"

    def test_it_reads_a_csv_renamed_to_xlsx(self) -> None:
        path = self.file("renamed.xlsx", "昵称,手机\n小美,13800138000\n")
        assert self.run_import(path)["created"] == 1


class BadInputTests(ImportTestCase):
    def assert_file_rejected(self, path: str, message: str) -> None:
        with self.assertRaisesMessage(CommandError, message):
            self.run_import(path)
        assert not Customer.objects.exists()

    def test_it_rejects_bad_files_as_a_whole(self) -> None:
        self.assert_file_rejected(self.file("empty.csv", ""), "文件是空的")
        self.assert_file_rejected(self.file("blank.csv", "\n\n  \n"), "文件是空的")
        png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
        self.assert_file_rejected(self.file("photo.xlsx", png), "不是表格文件")
        self.assert_file_rejected(self.file("cols.csv", "手机,备注\n13800138000,x\n"), "昵称")
        self.assert_file_rejected(self.file("zip.xlsx", b"PK\x03\x04" + bytes(100)), "不完整")
        with self.assertRaisesMessage(CommandError, "no such file"):
            self.run_import(str(Path(self.folder.name) / "missing.csv"))

    def test_it_rejects_bad_rows_with_row_column_and_reason_and_saves_nothing(self) -> None:
        path = self.file(
            "bad.csv",
            "昵称,手机,微信号,生日,备注\n"
            "好客户,13800138000,,,\n"
            "坏手机,12345,,,\n"
            "坏微信,,1abc,,\n"
            "坏日期,,,2024-13-45,\n"
            '公式,,,,=HYPERLINK("x")\n'
            f"大格子,,,,{'长' * 20_000_000}\n"
            ",13912345678,,,\n",
        )
        result = self.run_import(path)
        rejected = [(r["row"], r["column"]) for r in result["rejected"]]
        assert rejected == [
            (3, "手机"),
            (4, "微信号"),
            (5, "生日"),
            (6, "备注"),
            (7, "备注"),
            (8, "昵称"),
        ]
        reasons = " ".join(r["reason"] for r in result["rejected"])
        for words in ("不是有效的手机号", "微信号须为", "不是日期", "公式", "太长", "昵称或姓名"):
            assert words in reasons, words
        assert not result["committed"] and not Customer.objects.exists()

    def test_it_needs_a_known_user(self) -> None:
        path = self.file("a.csv", "昵称\n小美\n")
        with self.assertRaisesMessage(CommandError, "no active user"):
            self.run_import(path, user="nobody")


def test_one_rule_says_what_an_import_does_to_a_field() -> None:
    # (rule, old, new): whether the row's new value replaces the customer's old one.
    for old, new, by_rule in [
        ("", "小美", {"skip": False, "fill": True, "overwrite": True}),
        (None, "小美", {"skip": False, "fill": True, "overwrite": True}),
        ("小丽", "小美", {"skip": False, "fill": False, "overwrite": True}),
        ("小丽", "", {"skip": False, "fill": False, "overwrite": False}),
        ("小丽", None, {"skip": False, "fill": False, "overwrite": False}),
    ]:
        assert {rule: takes(rule, old, new) for rule in RULES} == by_rule, (old, new)
