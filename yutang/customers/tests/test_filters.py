"""filter_customers: each dimension of the customer list, their combinations, the filter dict as
JSON (what a segment stores), and scoping (it only ever narrows the queryset it is given)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.http import QueryDict

from yutang.analytics.queries import filter_customers_for_period
from yutang.customers.api import _list_filters
from yutang.customers.filters import RFM_KEYS, CustomerFilters, filter_customers
from yutang.customers.forms import CustomerFilterForm
from yutang.customers.models import Customer, CustomerStats
from yutang.test import BaseTestCase, channel, make_customer, make_tag

SHANGHAI = ZoneInfo("Asia/Shanghai")


def stats(customer: Customer, **fields: Any) -> CustomerStats:
    return CustomerStats.objects.create(customer=customer, **fields)


class FilterTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.mum = make_tag("宝妈")
        self.skin = make_tag("护肤")
        self.a = make_customer(
            self.bob, "甲", name="张三", grade="A", vip=True, lifecycle="loyal", stage="a"
        )
        self.a.tags.add(self.mum, self.skin)
        self.b = make_customer(self.bob, "乙", grade="B", visited_store=True, stage="b")
        self.b.tags.add(self.mum)
        self.c = make_customer(self.dave, "丙", do_not_disturb=True, channel=channel())
        self.d = make_customer(self.charlie, "丁", grade="A", vip=True, value_class="A")
        self.d.tags.add(self.mum)

    def names(self, filters: CustomerFilters, user: Any = None) -> list[str]:
        user = user or self.alice
        qs = filter_customers_for_period(Customer.objects.visible_to(user), filters, user=user)
        return sorted(c.nickname for c in qs)


class DimensionTests(FilterTestCase):
    def test_it_filters_nothing_on_an_empty_dict(self) -> None:
        assert self.names({}) == ["丁", "丙", "乙", "甲"]
        assert self.names({"grade": [], "tag": [], "vip": None, "q": "", "rfm": ""}) == [
            "丁",
            "丙",
            "乙",
            "甲",
        ]

    def test_it_searches(self) -> None:
        assert self.names({"q": "zs"}) == ["甲"]
        assert self.names({"q": " 张 三 "}) == ["甲"]

    def test_it_filters_by_grade_with_none_for_the_ungraded(self) -> None:
        assert self.names({"grade": ["A"]}) == ["丁", "甲"]
        assert self.names({"grade": ["none"]}) == ["丙"]
        assert self.names({"grade": ["B", "none"]}) == ["丙", "乙"]

    def test_it_filters_by_any_or_all_tags(self) -> None:
        tags = [self.mum.pk, self.skin.pk]
        assert self.names({"tag": tags}) == ["丁", "乙", "甲"]
        assert self.names({"tag": tags, "tag_mode": "any"}) == ["丁", "乙", "甲"]
        assert self.names({"tag": tags, "tag_mode": "all"}) == ["甲"]
        # A tag given twice is one tag, not a second one to have.
        assert self.names({"tag": [self.skin.pk, self.skin.pk], "tag_mode": "all"}) == ["甲"]

    def test_it_filters_by_channel_owner_lifecycle_and_stage(self) -> None:
        assert self.names({"channel": channel().pk}) == ["丙"]
        assert self.names({"owner": self.bob.pk}) == ["乙", "甲"]
        assert self.names({"lifecycle": ["loyal", "fan"]}) == ["甲"]
        assert self.names({"stage": ["a", "b"]}) == ["乙", "甲"]

    def test_it_filters_by_each_flag_both_ways(self) -> None:
        assert self.names({"vip": True}) == ["丁", "甲"]
        assert self.names({"vip": False}) == ["丙", "乙"]
        assert self.names({"visited_store": True}) == ["乙"]
        assert self.names({"do_not_disturb": True}) == ["丙"]
        assert self.names({"do_not_disturb": False, "vip": None}) == ["丁", "乙", "甲"]

    def test_it_filters_by_value_class_and_flag(self) -> None:
        Customer.objects.filter(pk=self.b.pk).update(value_class="C", value_flag="loss")
        assert self.names({"value_class": ["A"]}) == ["丁"]
        assert self.names({"value_class": ["none"]}) == ["丙", "甲"]
        assert self.names({"value_class": ["A", "C"]}) == ["丁", "乙"]
        assert self.names({"value_flag": "loss"}) == ["乙"]

    def test_it_filters_by_cohort_and_repeat_purchases(self) -> None:
        stats(self.a, orders=3, first_paid_at=datetime(2024, 3, 5, 10, tzinfo=SHANGHAI))
        stats(self.b, orders=1, first_paid_at=datetime(2024, 4, 1, 10, tzinfo=SHANGHAI))
        assert self.names({"cohort": "2024-03"}) == ["甲"]
        assert self.names({"cohort": "2024-05"}) == []
        assert self.names({"repeat": True}) == ["甲"]
        assert self.names({"repeat": False}) == ["丁", "丙", "乙", "甲"]

    def test_it_filters_by_rfm_class_against_the_users_buyers(self) -> None:
        stats(self.a, orders=5, revenue=Decimal(1000), last_paid_day=800)
        stats(self.b, orders=1, revenue=Decimal(10), last_paid_day=100)
        assert self.names({"rfm": "important_value"}, self.bob) == ["甲"]
        assert self.names({"rfm": "general_retain"}, self.bob) == ["乙"]
        assert self.names({"rfm": "important_keep"}, self.bob) == []
        # No buyer in charlie's branch: no threshold, so no RFM class has anyone.
        assert all(self.names({"rfm": key}, self.charlie) == [] for key in RFM_KEYS)

    def test_it_sorts(self) -> None:
        stats(self.a, profit=Decimal(50))
        stats(self.c, profit=Decimal(200))
        stats(self.d, profit=Decimal(-5))

        def order(sort: str) -> list[str]:
            qs = filter_customers(Customer.objects.all(), {"sort": sort}, user=self.alice)
            return [c.nickname for c in qs]

        assert order("-created") == ["丁", "丙", "乙", "甲"] == order("")
        assert order("created") == ["甲", "乙", "丙", "丁"]
        assert order("name") == ["丙", "丁", "甲", "乙"]  # bing, ding, jia, yi
        assert order("grade")[:2] == ["丁", "甲"] and order("grade")[-1] == "丙"
        assert order("-profit") == ["丙", "甲", "乙", "丁"]  # no statistics row: 0
        assert order("profit") == ["丁", "乙", "甲", "丙"]

    def test_it_annotates_the_profit_of_the_chosen_period(self) -> None:
        stats(self.a, profit=Decimal(50))
        qs = filter_customers(Customer.objects.filter(pk=self.a.pk), {}, user=self.alice)
        assert qs.get().profit == Decimal(50)
        last_month: CustomerFilters = {"value_period": "30"}
        qs = filter_customers_for_period(
            Customer.objects.filter(pk=self.a.pk), last_month, user=self.alice
        )
        assert qs.get().profit == 0  # the statistics row is all time; no order this month
        # The customers app alone has no orders: it refuses a period rather than give all time.
        with self.assertRaises(ValueError):
            filter_customers(Customer.objects.all(), last_month, user=self.alice)


class CombinationTests(FilterTestCase):
    def test_the_dimensions_narrow_together(self) -> None:
        assert self.names({"grade": ["A"], "vip": True}) == ["丁", "甲"]
        assert self.names({"grade": ["A"], "vip": True, "owner": self.bob.pk}) == ["甲"]
        assert self.names({"tag": [self.mum.pk], "grade": ["B"], "stage": ["b"]}) == ["乙"]
        assert self.names({"tag": [self.mum.pk], "q": "丁", "value_class": ["A"]}) == ["丁"]
        assert self.names({"tag": [self.mum.pk], "do_not_disturb": True}) == []

    def test_a_filtered_sorted_list_keeps_the_sort(self) -> None:
        filters: CustomerFilters = {"tag": [self.mum.pk], "sort": "created"}
        qs = filter_customers(Customer.objects.all(), filters, user=self.alice)
        assert [c.nickname for c in qs] == ["甲", "乙", "丁"]


class JsonTests(FilterTestCase):
    FILTERS: CustomerFilters = {
        "q": "甲",
        "grade": ["A", "none"],
        "tag_mode": "all",
        "lifecycle": ["loyal"],
        "stage": ["a"],
        "visited_store": None,
        "vip": True,
        "do_not_disturb": False,
        "value_class": ["none"],
        "value_flag": "",
        "rfm": "",
        "cohort": "",
        "repeat": False,
        "value_period": "90",
        "sort": "name",
    }

    def test_the_dict_round_trips_through_json_to_the_same_list(self) -> None:
        filters: CustomerFilters = {**self.FILTERS, "tag": [self.mum.pk, self.skin.pk]}
        filters["owner"] = self.bob.pk
        stored = json.loads(json.dumps(filters))
        assert stored == filters
        assert self.names(stored) == self.names(filters) == ["甲"]

    def test_the_forms_dict_is_json_and_the_same_list_as_the_form(self) -> None:
        query = QueryDict(mutable=True)
        query.setlist("tag", [str(self.mum.pk), str(self.skin.pk)])
        query.update({"tag_mode": "all", "grade": "A", "vip": "true", "sort": "name"})
        form = CustomerFilterForm(query, user=self.bob)
        assert form.is_valid(), form.errors
        filters = form.filters()
        assert json.loads(json.dumps(filters)) == filters
        assert filters["tag"] == [self.mum.pk, self.skin.pk] and filters["vip"] is True
        via_form = filter_customers_for_period(
            Customer.objects.visible_to(self.bob), form.filters(), user=self.bob
        )
        assert [c.nickname for c in via_form] == ["甲"] == self.names(filters, self.bob)

    def test_the_api_and_the_page_clean_to_the_same_dict(self) -> None:
        query = QueryDict(mutable=True)
        query.setlist("grade", ["A", "none"])
        query.setlist("lifecycle", ["loyal"])
        query.update(
            {
                "q": "zs",
                "tag": str(self.mum.pk),
                "channel": str(channel().pk),
                "owner": str(self.dave.pk),
            }
        )
        form = CustomerFilterForm(query, user=self.bob)
        assert form.is_valid(), form.errors
        from_api, errors = _list_filters(
            self.bob,
            q="zs",
            grade=["A", "none"],
            tag=["宝妈"],
            tag_mode="any",
            channel=channel().name,
            owner="dave",
            lifecycle=["loyal"],
            stage=[],
            sort="-created",
        )
        assert errors == {}
        page = form.filters()
        assert {k: v for k, v in page.items() if k in from_api} == from_api


class ScopingTests(FilterTestCase):
    def test_it_never_widens_a_visible_to_queryset(self) -> None:
        stats(self.a, orders=5, revenue=Decimal(1000), last_paid_day=800)
        stats(self.b, orders=1, revenue=Decimal(10), last_paid_day=100)
        stats(self.d, orders=5, revenue=Decimal(1000), last_paid_day=800)
        everyone = [self.alice, self.sam, self.bob, self.dave, self.charlie]
        cases: list[CustomerFilters] = [
            {},
            {"owner": self.charlie.pk},
            {"owner": self.bob.pk},
            {"tag": [self.mum.pk]},
            {"grade": ["A"], "vip": True},
            {"rfm": "important_value"},
            {"repeat": True, "sort": "-profit"},
            {"grade": ["none"], "value_class": ["none"]},
        ]
        for user in everyone:
            visible = set(Customer.objects.visible_to(user).values_list("pk", flat=True))
            for filters in cases:
                scoped = Customer.objects.visible_to(user)
                found = set(
                    filter_customers(scoped, filters, user=user).values_list("pk", flat=True)
                )
                assert found <= visible, (user, filters)
        # Another branch's owner or tag gives an agent nothing of that branch, and RFM classes
        # are measured against the user's own buyers: charlie's only buyer is at his own mean.
        assert self.names({"owner": self.charlie.pk}, self.bob) == []
        assert self.names({"tag": [self.mum.pk]}, self.bob) == ["乙", "甲"]
        assert self.names({"rfm": "important_value"}, self.alice) == ["丁", "甲"]
        assert self.names({"rfm": "important_value"}, self.bob) == ["甲"]
        assert self.names({"rfm": "important_value"}, self.charlie) == []
        assert self.names({"rfm": "general_retain"}, self.charlie) == ["丁"]
        assert self.names({"rfm": "important_value"}, self.dave) == []
