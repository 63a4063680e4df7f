"""What a user reads is words, never a stored code: a grade change says why in words, an edit's
choices and flags read as their labels and 是/否, an empty choice reads 请选择 (never Django's
"---------"), and Django's own refusals (a duplicate SKU, an invalid choice) read as plain
Chinese."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils import translation

from yutang.analytics.forms import AnalyticsFilter
from yutang.catalog.models import Product
from yutang.customers import actions
from yutang.customers.models import Channel, Customer, Gender, GradeReason
from yutang.test import BaseTestCase, make_customer


class TimelineWordsTests(BaseTestCase):
    def setUp(self) -> None:
        self.customer = make_customer(self.alice, "小美", gender=Gender.MALE)
        self.login(self.alice)

    def page(self) -> str:
        html = self.client.get(f"/customers/{self.customer.pk}/").content.decode()
        return re.sub(r"\s+", " ", html)

    def test_a_grade_change_says_why_in_words(self) -> None:
        actions.set_grade(customer=self.customer, grade="B", actor=self.alice)
        actions.set_grade(
            customer=self.customer, grade="AA", actor=None, reason=GradeReason.PAID_ORDER
        )
        html = self.page()
        assert "paid_order" not in html
        assert html.count("(订单已付款)") == 2  # the grade history and the timeline
        self.client.cookies["django_language"] = "en"
        assert "(a paid order)" in self.page()

    def test_an_unknown_reason_is_left_out_rather_than_shown_as_a_code(self) -> None:
        actions.set_grade(customer=self.customer, grade="B", actor=None, reason="some_code")
        html = self.page()
        assert "some_code" not in html and "B</strong>" in html

    def test_an_edit_shows_choices_by_their_label_and_flags_as_yes_or_no(self) -> None:
        before = actions.snapshot(self.customer)
        self.customer.gender, self.customer.vip = Gender.FEMALE, True
        self.customer.birthday_calendar = "lunar"
        actions.update_customer(customer=self.customer, before=before, actor=self.alice)
        html = self.page()
        assert "性别: 男 → 女" in html
        assert "VIP: 否 → 是" in html
        assert "过哪个生日: 公历 → 农历" in html
        assert "True" not in html and "solar" not in html
        self.client.cookies["django_language"] = "en"
        assert "VIP: No → Yes" in self.page()


class EmptyChoiceTests(BaseTestCase):
    def setUp(self) -> None:
        Product.objects.create(name="玫瑰面膜", sku="MASK-01", price=Decimal("98.00"))
        Channel.objects.get_or_create(name="朋友圈")
        self.customer = make_customer(self.alice, "小美")
        self.login(self.alice)

    def test_no_form_shows_dashes_for_an_empty_choice(self) -> None:
        for url in [
            "/customers/new/",
            f"/customers/{self.customer.pk}/edit/",
            f"/customers/{self.customer.pk}/",
            "/customers/",
            "/followups/pipeline/",
            f"/orders/new/{self.customer.pk}/",
            "/products/new/",
            "/analytics/",
        ]:
            response = self.client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert "---------" not in html, url
        html = self.client.get(f"/customers/{self.customer.pk}/edit/").content.decode()
        assert '<option value="" selected>请选择</option>' in html
        self.client.cookies["django_language"] = "en"
        html = self.client.get("/customers/").content.decode()
        assert '<option value="" selected>Choose…</option>' in html


class FrameworkMessageTests(BaseTestCase):
    def setUp(self) -> None:
        Product.objects.create(name="玫瑰面膜", sku="MASK-01", price=Decimal("98.00"))
        self.login(self.alice)

    def post_customer(self, **fields: Any) -> str:
        data = {"nickname": "小美", "owner": self.alice.pk, "birthday_calendar": "solar"}
        response = self.client.post("/customers/new/", {**data, **fields})
        assert response.status_code == 200  # refused: the form again, with the message
        assert not Customer.objects.exists()
        return response.content.decode()

    def test_a_duplicate_sku_reads_as_a_sentence(self) -> None:
        body = {"name": "另一款", "sku": "MASK-01", "price": "10.00", "cost": "1.00"}
        response = self.client.post("/products/new/", body)
        html = response.content.decode()
        assert "这个货号已经有商品在用了，请换一个。" in html
        assert "已存在" not in html and Product.objects.count() == 1

    def test_an_invalid_choice_asks_to_choose_from_the_list(self) -> None:
        assert "请从列表里选择：x 不是可选的一项。" in self.post_customer(gender="x")
        with translation.override("zh-hans"):
            branch = AnalyticsFilter({"branch": "99999"}, user=self.alice).errors["branch"]
        assert branch == ["请从列表里选择。"]
        assert "选择一个有效的选项" not in self.post_customer(gender="x")

    def test_the_api_says_it_in_chinese_too(self) -> None:
        customer = make_customer(self.bob, "小美")
        body = {
            "customer": customer.pk,
            "lines": [{"product": "MASK-01", "quantity": 1}],
            "status": "flying",
        }
        response = self.api(self.bob, "post", "/api/orders", body)
        assert response.status_code == 422
        assert response.json()["errors"]["status"] == ["请从列表里选择：flying 不是可选的一项。"]

    def test_a_duplicate_name_and_a_long_one_read_plainly(self) -> None:
        Channel.objects.get_or_create(name="抖音")
        html = self.client.post("/customers/settings/channels/", {"name": "抖音"}).content
        assert "已存在名称相同的来源渠道。" in html.decode()
        html_text = self.post_customer(nickname="长" * 65)
        assert "内容太长：应不超过 64 字符（现在有 65 个）。" in html_text
