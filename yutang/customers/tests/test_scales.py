"""The three A/B/C scales are never shown bare: each badge names its scale."""

from __future__ import annotations

from django.template import Context, Template

from yutang.customers.models import Customer
from yutang.test import BaseTestCase, make_customer


def render(source: str, **context: object) -> str:
    return Template("{% load scales %}" + source).render(Context(context))


class BadgeTagTests(BaseTestCase):
    def test_each_badge_carries_the_name_of_its_scale(self) -> None:
        assert render("{% grade_badge 'A' %}") == (
            '<span class="grade gA" title="A · 即将成交"><small>等级</small> A</span>'
        )
        assert render("{% stage_badge 'b' %}") == (
            '<span class="badge stage stage-b">阶段 b · 找到痛点，还没认可产品</span>'
        )
        assert render("{% stage_badge 'a' 1200 %}") == (
            '<span class="badge stage stage-a">阶段 a · 下次就能成交 · ¥1200</span>'
        )
        assert render("{% value_badge 'A' %}") == (
            '<span class="badge valueclass" title="A · 头部">价值 A</span>'
        )
        assert render("{{ 'c'|stage_label }}") == "c · 需求还不明确"

    def test_an_empty_or_unknown_code_shows_nothing(self) -> None:
        for tag in ("grade_badge", "stage_badge", "value_badge"):
            assert render(f"{{% {tag} '' %}}{{% {tag} None %}}{{% {tag} 'Z' %}}") == ""
        assert render("{{ 'Z'|stage_label }}{{ ''|value_label }}{{ 'X'|grade_label }}") == ""

    def test_pages_show_full_labels_and_lowercase_stages(self) -> None:
        customer = make_customer(self.bob, "小美", grade="B")
        Customer.objects.filter(pk=customer.pk).update(stage="b", value_class="A")
        self.login(self.bob)
        html = self.client.get(customer.get_absolute_url()).content.decode()
        assert "阶段 b · 找到痛点，还没认可产品" in html and "阶段 B" not in html
        assert "<small>等级</small> B" in html and ">价值 A</span>" in html
        html = self.client.get("/customers/").content.decode()
        assert "<small>等级</small> B" in html and ">价值 A</span>" in html
        # The list's stage filter names each stage, lowercase.
        assert 'value="b" > b · 找到痛点，还没认可产品</label>' in html
        html = self.client.get("/followups/pipeline/").content.decode()
        assert "阶段 b <small>" in html and "→ A<" not in html and "→ a<" in html
