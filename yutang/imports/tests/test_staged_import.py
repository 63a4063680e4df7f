"""On SQLite an import stages its rows and moves them in with one short transaction at the end;
whatever other users wrote in the meantime is kept, and what they took is not taken twice."""

from __future__ import annotations

import tempfile
import unittest
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from django.db import connection, transaction

from yutang.customers import actions
from yutang.customers.models import Activity, Customer, Tag
from yutang.imports import customer_sheet as importer
from yutang.imports.readers import FileRejected
from yutang.test import BaseTestCase, make_customer, make_tag


@unittest.skipUnless(connection.vendor == "sqlite", "PostgreSQL imports in one transaction")
class StagedImportTests(BaseTestCase):
    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)

    def sheet(self, text: str) -> Path:
        path = self.folder / "客户.csv"
        path.write_text(text, encoding="utf-8")
        return path

    def before_swap(self, meanwhile: Callable[[int], None]) -> Any:
        """Run `meanwhile(attempt)` as another user's write would come, after the pass has
        staged every row and before they move in."""
        move_in = importer._Writer.move_in
        attempts = []

        def moved_in(writer: importer._Writer) -> None:
            attempts.append(1)
            meanwhile(len(attempts))
            move_in(writer)

        return mock.patch.object(importer._Writer, "move_in", moved_in)

    def test_it_writes_nothing_before_the_swap(self) -> None:
        path = self.sheet("昵称,手机,标签\n小美,13800138000,新标签\n阿强,13912345678,\n")
        tags = Tag.objects.count()

        def nothing_yet(attempt: int) -> None:
            assert not Customer.objects.exists() and not Activity.objects.exists()
            assert Tag.objects.count() == tags

        with self.before_swap(nothing_yet):
            plan, committed = importer.import_customers(path, user=self.alice)
        assert committed and plan.created == 2
        mei = Customer.objects.get(phone="13800138000")
        assert [t.name for t in mei.tags.all()] == ["新标签"]
        assert mei.activities.get().data == {"source": "import", "tags": ["新标签"]}
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_temp_master")
            assert cursor.fetchall() == []  # the staging tables are gone

    def test_it_stages_nothing_and_creates_no_tag_when_rows_are_rejected(self) -> None:
        path = self.sheet("昵称,手机,标签\n小美,13800138000,新标签\n阿强,12345,\n")
        tags = Tag.objects.count()
        plan, committed = importer.import_customers(path, user=self.alice)
        assert not committed and [r.row for r in plan.rejected] == [3]
        assert not Customer.objects.exists() and Tag.objects.count() == tags

    def test_it_updates_a_customer_that_an_earlier_chunk_created(self) -> None:
        path = self.sheet(
            "昵称,手机,微信号\n甲,13800138000,\n乙,,yi_wx001\n甲又一次,13800138000,jia_wx01\n"
        )
        with mock.patch.object(importer, "CHUNK", 2):
            plan, committed = importer.import_customers(path, user=self.bob)
        assert committed and (plan.created, plan.merged) == (2, 1)
        jia = Customer.objects.get(phone="13800138000")
        assert (jia.nickname, jia.wechat_id) == ("甲", "jia_wx01")
        assert sorted(jia.activities.values_list("kind", flat=True)) == ["created", "edited"]
        assert Customer.objects.count() == 2

    def test_it_updates_a_customer_that_an_earlier_chunk_created_found_by_name(self) -> None:
        path = self.sheet("昵称,姓名,备注\n小美,王美,\n阿强,,\n小美,王美,喜欢玫瑰\n")
        with mock.patch.object(importer, "CHUNK", 2):
            plan, committed = importer.import_customers(path, user=self.bob)
        assert committed and (plan.created, plan.merged) == (2, 1)
        mei = Customer.objects.get(nickname="小美")
        assert (mei.name, mei.notes) == ("王美", "喜欢玫瑰")
        assert Customer.objects.count() == 2

    def test_it_plans_again_when_another_user_took_a_phone_meanwhile(self) -> None:
        path = self.sheet("昵称,姓名,手机\n小美,王美,13800138000\n阿强,王强,13912345678\n")

        def add_qiang(attempt: int) -> None:
            if attempt == 1:
                customer = Customer(owner=self.dave, nickname="别人加的", phone="13912345678")
                actions.create_customer(customer=customer, actor=self.dave)

        with self.before_swap(add_qiang):
            plan, committed = importer.import_customers(path, user=self.bob)
        assert committed and (plan.created, plan.updated) == (1, 1)
        qiang = Customer.objects.get(phone="13912345678")
        assert (qiang.nickname, qiang.name, qiang.owner) == ("别人加的", "王强", self.dave)
        assert Customer.objects.count() == 2

    def test_it_refuses_when_other_users_keep_taking_its_phones(self) -> None:
        phones = ["13800138000", "13912345678", "13700137000"]
        rows = "".join(f"客户{i},{phone},新标签\n" for i, phone in enumerate(phones))
        path = self.sheet("昵称,手机,标签\n" + rows)
        tags = Tag.objects.count()

        def take_one(attempt: int) -> None:
            make_customer(self.bob, f"别人加的{attempt}", phone=phones[attempt - 1])

        with self.before_swap(take_one), self.assertRaises(FileRejected) as refused:
            importer.import_customers(path, user=self.alice)
        assert "什么也没有保存" in str(refused.exception.message)
        assert sorted(Customer.objects.values_list("nickname", flat=True)) == [
            "别人加的1", "别人加的2", "别人加的3",
        ]  # fmt: skip
        assert Tag.objects.count() == tags and not Activity.objects.exists()

    def test_it_updates_the_customer_as_another_user_left_it(self) -> None:
        customer = make_customer(self.bob, "老客户", phone="13800138000")
        path = self.sheet("昵称,姓名,手机\n小美,王美,13800138000\n")

        def edit_notes(attempt: int) -> None:
            if attempt > 1:
                return
            edited = Customer.objects.get(pk=customer.pk)
            before = actions.snapshot(edited)
            edited.notes = "刚刚记下的"
            actions.update_customer(customer=edited, before=before, actor=self.sam)

        with self.before_swap(edit_notes):
            plan, committed = importer.import_customers(path, user=self.bob)
        assert committed and plan.updated == 1
        customer.refresh_from_db()
        assert (customer.name, customer.notes) == ("王美", "刚刚记下的")

    def test_it_plans_again_when_a_customer_to_update_was_deleted(self) -> None:
        customer = make_customer(self.bob, "老客户", phone="13800138000")
        path = self.sheet("昵称,姓名,手机\n小美,王美,13800138000\n")

        def delete(attempt: int) -> None:
            if attempt == 1:
                Customer.objects.filter(pk=customer.pk).delete()

        with self.before_swap(delete):
            plan, committed = importer.import_customers(path, user=self.bob)
        assert committed and (plan.created, plan.updated) == (1, 0)
        assert Customer.objects.get().nickname == "小美"

    def test_its_updates_record_what_the_customer_actions_record(self) -> None:
        old = make_tag("老标签")
        for phone in ("13800138000", "13912345678"):
            make_customer(self.bob, "老客户", phone=phone, city="杭州市").tags.add(old)

        def sheet(phone: str) -> Path:
            header = "昵称,姓名,手机,城市,标签,来源,备注\n"
            return self.sheet(header + f"新名字,王美,{phone},深圳市,老标签 新标签,抖音,补充\n")

        plan, committed = importer.import_customers(
            sheet("13800138000"), user=self.alice, rule="overwrite"
        )
        assert committed and plan.updated == 1
        # The same row through update_customer, as the import does it on PostgreSQL.
        direct = importer._Pass(sheet("13912345678"), user=self.alice, rule="overwrite",
                                mapping=None, write=True)  # fmt: skip
        with transaction.atomic():
            assert direct.run(None).updated == 1

        def result(phone: str) -> tuple[Any, ...]:
            customer = Customer.objects.get(phone=phone)
            fields = {f.attname: getattr(customer, f.attname)
                      for f in Customer._meta.concrete_fields}  # fmt: skip
            for unlike in ("id", "phone", "created", "updated"):
                del fields[unlike]
            timeline = [(a.kind, a.actor_id, a.data) for a in customer.activities.order_by("pk")]
            return fields, timeline, sorted(t.name for t in customer.tags.all())

        staged = result("13800138000")
        assert staged == result("13912345678")
        assert staged[0]["name"] == "王美" and staged[0]["city"] == "深圳市"
        assert [kind for kind, _actor, _data in staged[1]] == ["edited", "tagged"]
        assert staged[2] == ["新标签", "老标签"]

    def test_it_keeps_what_others_wrote_meanwhile_to_columns_it_does_not_touch(self) -> None:
        customer = make_customer(self.bob, "老客户", phone="13800138000")
        path = self.sheet("昵称,姓名,手机\n小美,王美,13800138000\n")

        def mark_vip(attempt: int) -> None:
            # As the nightly refresh writes: an UPDATE that leaves `updated` alone.
            Customer.objects.filter(pk=customer.pk).update(vip=True)

        with self.before_swap(mark_vip):
            plan, committed = importer.import_customers(path, user=self.bob)
        assert committed and plan.updated == 1
        customer.refresh_from_db()
        assert (customer.name, customer.vip) == ("王美", True)
