from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from yutang.customers.models import Customer
from yutang.test import BaseTestCase, channel, make_customer, make_tag


class SearchTests(BaseTestCase):
    def setUp(self) -> None:
        self.zhang = make_customer(
            self.bob, "小张", name="张三", phone="13800138000", wechat_id="zhang_3x"
        )
        self.li = make_customer(self.bob, "李四的店", name="李四", phone="13912345678")
        self.login(self.alice)

    def found(self, q: str) -> list[str]:
        response = self.client.get("/customers/", {"q": q})
        assert response.status_code == 200
        return [c.nickname for c in response.context["page"]]

    def test_it_finds_by_pinyin_initials_and_full_pinyin(self) -> None:
        assert self.found("zs") == ["小张"]
        assert self.found("zhangsan") == ["小张"]
        assert self.found("ZhangSan") == ["小张"]
        assert self.found("lsdd") == ["李四的店"]

    def test_it_finds_by_name_nickname_wechat_id_and_phone(self) -> None:
        assert self.found("张三") == ["小张"]
        assert self.found("的店") == ["李四的店"]
        assert self.found("zhang_3") == ["小张"]
        assert self.found("1380013") == ["小张"]
        assert self.found("5678") == ["李四的店"]
        assert self.found("+86 139 1234") == ["李四的店"]
        assert self.found("nobody") == []

    def test_it_shows_agents_only_their_branch(self) -> None:
        make_customer(self.charlie, "张三丰", name="张三丰")
        self.login(self.bob)
        assert self.found("zs") == ["小张"]
        self.login(self.charlie)
        assert self.found("zs") == ["张三丰"]

    def test_it_answers_htmx_with_the_results_only(self) -> None:
        response = self.client.get("/customers/", {"q": "zs"}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert "小张" in html and "<html" not in html


class FilterTests(BaseTestCase):
    def setUp(self) -> None:
        self.vegan, self.runner = make_tag("素食"), make_tag("跑步")
        self.a = make_customer(self.bob, "甲", grade="A", vip=True, channel=channel("抖音"))
        self.b = make_customer(self.dave, "乙", grade="B", visited_store=True)
        self.c = make_customer(self.bob, "丙")
        self.a.tags.add(self.vegan, self.runner)
        self.b.tags.add(self.vegan)
        self.login(self.alice)

    def found(self, **params: Any) -> set[str]:
        response = self.client.get("/customers/", params)
        return {c.nickname for c in response.context["page"]}

    def test_it_filters(self) -> None:
        assert self.found(grade="A") == {"甲"}
        assert self.found(grade=["A", "B"]) == {"甲", "乙"}
        assert self.found(grade="none") == {"丙"}
        assert self.found(tag=[self.vegan.pk, self.runner.pk]) == {"甲", "乙"}
        assert self.found(tag=[self.vegan.pk, self.runner.pk], tag_mode="all") == {"甲"}
        assert self.found(channel=channel("抖音").pk) == {"甲"}
        assert self.found(owner=self.dave.pk) == {"乙"}
        assert self.found(visited_store="true") == {"乙"}
        assert self.found(visited_store="false") == {"甲", "丙"}
        assert self.found(vip="true") == {"甲"}

    def test_it_sorts(self) -> None:
        response = self.client.get("/customers/", {"sort": "grade"})
        assert [c.nickname for c in response.context["page"]] == ["甲", "乙", "丙"]
        response = self.client.get("/customers/", {"sort": "name"})
        assert [c.nickname for c in response.context["page"]] == ["丙", "甲", "乙"]

    def test_it_ignores_an_agent_filtering_on_another_branch(self) -> None:
        self.login(self.charlie)
        response = self.client.get("/customers/", {"owner": self.bob.pk})
        assert list(response.context["page"]) == []
        assert "owner" in response.context["form"].errors

    def test_it_reports_a_bad_filter_instead_of_failing(self) -> None:
        response = self.client.get("/customers/", {"grade": "Z", "tag": "abc"})
        assert response.status_code == 200
        assert response.context["form"].errors


class QueryCountTests(BaseTestCase):
    def test_it_uses_the_same_number_of_queries_for_any_page_size(self) -> None:
        tags = [make_tag(f"标签{i}") for i in range(3)]
        for i in range(40):
            c = make_customer(self.bob if i % 2 else self.dave, f"客户{i}", channel=channel())
            c.tags.add(*tags[: i % 4])
        self.login(self.bob)
        counts = []
        for size in (5, 40):
            with override_settings(YUTANG_PAGE_SIZE=size), CaptureQueriesContext(connection) as ctx:
                response = self.client.get("/customers/", {"q": "kh"})
            assert len(response.context["page"]) == size
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1]
        assert counts[0] <= 10


class EscapingTests(BaseTestCase):
    def test_it_renders_html_in_a_nickname_as_text(self) -> None:
        make_customer(self.alice, "<script>alert(1)</script>")
        self.login(self.alice)
        html = self.client.get("/customers/").content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


class PaginationTests(BaseTestCase):
    def test_it_pages_and_survives_a_bad_page_number(self) -> None:
        Customer.objects.bulk_create(
            [Customer(owner=self.alice, nickname=f"c{i}") for i in range(45)]
        )
        self.login(self.alice)
        assert len(self.client.get("/customers/", {"page": 3}).context["page"]) == 5
        assert self.client.get("/customers/", {"page": "x"}).status_code == 200
        assert self.client.get("/customers/", {"page": 999}).context["page"].number == 3
