from __future__ import annotations

from yutang.customers import actions
from yutang.customers.models import Activity, Customer
from yutang.test import BaseTestCase, make_customer, make_tag


class MergeTests(BaseTestCase):
    def test_it_keeps_every_tag_referral_and_timeline_entry_of_both(self) -> None:
        keep = make_customer(self.bob, "小美", wechat_id="xiaomei_wx")
        remove = make_customer(
            self.bob, "美美", name="王美", phone="13800138000", grade="A", vip=True
        )
        t1, t2, t3 = make_tag("护肤"), make_tag("宝妈"), make_tag("跑步")
        keep.tags.add(t1, t2)
        remove.tags.add(t2, t3)
        friend = make_customer(self.bob, "朋友", referrer=remove)
        remove.referrer = make_customer(self.bob, "介绍人")
        remove.save()
        actions.log_activity(keep, "edited", self.bob, changes={})
        actions.log_activity(remove, "edited", self.bob, changes={})

        merged = actions.merge_customers(keep=keep, remove=remove, actor=self.bob)

        assert not Customer.objects.filter(pk=remove.pk).exists()
        merged.refresh_from_db()
        assert set(merged.tags.all()) == {t1, t2, t3}
        assert merged.phone == "13800138000" and merged.name == "王美"
        assert merged.wechat_id == "xiaomei_wx" and merged.vip and merged.grade == "A"
        assert merged.referrer is not None and merged.referrer.nickname == "介绍人"
        friend.refresh_from_db()
        assert friend.referrer == merged
        kinds = sorted(a.kind for a in Activity.objects.filter(customer=merged))
        assert kinds == ["edited", "edited", "grade", "merged"]
        assert Activity.objects.get(kind="merged").data["merged"]["nickname"] == "美美"

    def test_it_drops_a_referral_of_one_by_the_other(self) -> None:
        keep = make_customer(self.bob, "甲")
        remove = make_customer(self.bob, "乙", referrer=keep)
        keep.referrer = remove
        keep.save()
        merged = actions.merge_customers(keep=keep, remove=remove, actor=None)
        merged.refresh_from_db()
        assert merged.referrer is None


class MergeViewTests(BaseTestCase):
    def test_it_merges_from_the_merge_screen(self) -> None:
        a = make_customer(self.bob, "甲", phone="13800138000")
        b = make_customer(self.dave, "乙")
        self.login(self.bob)
        page = self.client.get(f"/customers/{a.pk}/merge/", {"other": b.pk})
        assert page.status_code == 200 and "乙" in page.content.decode()
        response = self.client.post(f"/customers/{a.pk}/merge/", {"other": b.pk, "keep": b.pk})
        assert response.status_code == 302
        assert list(Customer.objects.values_list("nickname", "phone")) == [("乙", "13800138000")]

    def test_it_cannot_merge_with_a_customer_of_another_branch(self) -> None:
        a = make_customer(self.bob, "甲")
        c = make_customer(self.charlie, "丙")
        self.login(self.bob)
        response = self.client.post(f"/customers/{a.pk}/merge/", {"other": c.pk, "keep": a.pk})
        assert response.status_code == 404
        assert Customer.objects.count() == 2

    def test_it_finds_candidates_to_merge_within_the_branch(self) -> None:
        a = make_customer(self.bob, "张三")
        make_customer(self.bob, "张三 小号")
        make_customer(self.charlie, "张三 别人")
        self.login(self.bob)
        response = self.client.get(
            "/customers/pick/", {"q": "zs", "mode": "merge", "exclude": str(a.pk)}
        )
        assert [c.nickname for c in response.context["results"]] == ["张三 小号"]


class AutomaticGradeTests(BaseTestCase):
    def test_it_makes_a_paying_customer_aa(self) -> None:
        customer = make_customer(self.bob, "小美", grade="B")
        assert actions.apply_automatic_grade(
            customer=customer, has_paid_order=True, actor=None, reason="paid_order"
        )
        assert customer.grade == "AA"
        assert not actions.apply_automatic_grade(
            customer=customer, has_paid_order=False, actor=None, reason=""
        )
        assert customer.activities.get().data == {"old": "B", "new": "AA", "reason": "paid_order"}
