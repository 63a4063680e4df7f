"""The customer list shows its active filters as chips, each with a × that removes it, and
leaves the filter panel folded: a tap on a chart lands on the results."""

from __future__ import annotations

import html as htmllib
import re

from yutang.customers.models import Customer
from yutang.test import BaseTestCase, make_customer


class ActiveFilterChipTests(BaseTestCase):
    def setUp(self) -> None:
        customer = make_customer(self.bob, "小美", grade="A")
        Customer.objects.filter(pk=customer.pk).update(stage="b", value_class="A")
        self.login(self.bob)

    def chips(self, query: str) -> list[tuple[str, str]]:
        page = self.client.get(f"/customers/?{query}").content.decode()
        found = re.findall(r'<a class="chip" href="\?([^"]*)"[^>]*>(.*?)<span class="x"', page)
        return [
            (htmllib.unescape(href), re.sub(r"<[^>]+>", "", text).strip()) for href, text in found
        ]

    def test_each_active_filter_is_a_chip_that_removes_itself(self) -> None:
        chips = self.chips("rfm=important_keep&grade=A&grade=B&stage=b&value_class=A&sort=name")
        assert [text for _href, text in chips] == [
            "RFM 重要保持",
            "等级 A · 即将成交",
            "等级 B · 买过竞品",
            "阶段 b · 找到痛点，还没认可产品",
            "价值 A · 头部",
        ]
        # The × of grade A keeps every other filter, grade B and the sort.
        assert chips[1][0] == "rfm=important_keep&grade=B&stage=b&value_class=A&sort=name"
        chips = self.chips("repeat=1&vip=true&cohort=2024-03&q=小")
        assert [text for _href, text in chips] == [
            "买过两次或以上",
            "VIP",
            "首次购买 2024-03",
            "搜索 小",
        ]
        page = self.client.get("/customers/?value_class=A&repeat=1").content.decode()
        assert '<a class="clearall button small" href="/customers/">全部清除</a>' in page

    def test_the_filter_panel_is_folded_and_chips_only_for_filters(self) -> None:
        page = self.client.get("/customers/?value_class=A").content.decode()
        assert '<details class="morefilters">' in page
        assert self.chips("") == [] and self.chips("sort=name&value_period=30") == []
        # A value the form refuses gets no chip (the error says why).
        assert self.chips("grade=Q") == []
        # The chips come with the results, so that an htmx update of the list shows them too.
        partial = self.client.get("/customers/?stage=a", headers={"HX-Request": "true"})
        assert "阶段 <b>a · 下次就能成交</b>" in partial.content.decode()
