from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.rules.models import Rules
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.first_run import first_run

DONE_MESSAGE = "今天的都做完了"
STEPS = {
    "添加商品": reverse("catalog:create"),
    "导入客户": reverse("imports:upload"),
    "设定增长目标": reverse("analytics:settings") + "#targets",
    "邀请员工或代理": reverse("accounts:team"),
}


class FirstRunTests(BaseTestCase):
    def page(self, user: User) -> str:
        self.login(user)
        response = self.client.get("/")
        assert response.status_code == 200
        return response.content.decode()

    def test_an_empty_ponds_owner_sees_the_four_steps_with_their_links(self) -> None:
        html = self.page(self.alice)
        assert "欢迎来到你的鱼塘" in html
        for label, url in STEPS.items():
            assert label in html
            assert f'href="{url}"' in html, url
        assert "Excel" in html and "微信" in html and "支付宝" in html
        assert DONE_MESSAGE not in html

    def test_the_ticks_follow_the_data(self) -> None:
        User.objects.exclude(pk=self.alice.pk).update(is_active=False)
        steps = first_run(self.alice)
        assert steps is not None
        assert (steps.products, steps.customers, steps.target, steps.team) == (
            False, False, False, False,
        )  # fmt: skip
        assert "已做好" not in self.page(self.alice)
        Product.objects.create(name="玫瑰面霜", sku="R1", price=Decimal("99"))
        Rules.objects.filter(pk=1).update(friends_per_day=30)
        User.objects.filter(pk=self.sam.pk).update(is_active=True)
        steps = first_run(self.alice)
        assert steps is not None
        assert (steps.products, steps.target, steps.team) == (True, True, True)
        assert self.page(self.alice).count("已做好") == 3
        # The month's number alone also sets the target.
        Rules.objects.filter(pk=1).update(friends_per_day=20, friends_per_month=800)
        assert first_run(self.alice).target  # type: ignore[union-attr]

    def test_it_asks_a_constant_number_of_queries(self) -> None:
        Rules.current()  # the first call creates the row
        counts = []
        for n in (0, 5):
            for i in range(n):
                Product.objects.create(name=f"商品{i}", sku=f"S{n}-{i}", price=Decimal("9"))
            with CaptureQueriesContext(connection) as ctx:
                first_run(self.alice)
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1] <= 4

    def test_a_pond_with_customers_shows_the_list_and_no_checklist(self) -> None:
        make_customer(self.bob, "小美")
        assert first_run(self.alice) is None
        html = self.page(self.alice)
        assert "欢迎来到你的鱼塘" not in html and "first-run" not in html
        # Nothing due today for her: the pond is looked after.
        assert DONE_MESSAGE in html

    def test_staff_and_agents_with_an_empty_pond_get_their_own_sentence(self) -> None:
        make_customer(self.bob, "小美")  # in bob's branch: charlie still sees nobody
        charlie = self.page(self.charlie)
        assert first_run(self.bob) is None
        Customer.objects.all().delete()
        sam = self.page(self.sam)
        for html in (charlie, sam):
            assert "添加第一位客户" in html and "请店主分给你一些" in html
            assert f'href="{reverse("customers:create")}"' in html
            assert "添加商品" not in html and DONE_MESSAGE not in html
