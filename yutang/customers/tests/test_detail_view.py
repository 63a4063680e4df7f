from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from yutang.customers import actions
from yutang.customers.models import Activity, Customer
from yutang.test import BaseTestCase, make_customer, make_tag


class DetailTests(BaseTestCase):
    def setUp(self) -> None:
        self.customer = make_customer(self.bob, "小美", name="王美", phone="13800138000")
        self.friend = make_customer(self.dave, "小丽", referrer=self.customer)

    def test_it_shows_everything_about_a_customer(self) -> None:
        actions.set_grade(customer=self.customer, grade="A", actor=self.bob)
        actions.toggle_tag(customer=self.customer, tag=make_tag("护肤"), actor=self.bob)
        self.login(self.bob)
        response = self.client.get(f"/customers/{self.customer.pk}/")
        html = response.content.decode()
        for text in ["小美", "王美", "13800138000", "护肤", "小丽"]:
            assert text in html
        assert [a.kind for a in response.context["activities"]] == ["tagged", "grade"]
        assert [a.data["new"] for a in response.context["grade_history"]] == ["A"]

    def test_it_does_not_name_a_referrer_of_another_branch(self) -> None:
        hidden = make_customer(self.charlie, "别人的客户")
        self.customer.referrer = hidden
        self.customer.save()
        self.login(self.bob)
        for url in [f"/customers/{self.customer.pk}/", f"/customers/{self.customer.pk}/edit/"]:
            html = self.client.get(url).content.decode()
            assert "别人的客户" not in html and "其他代理线的客户" in html

    def test_it_is_a_404_outside_the_branch(self) -> None:
        self.login(self.charlie)
        pk = self.customer.pk
        for url in [f"/customers/{pk}/", f"/customers/{pk}/edit/", f"/customers/{pk}/merge/"]:
            assert self.client.get(url).status_code == 404, url
        for url in ["delete", "grade", "tag", "merge", "edit"]:
            response = self.client.post(f"/customers/{pk}/{url}/", {"grade": "A", "tag": 1})
            assert response.status_code == 404, url
        assert Customer.objects.filter(pk=pk, grade="").exists()
        assert not Activity.objects.exists()

    def test_it_uses_a_fixed_number_of_queries(self) -> None:
        for i in range(10):
            make_customer(self.bob, f"朋友{i}", referrer=self.customer)
            actions.toggle_tag(customer=self.customer, tag=make_tag(f"t{i}"), actor=self.bob)
        self.login(self.bob)
        with CaptureQueriesContext(connection) as ctx:
            self.client.get(f"/customers/{self.customer.pk}/")
        assert len(ctx.captured_queries) <= 14


class GradeAndTagTests(BaseTestCase):
    def setUp(self) -> None:
        self.customer = make_customer(self.bob, "小美")
        self.login(self.dave)
        self.login(self.bob)

    def test_it_grades_and_keeps_the_history(self) -> None:
        url = f"/customers/{self.customer.pk}/grade/"
        assert self.client.post(url, {"grade": "A"}).status_code == 302
        self.client.post(url, {"grade": "A"})
        self.client.post(url, {"grade": "B"})
        self.customer.refresh_from_db()
        assert self.customer.grade == "B"
        history = [(a.data["old"], a.data["new"]) for a in self.customer.activities.order_by("id")]
        assert history == [("", "A"), ("A", "B")]

    def test_it_refuses_a_grade_outside_aa_to_f(self) -> None:
        response = self.client.post(
            f"/customers/{self.customer.pk}/grade/", {"grade": "S"}, follow=True
        )
        assert "等级只能是" in response.content.decode()
        self.customer.refresh_from_db()
        assert self.customer.grade == ""

    def test_it_toggles_a_tag(self) -> None:
        tag = make_tag("宝妈")
        url = f"/customers/{self.customer.pk}/tag/"
        self.client.post(url, {"tag": tag.pk})
        assert list(self.customer.tags.all()) == [tag]
        self.client.post(url, {"tag": tag.pk})
        assert not self.customer.tags.exists()
        assert [a.kind for a in self.customer.activities.order_by("id")] == ["tagged", "untagged"]

    def test_it_refuses_an_unknown_tag(self) -> None:
        response = self.client.post(
            f"/customers/{self.customer.pk}/tag/", {"tag": 999}, follow=True
        )
        assert "未知标签" in response.content.decode()
        assert not self.customer.tags.exists()


class DeleteTests(BaseTestCase):
    def test_it_deletes_within_the_branch(self) -> None:
        customer = make_customer(self.dave, "小美")
        self.login(self.bob)
        assert self.client.get(f"/customers/{customer.pk}/delete/").status_code == 405
        assert self.client.post(f"/customers/{customer.pk}/delete/").status_code == 302
        assert not Customer.objects.exists()

    def test_it_keeps_a_customer_with_orders_and_says_why(self) -> None:
        from yutang.orders.models import Order, Status

        customer = make_customer(self.bob, "小美")
        Order.objects.create(customer=customer, seller=self.bob, status=Status.PAID)
        self.login(self.bob)
        response = self.client.post(f"/customers/{customer.pk}/delete/", follow=True)
        assert response.status_code == 200
        assert "该客户有订单或收款记录，不能删除。" in response.content.decode()
        assert Customer.objects.filter(pk=customer.pk).exists() and Order.objects.count() == 1
