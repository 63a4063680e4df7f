"""A NUL in any text the customer form or API takes is a form error, never a 500: PostgreSQL
refuses NUL in text, and SQLite would store it silently."""

from __future__ import annotations

from django.urls import reverse

from yutang.customers.models import Customer
from yutang.test import BaseTestCase, make_customer

TEXT_FIELDS = ["nickname", "name", "wechat_id", "phone", "province", "city", "district",
               "address", "notes", "channel", "owner", "grade", "gender"]  # fmt: skip


class NullCharacterTests(BaseTestCase):
    def test_it_refuses_a_nul_in_every_text_of_the_api(self) -> None:
        customer = make_customer(self.bob, "小美")
        for name in TEXT_FIELDS:
            body = {"nickname": "阿强", name: "x\x00y"}
            created = self.api(self.bob, "post", "/api/customers", body)
            assert created.status_code == 422, (name, created.content)
            assert name in created.json()["errors"], (name, created.json())
            updated = self.api(self.bob, "patch", f"/api/customers/{customer.pk}", {name: "\x00"})
            assert updated.status_code == 422, (name, updated.content)
        tags = self.api(self.bob, "post", "/api/customers", {"nickname": "阿强", "tags": ["\x00"]})
        assert tags.status_code == 422, tags.content
        assert list(Customer.objects.values_list("nickname", flat=True)) == ["小美"]

    def test_it_refuses_a_nul_in_the_form(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("customers:create"), {"nickname": "小\x00美", "notes": "\x00"}
        )
        assert response.status_code == 200
        assert "nickname" in response.context["form"].errors
        assert not Customer.objects.exists()
