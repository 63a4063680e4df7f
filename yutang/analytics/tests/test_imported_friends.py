"""Friends added: a customer file's rows take their friend-added date from the file; without
one they count as imported (the funnel's own line), never as friends added on the import day."""

from __future__ import annotations

import io
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import time_machine
from django.core.management import call_command

from yutang.analytics import queries
from yutang.analytics.queries import Period
from yutang.customers import actions
from yutang.customers.models import Customer
from yutang.test import BaseTestCase

from .data import at

TODAY = date(2026, 3, 10)


class ImportedFriendsTests(BaseTestCase):
    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)
        traveller = time_machine.travel(at(TODAY))
        traveller.start()
        self.addCleanup(traveller.stop)

    def run_import(self, name: str, text: str) -> dict[str, Any]:
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        out = io.StringIO()
        call_command("import", "customers", str(path), "--as", "bob", "--json", stdout=out)
        return json.loads(out.getvalue())

    def growth(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.api(self.bob, "get", "/api/analytics/growth").json()
        return answer

    def test_a_date_column_gives_each_row_its_friend_added_date(self) -> None:
        for header in ("加好友日期", "好友添加时间", "添加时间"):
            Customer.objects.all().delete()
            result = self.run_import(
                "带日期.csv",
                f"昵称,手机,{header}\n小美,13800138001,2024-05-20 14:30:00\n"
                "阿强,13800138002,2025/1/2\n丽丽,13800138003,2026-03-10\n",
            )
            assert result["created"] == 3, header
            days = dict(Customer.objects.values_list("nickname", "added_on"))
            assert days == {"小美": date(2024, 5, 20), "阿强": date(2025, 1, 2), "丽丽": TODAY}
            # Only the one whose date is today is a friend added today.
            assert self.growth()["today"] == 1, header

    def test_rows_without_a_date_are_imported_not_friends_added_today(self) -> None:
        rows = "".join(f"顾客{i},1390000{i:04d}\n" for i in range(30))
        assert self.run_import("无日期.csv", "昵称,手机\n" + rows)["created"] == 30
        # Five more came in a file with an empty date cell: no date either.
        more = "".join(f"老客{i},1370000{i:04d},\n" for i in range(5))
        assert self.run_import("空日期.csv", "昵称,手机,加好友日期\n" + more)["created"] == 5
        assert not Customer.objects.filter(added_on__isnull=False).exists()
        # A friend the agent adds by hand today counts today.
        actions.create_customer(
            customer=Customer(owner=self.bob, nickname="新朋友"), actor=self.bob
        )
        growth = self.growth()
        assert (growth["today"], growth["today_target"], growth["month"]) == (1, 20, 1)
        self.login(self.bob)
        dashboard = self.client.get("/analytics/")
        assert [t["done"] for t in dashboard.context["targets"]] == [1, 1]
        # The funnel: this month's line holds the friend added today, the imported theirs.
        rows = self.api(self.bob, "get", "/api/analytics/funnel").json()
        assert [(r["key"], r["added"]) for r in rows] == [("2026-03", 1), ("imported", 35)]
        assert rows[-1]["label"] == "导入，无加好友日期"
        channels = self.api(self.bob, "get", "/api/analytics/funnel", by="channel").json()
        assert [(r["key"], r["added"]) for r in channels] == [("", 1), ("imported", 35)]
        page = self.client.get("/analytics/funnel/")
        assert "导入，无加好友日期" in page.content.decode()
        assert page.context["targets"][0]["done"] == 1

    def test_a_date_filled_in_later_puts_them_in_their_month(self) -> None:
        self.run_import("无日期.csv", "昵称,手机\n小美,13800138001\n")
        Customer.objects.update(added_on=date(2026, 2, 3))
        months = queries.funnel(Customer.objects.all(), Period(), by="month")
        assert [(r["key"], r["added"]) for r in months] == [("2026-02", 1)]
        assert self.growth()["today"] == 0
