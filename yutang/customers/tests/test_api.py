from __future__ import annotations

import json
from typing import Any

from yutang.customers.models import Activity, Customer
from yutang.test import BaseTestCase, channel, make_customer, make_tag


class ApiTestCase(BaseTestCase):
    def call(self, user: Any, method: str, url: str, body: Any = None, **params: Any) -> Any:
        return self.api(user, method, url, body, **params)


class ListTests(ApiTestCase):
    def test_it_searches_by_pinyin_with_the_same_scoping(self) -> None:
        mine = make_customer(self.dave, "小张", name="张三", phone="13800138000")
        make_customer(self.charlie, "张三丰")
        response = self.call(self.bob, "get", "/api/customers", q="zs")
        body = response.json()
        assert response.status_code == 200
        assert body["count"] == 1 and [c["id"] for c in body["items"]] == [mine.pk]
        assert body["items"][0]["phone"] == "13800138000"
        assert body["items"][0]["owner"] == "dave"

    def test_it_filters_by_grade_tag_and_flags(self) -> None:
        tag = make_tag("宝妈")
        a = make_customer(self.alice, "甲", grade="A", vip=True)
        a.tags.add(tag)
        make_customer(self.alice, "乙", grade="B")
        assert self.call(self.sam, "get", "/api/customers", grade="A").json()["count"] == 1
        assert self.call(self.sam, "get", "/api/customers", tag="宝妈").json()["count"] == 1
        assert self.call(self.sam, "get", "/api/customers", vip="true").json()["count"] == 1
        assert self.call(self.sam, "get", "/api/customers", vip="false").json()["count"] == 1
        response = self.call(self.sam, "get", "/api/customers", tag="不存在")
        assert response.status_code == 422 and "tag" in response.json()["errors"]
        response = self.call(self.sam, "get", "/api/customers", grade="Z")
        assert response.status_code == 422 and "grade" in response.json()["errors"]

    def test_it_pages(self) -> None:
        for i in range(5):
            make_customer(self.alice, f"c{i}")
        body = self.call(self.alice, "get", "/api/customers", page=2, page_size=2).json()
        assert body["count"] == 5 and len(body["items"]) == 2
        assert self.call(self.alice, "get", "/api/customers", page_size=0).status_code == 422

    def test_it_needs_authentication(self) -> None:
        assert self.client.get("/api/customers").status_code == 401


class CreateTests(ApiTestCase):
    def test_it_creates_a_customer(self) -> None:
        tag = make_tag("宝妈")
        referrer = make_customer(self.dave, "老客户")
        body = {
            "nickname": "小美",
            "name": "王美",
            "phone": "+86 138 0013 8000",
            "wechat_id": "WangMei_1",
            "gender": "f",
            "birthday": "1990-05-20",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "address": "文三路1号",
            "channel": "抖音",
            "grade": "A",
            "tags": ["宝妈"],
            "owner": "dave",
            "referrer": referrer.pk,
            "do_not_disturb": True,
            "visited_store": True,
            "vip": False,
        }
        response = self.call(self.bob, "post", "/api/customers", body)
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["phone"] == "13800138000" and data["wechat_id"] == "wangmei_1"
        assert data["tags"] == ["宝妈"] and data["channel"] == "抖音" and data["owner"] == "dave"
        assert data["do_not_disturb"] is True and data["vip"] is False
        customer = Customer.objects.get(pk=data["id"])
        assert list(customer.tags.all()) == [tag] and customer.referrer == referrer
        assert customer.activities.filter(kind="created").exists()

    def test_it_defaults_the_owner_to_the_caller(self) -> None:
        response = self.call(self.dave, "post", "/api/customers", {"nickname": "新朋友"})
        assert response.status_code == 201 and response.json()["owner"] == "dave"

    def test_it_refuses_bad_input_with_a_message_per_field(self) -> None:
        make_customer(self.bob, "已有", wechat_id="taken_id")
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"nickname": "x", "phone": "12345"}, "phone", "不是有效的手机号"),
            ({"nickname": "x", "wechat_id": "taken_id"}, "wechat_id", "已有"),
            ({"nickname": "x", "wechat_id": "9abcdef"}, "wechat_id", "微信号"),
            ({"nickname": "x", "tags": ["不存在"]}, "tags", "未知标签"),
            ({"nickname": "x", "grade": "S"}, "grade", "等级只能是"),
            ({"nickname": "x", "grade": "aa"}, "grade", "等级只能是"),
            ({"nickname": "长" * 65}, "nickname", "不超过 64 字符"),
            ({"nickname": "x", "name": "长" * 33}, "name", "不超过 32 字符"),
            ({}, "nickname", "这个字段是必填项"),
            ({"nickname": "x", "birthday": "2024-13-45"}, "birthday", "日期"),
            ({"nickname": "x", "channel": "火星"}, "channel", "未知的来源"),
            ({"nickname": "x", "owner": "charlie"}, "owner", "不能把这位客户交给"),
            ({"nickname": "x", "owner": "nobody"}, "owner", "不能把这位客户交给"),
            ({"nickname": "x", "vip": "maybe"}, "vip", "true 或 false"),
            ({"nickname": "x", "referrer": 99999}, "referrer", "介绍人不存在"),
        ]
        for body, field, message in cases:
            response = self.call(self.bob, "post", "/api/customers", body)
            assert response.status_code == 422, (body, response.content)
            errors = response.json()["errors"]
            assert field in errors, (body, errors)
            assert message in " ".join(errors[field]), (body, errors)
        assert Customer.objects.count() == 1

    def test_it_answers_in_english_when_asked(self) -> None:
        response = self.client.post(
            "/api/customers",
            data=json.dumps({"nickname": "x", "phone": "123"}),
            content_type="application/json",
            headers={**self.bearer(self.bob), "Accept-Language": "en"},
        )
        assert "is not a valid mobile number" in response.json()["errors"]["phone"][0]

    def test_it_hides_who_holds_a_duplicate_in_another_branch(self) -> None:
        hidden = make_customer(self.charlie, "秘密客户", phone="13800138000")
        response = self.call(
            self.bob, "post", "/api/customers", {"nickname": "x", "phone": "13800138000"}
        )
        assert response.status_code == 422
        text = response.content.decode()
        assert "已被其他代理报备" in json.loads(text)["errors"]["phone"][0]
        assert "秘密客户" not in text and "duplicates" not in json.loads(text)
        assert str(hidden.pk) not in json.loads(text)["errors"]["phone"][0]

    def test_it_points_to_a_visible_duplicate(self) -> None:
        existing = make_customer(self.dave, "老朋友", phone="13800138000")
        response = self.call(
            self.bob, "post", "/api/customers", {"nickname": "x", "phone": "13800138000"}
        )
        assert response.json()["duplicates"] == {"phone": existing.pk}


class HiddenReferrerTests(ApiTestCase):
    def test_it_never_names_a_referrer_in_another_branch(self) -> None:
        hidden = make_customer(self.charlie, "别人的客户")
        mine = make_customer(self.bob, "小美", referrer=hidden)
        assert self.call(self.bob, "get", f"/api/customers/{mine.pk}").json()["referrer"] is None
        listed = self.call(self.bob, "get", "/api/customers").json()["items"]
        assert [c["referrer"] for c in listed] == [None]
        assert (
            self.call(self.alice, "get", f"/api/customers/{mine.pk}").json()["referrer"]
            == hidden.pk
        )
        # Saving keeps the hidden referrer; choosing one anew from another branch is refused.
        response = self.call(self.bob, "patch", f"/api/customers/{mine.pk}", {"city": "杭州市"})
        assert response.status_code == 200
        mine.refresh_from_db()
        assert mine.referrer == hidden
        other = make_customer(self.charlie, "另一个")
        response = self.call(self.bob, "patch", f"/api/customers/{mine.pk}", {"referrer": other.pk})
        assert response.status_code == 422 and "referrer" in response.json()["errors"]

    def test_it_refuses_to_move_a_customer_to_another_branch(self) -> None:
        mine = make_customer(self.bob, "小美")
        response = self.call(self.bob, "patch", f"/api/customers/{mine.pk}", {"owner": "charlie"})
        assert response.status_code == 422
        mine.refresh_from_db()
        assert mine.owner == self.bob


class ObjectTests(ApiTestCase):
    def setUp(self) -> None:
        self.customer = make_customer(self.dave, "小美", phone="13800138000")

    def test_it_gets_patches_and_deletes(self) -> None:
        url = f"/api/customers/{self.customer.pk}"
        assert self.call(self.bob, "get", url).json()["nickname"] == "小美"
        response = self.call(
            self.bob, "patch", url, {"grade": "AA", "vip": True, "tags": ["新标签"]}
        )
        assert response.status_code == 422
        make_tag("新标签")
        response = self.call(
            self.bob, "patch", url, {"grade": "AA", "vip": True, "tags": ["新标签"]}
        )
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["grade"] == "AA" and data["vip"] is True and data["phone"] == "13800138000"
        history = self.call(self.bob, "get", f"{url}/grades").json()
        assert [(h["old"], h["new"], h["actor"]) for h in history] == [("", "AA", "bob")]
        response = self.call(self.bob, "patch", url, {"vip": False})
        assert response.json()["vip"] is False and response.json()["tags"] == ["新标签"]
        assert self.call(self.bob, "delete", url).status_code == 204
        assert not Customer.objects.exists()

    def test_a_patch_keeps_what_it_leaves_out_and_null_clears(self) -> None:
        tag = make_tag("宝妈")
        Customer.objects.filter(pk=self.customer.pk).update(
            vip=True,
            do_not_disturb=True,
            birthday_year=1990,
            birthday_month=5,
            birthday_day=1,
            channel=channel(),
            grade="A",
        )
        self.customer.tags.add(tag)
        url = f"/api/customers/{self.customer.pk}"
        data = self.call(self.bob, "patch", url, {"notes": "爱喝茶"}).json()
        assert data["notes"] == "爱喝茶" and data["vip"] is True and data["do_not_disturb"]
        assert data["birthday"] == "1990-05-01" and data["channel"] == "朋友圈"
        assert data["tags"] == ["宝妈"] and data["grade"] == "A" and data["visited_store"] is False
        cleared = {"birthday": None, "channel": None, "tags": None, "grade": None, "vip": None}
        response = self.call(self.bob, "patch", url, cleared)
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["birthday"] is None and data["channel"] is None and data["tags"] == []
        assert data["grade"] == "" and data["vip"] is False and data["notes"] == "爱喝茶"
        # Null clears only what may be empty: a customer keeps a nickname and an owner.
        response = self.call(self.bob, "patch", url, {"nickname": None, "owner": None})
        assert response.status_code == 422
        assert set(response.json()["errors"]) == {"nickname", "owner"}
        assert Customer.objects.get(pk=self.customer.pk).nickname == "小美"

    def test_the_cooperation_rating_reads_and_writes_within_its_bounds(self) -> None:
        url = f"/api/customers/{self.customer.pk}"
        assert self.call(self.bob, "get", url).json()["cooperation"] is None
        response = self.call(self.bob, "patch", url, {"cooperation": 4})
        assert response.status_code == 200, response.content
        assert response.json()["cooperation"] == 4
        for bad in (0, 6, 70000):
            response = self.call(self.bob, "patch", url, {"cooperation": bad})
            assert response.status_code == 422 and "cooperation" in response.json()["errors"]
        assert Customer.objects.get(pk=self.customer.pk).cooperation == 4
        assert (
            self.call(self.bob, "patch", url, {"cooperation": None}).json()["cooperation"] is None
        )

    def test_it_is_a_404_on_every_verb_outside_the_branch(self) -> None:
        url = f"/api/customers/{self.customer.pk}"
        assert self.call(self.charlie, "get", url).status_code == 404
        assert self.call(self.charlie, "patch", url, {"nickname": "偷"}).status_code == 404
        assert self.call(self.charlie, "delete", url).status_code == 404
        assert self.call(self.charlie, "get", f"{url}/grades").status_code == 404
        self.customer.refresh_from_db()
        assert self.customer.nickname == "小美"
        assert not Activity.objects.exists()

    def test_it_is_a_404_for_a_missing_customer(self) -> None:
        assert self.call(self.alice, "get", "/api/customers/999999").status_code == 404


class TagAndGradeTests(ApiTestCase):
    def test_it_lists_grades_and_tags(self) -> None:
        make_tag("宝妈", group="需求")
        grades = self.call(self.bob, "get", "/api/grades").json()
        assert [g["code"] for g in grades] == ["AA", "A", "B", "C", "D", "F"]
        tags = self.call(self.bob, "get", "/api/tags").json()
        assert {"name": "宝妈", "group": "需求"} in [
            {k: t[k] for k in ("name", "group")} for t in tags
        ]

    def test_only_the_owner_creates_tags(self) -> None:
        body = {"name": "学生", "group": "年龄段"}
        assert self.call(self.bob, "post", "/api/tags", body).status_code == 403
        assert self.call(self.alice, "post", "/api/tags", body).status_code == 201
        response = self.call(self.alice, "post", "/api/tags", body)
        assert response.status_code == 422 and "name" in response.json()["errors"]
        response = self.call(self.alice, "post", "/api/tags", {"name": "x", "group": "无"})
        assert response.status_code == 422 and "group" in response.json()["errors"]

    def test_it_asks_for_the_group_when_a_tag_name_is_ambiguous(self) -> None:
        make_tag("北京", group="地区")
        make_tag("北京", group="自定义")
        c = make_customer(self.alice, "甲")
        url = f"/api/customers/{c.pk}"
        response = self.call(self.alice, "patch", url, {"tags": ["北京"]})
        assert response.status_code == 422
        response = self.call(self.alice, "patch", url, {"tags": ["地区:北京"]})
        assert response.json()["tags"] == ["北京"]


class ParseContactTests(ApiTestCase):
    def test_it_recognises_a_pasted_shipping_text(self) -> None:
        response = self.call(
            self.bob,
            "post",
            "/api/customers/parse-contact",
            {"text": "张三 13800138000 广东省深圳市南山区科技园科苑路15号"},
        )
        assert response.json() == {
            "name": "张三",
            "phone": "13800138000",
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
            "address": "科技园科苑路15号",
        }

    def test_it_works_from_the_browser_session_with_csrf(self) -> None:
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.bob)
        response = client.post(
            "/api/customers/parse-contact", data={"text": "x"}, content_type="application/json"
        )
        assert response.status_code in (401, 403)


class DocsTests(ApiTestCase):
    def test_it_serves_openapi_docs(self) -> None:
        self.login(self.alice)
        assert self.client.get("/api/docs").status_code == 200
        schema = self.client.get("/api/openapi.json").json()
        assert "/api/customers" in schema["paths"]
