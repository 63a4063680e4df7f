from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from unittest import mock

from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from yutang.customers.models import Activity, ActivityKind, Customer, Gender, Tag
from yutang.imports.bulk import Staging, StaleRows, insert_rows, reserve_ids
from yutang.test import BaseTestCase, channel, make_customer, make_tag

IGNORED = {"id", "created", "updated"}


def stored(obj: models.Model) -> dict[str, Any]:
    """Every column of a row as read back from the database, but its key and times."""
    obj.refresh_from_db()
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    return {k: v for k, v in values.items() if k not in IGNORED}


def varied_rows(owner_id: int, channel_id: int) -> list[dict[str, Any]]:
    """Two customers: one with every column its default, one with a value of every kind."""
    return [
        {"nickname": "小美", "owner_id": owner_id},  # every other column its default
        {
            "nickname": "阿强",
            "name": "王强",
            "phone": "13800138000",
            "owner_id": owner_id,
            "gender": Gender.MALE,
            "added_on": date(1990, 5, 20),
            "channel_id": channel_id,
            "deal_amount": Decimal("12.50"),
            "notes": "=1+1 '引号' \\ 反斜杠",
            "search_pinyin": "aqiang aq",
            "cooperation": 3,
            "vip": True,
        },
    ]


class InsertRowsTests(BaseTestCase):
    def test_it_stores_what_bulk_create_stores(self) -> None:
        rows = varied_rows(self.bob.pk, channel().pk)
        ids = insert_rows(Customer, rows, return_ids=True)
        assert len(ids) == 2 and ids == sorted(ids)
        first = Customer.objects.get(pk=ids[0])
        assert first.created is not None and first.updated is not None
        assert first.lifecycle == Customer._meta.get_field("lifecycle").get_default()
        ours = [stored(Customer.objects.get(pk=pk)) for pk in ids]
        Customer.objects.filter(pk__in=ids).delete()
        made = Customer.objects.bulk_create([Customer(**row) for row in rows])
        assert ours == [stored(customer) for customer in made]

    def test_it_stores_json_enums_and_links_as_the_orm_does(self) -> None:
        customer = Customer.objects.create(owner=self.bob, nickname="小美")
        tag = make_tag("宝妈")
        data = {"source": "import", "tags": ["宝妈", "护肤"], "note": 'a "quote"'}
        assert (
            insert_rows(
                Activity,
                [
                    {
                        "customer_id": customer.pk,
                        "kind": ActivityKind.CREATED,
                        "actor_id": self.bob.pk,
                        "data": data,
                    }
                ],  # fmt: skip
            )
            == []
        )
        insert_rows(Customer.tags.through, [{"customer_id": customer.pk, "tag_id": tag.pk}])
        entry = Activity.objects.get(customer=customer)
        assert (entry.kind, entry.actor, entry.data) == ("created", self.bob, data)
        assert Activity.objects.filter(kind="created", data__source="import").exists()
        assert list(customer.tags.all()) == [tag]

    def test_it_inserts_more_rows_than_one_statement_may_carry(self) -> None:
        rows = [{"nickname": f"客户{n}", "owner_id": self.alice.pk} for n in range(2500)]
        ids = insert_rows(Customer, rows, return_ids=True)
        assert len(set(ids)) == 2500
        assert Customer.objects.get(pk=ids[-1]).nickname == "客户2499"
        assert insert_rows(Customer, []) == []

    def test_it_inserts_one_by_one_where_sqlite_cannot_return_rows(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("PostgreSQL loads rows with COPY")
        rows = [{"nickname": f"客户{n}", "owner_id": self.alice.pk} for n in range(3)]
        features = type(connection.features)
        no_returning = mock.PropertyMock(return_value=False)
        with (
            mock.patch.object(features, "can_return_rows_from_bulk_insert", no_returning),
            CaptureQueriesContext(connection) as queries,
        ):
            ids = insert_rows(Customer, rows, return_ids=True)
        assert len(queries) == 3 and not any("RETURNING" in q["sql"] for q in queries)
        assert [Customer.objects.get(pk=pk).nickname for pk in ids] == ["客户0", "客户1", "客户2"]


class StagingTests(BaseTestCase):
    def setUp(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("only SQLite imports through a staging area")
        self.staging = Staging()
        self.addCleanup(self.staging.discard)

    def test_it_moves_in_what_insert_rows_stores(self) -> None:
        rows = varied_rows(self.bob.pk, channel().pk)
        inserted = insert_rows(Customer, rows, return_ids=True)
        ours = [stored(Customer.objects.get(pk=pk)) for pk in inserted]
        Customer.objects.filter(pk__in=inserted).delete()
        ids = self.staging.add(Customer, rows, return_ids=True)
        assert not Customer.objects.filter(pk__in=ids).exists()
        self.staging.move_in()
        assert [stored(Customer.objects.get(pk=pk)) for pk in ids] == ours

    def test_its_keys_are_kept_for_its_rows_and_given_to_no_other(self) -> None:
        ids = self.staging.add(Customer, [{"nickname": "小美", "owner_id": self.bob.pk}] * 3,
                               return_ids=True)  # fmt: skip
        meanwhile = make_customer(self.bob, "别人加的")
        assert meanwhile.pk > ids[-1] and len(set(ids)) == 3
        [tag_id] = reserve_ids(Tag, 1)
        self.staging.add(Tag, [{"group_id": make_tag("宝妈").group_id, "name": "新"}], ids=[tag_id])
        links = [{"customer_id": pk, "tag_id": tag_id} for pk in ids]
        self.staging.add(Customer.tags.through, links)
        entries = [{"customer_id": pk, "kind": ActivityKind.CREATED, "data": {}} for pk in ids]
        self.staging.add(Activity, entries)
        assert Activity.objects.count() == 0
        self.staging.move_in()
        assert sorted(Customer.objects.filter(tags=tag_id).values_list("pk", flat=True)) == ids
        assert sorted(Activity.objects.values_list("customer_id", flat=True)) == ids

    def test_it_leaves_nothing_behind_when_discarded(self) -> None:
        self.staging.add(Customer, [{"nickname": "小美", "owner_id": self.bob.pk}], return_ids=True)
        self.staging.discard()
        self.staging.move_in()
        assert not Customer.objects.exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_temp_master")
            assert cursor.fetchall() == []

    def test_it_updates_rows_only_if_they_are_as_they_were_read(self) -> None:
        mei = make_customer(self.bob, "小美", city="杭州市")
        qiang = make_customer(self.bob, "阿强")
        changes = [
            {"id": c.pk, "city": "深圳市", "notes": "补充", "expected": c.nickname}
            for c in (mei, qiang)
        ]
        self.staging.update(Customer, changes, check="nickname")
        Customer.objects.filter(pk=qiang.pk).update(nickname="阿强改名")
        with self.assertRaises(StaleRows):
            self.staging.move_in()
        assert Customer.objects.get(pk=mei.pk).city == "杭州市"

        self.staging.discard()
        self.staging.update(Customer, changes[:1], check="nickname")
        self.staging.move_in()
        mei.refresh_from_db()
        assert (mei.nickname, mei.city, mei.notes) == ("小美", "深圳市", "补充")
        assert Customer.objects.get(pk=qiang.pk).city == ""
