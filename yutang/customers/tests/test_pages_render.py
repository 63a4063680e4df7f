from __future__ import annotations

from yutang.customers import actions
from yutang.test import BaseTestCase, make_customer, make_tag


class EveryPageRendersTests(BaseTestCase):
    """Each page, in both languages, for the owner and for an agent: no template breaks."""

    def test_it_renders_every_page(self) -> None:
        a = make_customer(self.bob, "甲", phone="13800138000", grade="A")
        b = make_customer(self.dave, "乙", referrer=a)
        actions.toggle_tag(customer=a, tag=make_tag("宝妈"), actor=self.bob)
        actions.set_grade(customer=a, grade="B", actor=self.bob)
        actions.update_customer(customer=a, before={"city": "x"}, actor=self.bob)
        pages = [
            "/customers/",
            "/customers/?q=jia&grade=A&sort=grade&tag_mode=all",
            "/customers/new/",
            f"/customers/{a.pk}/",
            f"/customers/{b.pk}/",
            f"/customers/{a.pk}/edit/",
            f"/customers/{a.pk}/merge/",
            f"/customers/{a.pk}/merge/?other={b.pk}",
            f"/customers/pick/?q=yi&mode=merge&exclude={a.pk}",
            "/customers/pick/?q=yi&mode=merge&exclude=abc",
            "/settings/",
            "/password/",
            "/api/docs",
        ]
        owner_pages = [
            "/settings/team/",
            "/customers/settings/channels/",
            "/customers/settings/tags/",
        ]
        for language in ("zh-hans", "en"):
            self.client.cookies.load({"django_language": language})
            for user, urls in ((self.alice, pages + owner_pages), (self.bob, pages)):
                self.login(user)
                for url in urls:
                    response = self.client.get(url)
                    assert response.status_code == 200, (language, user.username, url)
            self.client.logout()
            assert self.client.get("/login/").status_code == 200


class ErrorPageTests(BaseTestCase):
    def test_it_explains_a_404_and_a_403_in_chinese(self) -> None:
        customer = make_customer(self.bob, "甲")
        self.login(self.charlie)
        response = self.client.get(f"/customers/{customer.pk}/")
        assert response.status_code == 404 and "没有权限查看" in response.content.decode()
        assert "甲" not in response.content.decode()
        response = self.client.get("/settings/team/")
        assert response.status_code == 403 and "只有店主" in response.content.decode()
