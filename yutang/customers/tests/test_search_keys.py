"""The pinyin search key fits its column whatever the names: a long nickname full of
heteronyms has more spellings than 500 characters hold, and PostgreSQL refuses the overflow."""

from __future__ import annotations

from yutang.customers.models import Customer
from yutang.lib.pinyin import search_keys
from yutang.test import BaseTestCase, make_customer

# 曾 (zeng/ceng) and 单 (shan/dan/chan) have several readings each.
LONG_NICKNAME = "曾单" * 32
LONG_NAME = "单曾" * 16


class SearchKeyTests(BaseTestCase):
    def test_it_saves_a_long_nickname_and_still_finds_it(self) -> None:
        customer = make_customer(self.bob, LONG_NICKNAME, name=LONG_NAME)
        limit = Customer._meta.get_field("search_pinyin").max_length
        assert limit is not None and len(customer.search_pinyin) <= limit
        # Every text keeps its first spelling and its initials, the name's included.
        for text in (LONG_NICKNAME, LONG_NAME):
            spelling, initials = search_keys(text).split()[:2]
            assert f" {initials}" in f" {customer.search_pinyin}"
            assert spelling in customer.search_pinyin.split()
        found = Customer.objects.visible_to(self.bob).search(search_keys(LONG_NAME).split()[1])
        assert list(found) == [customer]

    def test_it_cuts_only_at_a_keys_end(self) -> None:
        keys = search_keys(LONG_NICKNAME, LONG_NAME, limit=500)
        assert len(keys) <= 500
        assert set(keys.split()) <= set(search_keys(LONG_NICKNAME, LONG_NAME).split())
        assert search_keys("小美", "王美", limit=500) == search_keys("小美", "王美")
