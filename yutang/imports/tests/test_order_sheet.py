from __future__ import annotations

import io
import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command

from yutang.catalog.models import Product
from yutang.orders.models import Order
from yutang.test import BaseTestCase, make_customer


class OrderImportTests(BaseTestCase):
    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)
        self.mask = Product.objects.create(
            name="面膜", sku="MASK", price=Decimal("99"), usage_cycle_days=30
        )
        self.cream = Product.objects.create(name="晚霜", sku="CREAM", price=Decimal("168"))
        self.mei = make_customer(self.bob, "小美", phone="13800138000")

    def run_import(self, text: str, *args: str) -> dict[str, Any]:
        path = self.folder / "orders.csv"
        path.write_text(text, encoding="utf-8")
        out = io.StringIO()
        call_command("import", "orders", str(path), "--as", "bob", "--json", *args, stdout=out)
        return json.loads(out.getvalue())

    def test_it_imports_orders_once_grouping_lines_by_order_number(self) -> None:
        text = (
            "订单号,手机,商品,数量,单价,日期,状态\n"
            "A1,13800138000,MASK,2,89,2026-03-01,已完成\n"
            "A1,13800138000,晚霜,1,,2026-03-01,已完成\n"
            ",13800138000,面膜,1,,2026/4/2,已付款\n"
        )
        dry = self.run_import(text, "--dry-run")
        assert (dry["created"], dry["merged"], dry["rejected"]) == (2, 1, [])
        assert not Order.objects.exists()
        result = self.run_import(text)
        assert result["created"] == 2 and result["committed"]
        first = Order.objects.get(import_ref="no:A1")
        assert first.status == "completed" and first.total() == Decimal("346")
        assert str(first.created.date()) == "2026-03-01"
        self.mei.refresh_from_db()
        assert self.mei.grade == "AA" and self.mei.consumed
        again = self.run_import(text)
        assert (again["created"], again["unchanged"]) == (0, 2)
        assert Order.objects.count() == 2

    def test_it_rejects_bad_rows_and_saves_nothing(self) -> None:
        secret = make_customer(self.charlie, "别人的", phone="13912345678")
        text = (
            "手机,商品,数量,单价,日期,状态\n"
            "13800138000,MASK,1,,,\n"
            "13800138000,不存在,1,,,\n"
            "13800138000,MASK,-1,,,\n"
            "13800138000,MASK,1,-5,,\n"
            "13800138000,MASK,1,,2024-13-45,\n"
            "13800138000,MASK,1,,,已退款\n"
            f"{secret.phone},MASK,1,,,\n"
        )
        result = self.run_import(text)
        assert [(r["row"], r["column"]) for r in result["rejected"]] == [
            (3, "商品"), (4, "数量"), (5, "单价"), (6, "日期"), (7, "状态"), (8, "手机"),
        ]  # fmt: skip
        assert "别人的" not in json.dumps(result, ensure_ascii=False)
        assert not result["committed"] and not Order.objects.exists()

    def test_it_rejects_a_file_without_the_needed_columns(self) -> None:
        with self.assertRaisesMessage(CommandError, "商品"):
            self.run_import("昵称,备注\n小美,x\n")
