from __future__ import annotations

from typing import Any

from yutang.customers.models import Activity, Customer
from yutang.test import BaseTestCase, channel, make_customer, make_tag


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {"nickname": "小美", "owner": "", "birthday_calendar": "solar"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class CreateTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.bob)

    def post(self, **overrides: Any) -> Any:
        return self.client.post("/customers/new/", form_data(**{"owner": self.bob.pk, **overrides}))

    def test_it_creates_a_customer_with_everything(self) -> None:
        tag = make_tag("宝妈")
        referrer = make_customer(self.dave, "老客户")
        response = self.post(
            name="张三",
            phone="+86 138-0013-8000",
            wechat_id="Zhang_San88",
            gender="f",
            grade="C",
            channel=channel("小红书").pk,
            referrer=referrer.pk,
            province="广东省",
            city="深圳市",
            district="南山区",
            address="科苑路15号",
            birthday="1990-05-20",
            birthday_calendar="lunar",
            added_on="2026-01-02",
            visited_store="on",
            vip="on",
            tags=[tag.pk],
            notes="喜欢玫瑰",
        )
        customer = Customer.objects.get(nickname="小美")
        assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
        assert customer.phone == "13800138000"
        assert customer.wechat_id == "zhang_san88"
        assert customer.referrer == referrer and customer.vip and customer.visited_store
        assert customer.search_pinyin.startswith("xiaomei")
        assert [a.kind for a in customer.activities.order_by("id")] == [
            "created",
            "tagged",
            "grade",
        ]

    def assert_refused(self, field: str, message: str, **overrides: Any) -> None:
        before = Customer.objects.count()
        response = self.post(**overrides)
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert field in errors, errors
        assert message in " ".join(errors[field]), errors[field]
        assert message in response.content.decode()
        assert Customer.objects.count() == before
        # What the user typed is still in the form.
        assert response.context["form"].data["nickname"] == overrides.get("nickname", "小美")

    def test_it_refuses_every_bad_input_in_chinese(self) -> None:
        self.assert_refused("phone", "不是有效的手机号", phone="12345")
        self.assert_refused("phone", "不是有效的手机号", phone="138001380001")
        self.assert_refused("phone", "不是有效的手机号", phone="abcdefghijk")
        self.assert_refused("wechat_id", "微信号", wechat_id="1abcdef")
        self.assert_refused("wechat_id", "微信号", wechat_id="ab")
        self.assert_refused("wechat_id", "微信号", wechat_id="有中文的微信号")
        self.assert_refused("nickname", "这个字段是必填项", nickname="")
        self.assert_refused("nickname", "这个字段是必填项", nickname="   ")
        self.assert_refused("nickname", "不超过 64 字符", nickname="长" * 65)
        self.assert_refused("notes", "不超过 2000 字符", notes="x" * 2001)
        self.assert_refused("grade", "等级只能是", grade="S")
        self.assert_refused("tags", "未知标签", tags=[9999])
        self.assert_refused("birthday", "日期", birthday="2024-13-45")
        self.assert_refused("referrer", "介绍人不存在", referrer=99999)
        self.assert_refused("owner", "不能把这位客户交给", owner=self.charlie.pk)

    def test_it_speaks_english_when_the_user_picked_english(self) -> None:
        self.client.cookies.load({"django_language": "en"})
        response = self.post(phone="12345")
        assert "is not a valid mobile number" in response.content.decode()

    def test_it_refuses_a_referrer_in_another_branch(self) -> None:
        hidden = make_customer(self.charlie, "别人的客户")
        self.assert_refused("referrer", "介绍人不存在", referrer=hidden.pk)

    def test_it_offers_to_open_a_visible_duplicate(self) -> None:
        existing = make_customer(self.dave, "老朋友", phone="13800138000", wechat_id="old_friend")
        self.assert_refused("phone", "老朋友", phone="138 0013 8000")
        self.assert_refused("wechat_id", "老朋友", wechat_id="OLD_FRIEND")
        response = self.post(phone="13800138000")
        assert f"/customers/{existing.pk}/" in response.content.decode()

    def test_it_reveals_nothing_about_a_duplicate_in_another_branch(self) -> None:
        hidden = make_customer(self.charlie, "秘密客户", phone="13800138000")
        response = self.post(phone="13800138000")
        html = response.content.decode()
        assert "已被其他代理报备" in html
        assert "秘密客户" not in html and f"/customers/{hidden.pk}/" not in html
        assert Customer.objects.count() == 1


class EditTests(BaseTestCase):
    def test_it_edits_and_records_what_changed(self) -> None:
        customer = make_customer(self.bob, "小美", phone="13800138000")
        self.login(self.bob)
        response = self.client.post(
            f"/customers/{customer.pk}/edit/",
            form_data(owner=self.dave.pk, phone="13800138000", city="杭州市", grade="B"),
        )
        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.owner == self.dave and customer.city == "杭州市" and customer.grade == "B"
        edited = Activity.objects.get(kind="edited")
        assert edited.data["changes"]["city"] == ["", "杭州市"]
        assert edited.data["changes"]["owner"] == ["bob", "dave"]
        assert Activity.objects.get(kind="grade").data == {"old": "", "new": "B", "reason": ""}

    def test_it_keeps_its_own_phone_when_saving(self) -> None:
        customer = make_customer(self.bob, "小美", phone="13800138000")
        self.login(self.bob)
        response = self.client.post(
            f"/customers/{customer.pk}/edit/", form_data(owner=self.bob.pk, phone="13800138000")
        )
        assert response.status_code == 302


class PasteToFillPageTests(BaseTestCase):
    def test_it_offers_paste_to_fill_on_the_form(self) -> None:
        self.login(self.bob)
        html = self.client.get("/customers/new/").content.decode()
        assert 'id="paste-text"' in html and "/api/customers/parse-contact" in html
