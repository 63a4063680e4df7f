"""The list exports read back cell by cell: the types a spreadsheet sorts and sums by, the
formulas it must never run, the branch an agent must never see past, and a number of queries
that stays the same however long the list."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest.mock import patch

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from yutang.catalog.models import Product
from yutang.customers.models import Channel, Customer, Tag, TagGroup
from yutang.followups.models import FollowUp
from yutang.imports.exports import _tag_names
from yutang.orders.actions import LineInput, place_order
from yutang.orders.models import Order
from yutang.test import BaseTestCase, make_customer


def exported(client: Any, what: str = "customers", **params: str) -> list[dict[str, Any]]:
    """The rows of an export, each as {header: cell}."""
    response = client.get(f"/export/{what}.xlsx", params)
    assert response.status_code == 200, response.status_code
    data = b"".join(response.streaming_content)
    header, *rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    )
    return [dict(zip(map(str, header), row, strict=True)) for row in rows]


class CellTests(BaseTestCase):
    def test_it_writes_every_column_with_its_type(self) -> None:
        later = TagGroup.objects.create(name="兴趣", position=9)
        first = TagGroup.objects.create(name="年龄", position=1)
        yoga = Tag.objects.create(group=later, name="瑜伽")
        skin = Tag.objects.create(group=later, name="护肤")
        age = Tag.objects.create(group=first, name="90后")
        friend = make_customer(self.alice, "老王")
        customer = make_customer(
            self.alice, "小美", name="李美", wechat_id="mei_88", phone="13800138000",
            gender="f", birthday_calendar="solar", birthday_month=5, birthday_day=20,
            birthday_year=1990, province="浙江省", city="杭州市", district="西湖区",
            address="文三路1号", channel=Channel.objects.get(name="朋友圈"), grade="A",
            stage="b", lifecycle="new", referrer=friend, added_on=date(2026, 3, 4),
            visited_store=True, vip=False, do_not_disturb=True, consumed=False,
            notes="喜欢玫瑰味\n下午联系",
        )  # fmt: skip
        customer.tags.add(yoga, skin, age)
        lunar = make_customer(
            self.alice, "阿芳", birthday_calendar="lunar", birthday_month=1, birthday_day=7
        )
        self.login(self.alice)
        rows = {row["昵称"]: row for row in exported(self.client)}
        row = rows["小美"]
        assert row["编号"] == customer.pk
        assert row["手机号"] == "13800138000"  # text, as it was typed
        assert row["微信号"] == "mei_88"
        assert row["性别"] == "女"
        assert row["生日"] == date(1990, 5, 20)
        assert row["来源"] == "朋友圈"
        assert row["标签"] == "、".join(t.name for t in customer.tags.all()) == "90后、护肤、瑜伽"
        assert row["转介绍人"] == "老王"
        assert row["加好友日期"] == date(2026, 3, 4)
        assert row["到过店"] is True and row["VIP"] is False and row["免打扰"] is True
        assert row["备注"] == "喜欢玫瑰味\n下午联系"
        created = timezone.localtime(customer.created).replace(tzinfo=None)
        assert isinstance(row["创建于"], datetime)
        assert abs(row["创建于"] - created) < timedelta(seconds=1)
        assert row["负责人"] == self.alice.display_name
        # Without a year a birthday is the label the customer page shows.
        assert rows["阿芳"]["生日"] == lunar.birthday_label == "农历正月初七"
        assert rows["老王"]["标签"] == "" and rows["老王"]["转介绍人"] == ""
        assert [str(h) for h in rows["小美"]][:3] == ["编号", "昵称", "真实姓名"]

    def test_it_neutralises_formulas_in_every_text_column(self) -> None:
        payloads = ["=1+1", "＝1+1", "＋86", "－3", "＠SUM(1)", "+1", "-2", "@x", " =1", "\t=1"]
        for payload in payloads:
            make_customer(self.alice, payload, notes=payload, address=payload, name="x")
        make_customer(self.alice, "_x0041_&<b>", notes="小美=好")
        self.login(self.alice)
        rows = exported(self.client)
        by_nickname = {row["昵称"]: row for row in rows}
        for payload in payloads:
            row = by_nickname["'" + payload]
            assert row["备注"] == row["详细地址"] == "'" + payload, row
        # Escapes and markup come back as the text they are; a sign inside text stays.
        assert by_nickname["_x0041_&<b>"]["备注"] == "小美=好"

    def test_it_exports_what_the_list_filters_and_sorts(self) -> None:
        make_customer(self.alice, "甲", grade="A")
        make_customer(self.alice, "乙", grade="B")
        self.login(self.alice)
        assert [r["昵称"] for r in exported(self.client, grade="A")] == ["甲"]
        assert sorted(r["昵称"] for r in exported(self.client, sort="-profit")) == ["乙", "甲"]


class BranchTests(BaseTestCase):
    def test_an_agent_never_sees_another_branch(self) -> None:
        outsider = make_customer(self.charlie, "查理的客户")
        own = make_customer(self.bob, "鲍勃的客户", referrer=outsider)
        make_customer(self.dave, "戴夫的客户", referrer=own)
        make_customer(self.charlie, "查理的二号", referrer=own)
        self.login(self.bob)
        rows = {r["昵称"]: r for r in exported(self.client)}
        assert sorted(rows) == ["戴夫的客户", "鲍勃的客户"]
        assert rows["鲍勃的客户"]["转介绍人"] == ""  # charlie's customer stays anonymous
        assert rows["戴夫的客户"]["转介绍人"] == "鲍勃的客户"  # the downline is the branch
        self.login(self.dave)
        rows = {r["昵称"]: r for r in exported(self.client)}
        assert sorted(rows) == ["戴夫的客户"]
        assert rows["戴夫的客户"]["转介绍人"] == ""  # bob's customer is above dave's branch
        self.login(self.charlie)
        rows = {r["昵称"]: r for r in exported(self.client)}
        assert sorted(rows) == ["查理的二号", "查理的客户"]
        assert rows["查理的二号"]["转介绍人"] == ""
        assert all("鲍勃" not in str(cell) for row in rows.values() for cell in row.values())
        self.login(self.alice)
        rows = {r["昵称"]: r for r in exported(self.client)}
        assert rows["鲍勃的客户"]["转介绍人"] == "查理的客户"


class OrderAndFollowUpTests(BaseTestCase):
    def test_it_writes_orders_and_follow_ups_with_their_amounts(self) -> None:
        mask = Product.objects.create(name="面膜", sku="M1", price=Decimal("98"), cost=Decimal(30))
        cream = Product.objects.create(name="面霜", sku="C1", price=Decimal("10"), cost=Decimal(4))
        customer = make_customer(
            self.bob, "小美", name="王美", phone="13800138000", address="朝阳路1号"
        )
        order = place_order(
            customer=customer, seller=self.dave, actor=self.bob, status="paid",
            lines=[LineInput(product=cream, quantity=3, unit_price=Decimal("19.99")),
                   LineInput(product=mask, quantity=1)],
            discount=Decimal("5"), payment_method="alipay", note="=1+1",
        )  # fmt: skip
        free = place_order(
            customer=customer, seller=self.bob, actor=self.bob,
            lines=[LineInput(product=mask, quantity=1)], discount=Decimal(500),
        )  # fmt: skip
        place_order(
            customer=make_customer(self.charlie, "查理的客户"), seller=self.charlie,
            actor=self.charlie, lines=[LineInput(product=mask, quantity=1)],
        )  # fmt: skip
        FollowUp.objects.create(
            customer=customer, author=self.dave, summary="＝SUM(1)", amount=Decimal("5.50"),
            next_contact_on=date(2026, 5, 1), channel="call", stage="a",
        )  # fmt: skip
        FollowUp.objects.create(customer=customer, author=None, summary="聊到价格")
        self.login(self.bob)
        rows = {row["订单"]: row for row in exported(self.client, "orders")}
        assert sorted(rows) == sorted([order.pk, free.pk])
        row = rows[order.pk]
        assert row["商品"] == "面霜×3、面膜×1"  # in the order of the lines
        assert row["小计"] == float(order.subtotal()) == 157.97
        assert row["合计"] == float(order.total()) and row["成本"] == float(order.cost()) == 42
        assert row["备注"] == "'=1+1" and row["销售人"] == self.dave.display_name
        assert row["状态"] == order.get_status_display()
        assert row["付款方式"] == order.get_payment_method_display()
        assert isinstance(row["已付款"], datetime)
        assert rows[free.pk]["合计"] == 0  # a discount larger than the goods makes it free
        # Where a parcel goes: the order's own details, else the customer's as they are now.
        assert (row["收货人"], row["收货电话"], row["收货地址"]) == (
            "王美",
            "13800138000",
            "朝阳路1号",
        )
        Order.objects.filter(pk=free.pk).update(recipient_address="")
        Customer.objects.filter(pk=customer.pk).update(province="北京市", address="新地址2号")
        rows = {row["订单"]: row for row in exported(self.client, "orders")}
        assert rows[free.pk]["收货地址"] == "北京市新地址2号"
        assert rows[order.pk]["收货地址"] == "朝阳路1号"
        follow_ups = exported(self.client, "followups")
        assert {r["聊到哪"] for r in follow_ups} == {"'＝SUM(1)", "聊到价格"}
        called = next(r for r in follow_ups if r["预计金额"])
        assert called["预计金额"] == 5.5 and called["下次联系日期"] == date(2026, 5, 1)
        assert called["负责人"] == self.dave.display_name and called["方式"] == "电话"
        assert next(r for r in follow_ups if not r["预计金额"])["负责人"] == ""
        self.login(self.charlie)
        assert [r["客户"] for r in exported(self.client, "orders")] == ["查理的客户"]
        assert exported(self.client, "followups") == []


@patch("yutang.imports.exports.CHUNK", 10)
class QueryCountTests(BaseTestCase):
    """Rows are read in chunks (of 10 here): the number of queries must not grow with them."""

    def queries(self, user: Any, what: str) -> int:
        self.login(user)
        with CaptureQueriesContext(connection) as queries:
            exported(self.client, what)
        return len(queries)

    def add_customers(self, owner: Any, count: int, tags: list[Tag]) -> None:
        start = Customer.objects.count()
        Customer.objects.bulk_create(
            Customer(owner=owner, nickname=f"客户{start + i}") for i in range(count)
        )
        links = [
            Customer.tags.through(customer_id=pk, tag_id=tags[pk % len(tags)].pk)
            for pk in Customer.objects.filter(owner=owner).values_list("pk", flat=True)
        ]
        Customer.tags.through.objects.bulk_create(links, ignore_conflicts=True)

    def add_orders(self, owner: Any, count: int, product: Product) -> None:
        for customer in Customer.objects.filter(owner=owner)[:count]:
            place_order(
                customer=customer, seller=owner, actor=owner,
                lines=[LineInput(product=product, quantity=1)],
            )  # fmt: skip
            FollowUp.objects.create(customer=customer, author=owner, summary="聊到价格")

    def test_its_queries_do_not_grow_with_the_list(self) -> None:
        group = TagGroup.objects.create(name="兴趣")
        tags = [Tag.objects.create(group=group, name=n) for n in ("护肤", "瑜伽")]
        product = Product.objects.create(name="面膜", sku="M1", price=Decimal(98))
        users = (self.alice, self.bob)
        for user in users:
            self.add_customers(user, 3, tags)
            self.add_orders(user, 3, product)
        lists = ("customers", "orders", "followups")
        few = {(user, what): self.queries(user, what) for user in users for what in lists}
        # More than two chunks of rows, each customer with a tag, each order with a line.
        for user in users:
            self.add_customers(user, 25, tags)
            self.add_orders(user, 25, product)
        assert Customer.objects.filter(owner=self.bob).count() == 28
        for (user, what), count in few.items():
            assert self.queries(user, what) == count, (user, what)


class VocabularyTests(BaseTestCase):
    def test_a_tag_added_or_deleted_during_an_export_does_not_break_it(self) -> None:
        group = TagGroup.objects.create(name="兴趣")
        skin = Tag.objects.create(group=group, name="护肤")
        names = _tag_names()
        assert names([skin.pk]) == "护肤"
        yoga = Tag.objects.create(group=group, name="瑜伽")  # while the rows are being read
        assert names([yoga.pk, skin.pk]) == "护肤、瑜伽"
        gone = yoga.pk
        yoga.delete()
        assert names([skin.pk, gone]) == "护肤、瑜伽"  # still known: read once per export
        assert names([skin.pk, gone + 1]) == "护肤"
