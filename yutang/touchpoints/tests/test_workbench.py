from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yutang.customers.models import Customer
from yutang.rules.models import Rules
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.derive import derive_touchpoints
from yutang.touchpoints.models import Kind, State, Touchpoint
from yutang.touchpoints.workbench import build_workbench

from .helpers import at

TODAY = date(2026, 4, 15)


def touch(customer: Customer, kind: str, *, due: date = TODAY, key: str = "") -> Touchpoint:
    return Touchpoint.objects.create(
        customer=customer, kind=kind, key=key or f"{kind}:{customer.pk}", due_on=due
    )


class WorkbenchTests(BaseTestCase):
    def setUp(self) -> None:
        self.traveller = time_machine.travel(at(TODAY.isoformat()), tick=False)
        self.traveller.start()

    def tearDown(self) -> None:
        self.traveller.stop()

    def kinds(self, user=None) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
        bench = build_workbench(user or self.alice, TODAY)
        return [(i.touchpoint.customer.nickname, i.touchpoint.kind) for i in bench.items]

    def test_it_orders_by_value_urgency_and_probability_new_customers_first(self) -> None:
        old_d = make_customer(self.bob, "老D", grade="D")
        aa = make_customer(self.bob, "AA客", grade="AA", consumed=True)
        old_b = make_customer(self.bob, "老B", grade="B", stage="a")
        new_b = make_customer(self.bob, "新B", grade="B", stage="a")
        Customer.objects.filter(pk=old_b.pk).update(created=timezone.now() - timedelta(days=90))
        for customer in (old_d, aa, old_b, new_b):
            touch(customer, Kind.FOLLOWUP_DUE)
        # AA 1.0 × 0.8 × 0.5 (a buyer) = 0.40; B 0.6 × 0.8 × 0.8 (stage a) = 0.384; D lowest.
        assert self.kinds() == [
            ("AA客", "followup_due"),
            ("新B", "followup_due"),
            ("老B", "followup_due"),
            ("老D", "followup_due"),
        ]

    def test_it_gives_the_valuable_more_time_and_loss_makers_less(self) -> None:
        plain = make_customer(self.bob, "普通", grade="B", stage="a")
        top = make_customer(self.bob, "A类", grade="B", stage="a", value_class="A")
        rising = make_customer(self.bob, "潜力", grade="B", stage="a", value_class="B",
                               value_flag="potential")  # fmt: skip
        losing = make_customer(self.bob, "亏损", grade="B", stage="a", value_class="C",
                               value_flag="loss")  # fmt: skip
        for customer in (plain, top, rising, losing):
            touch(customer, Kind.FOLLOWUP_DUE)
        # The same grade and stage: A ×1.25, potential ×1.1, loss-maker ×0.9 × 0.8.
        assert [name for name, _kind in self.kinds()] == ["A类", "潜力", "普通", "亏损"]

    def test_it_puts_overdue_items_before_todays(self) -> None:
        late = make_customer(self.bob, "逾期", grade="C")
        fresh = make_customer(self.bob, "今天", grade="C")
        touch(fresh, Kind.FOLLOWUP_DUE)
        touch(late, Kind.FOLLOWUP_DUE, due=TODAY - timedelta(days=3))
        touch(late, Kind.PAYMENT_REMINDER, due=TODAY + timedelta(days=1))  # not due yet
        assert self.kinds() == [("逾期", "followup_due"), ("今天", "followup_due")]

    def test_it_cuts_batches_of_five_within_the_daily_capacity(self) -> None:
        Rules.objects.update_or_create(pk=1, defaults={"daily_capacity": 7, "batch_size": 5})
        for i in range(9):
            touch(make_customer(self.bob, f"客{i}", grade="C"), Kind.REPURCHASE)
        done = make_customer(self.bob, "已联系")
        Touchpoint.objects.create(
            customer=done,
            kind=Kind.PAYMENT_REMINDER,
            key="x",
            due_on=TODAY,
            state=State.DONE,
            closed_at=timezone.now(),
        )
        bench = build_workbench(self.alice, TODAY)
        assert bench.done_today == 1
        assert [len(b) for b in bench.batches] == [5, 1]
        assert bench.left_today == 6 and bench.beyond_capacity == 3

    def test_it_keeps_the_frequency_cap(self) -> None:
        customer = make_customer(self.bob, "刚联系过", grade="AA")
        Touchpoint.objects.create(
            customer=customer,
            kind=Kind.HOLIDAY,
            key="h",
            due_on=TODAY - timedelta(days=2),
            state=State.DONE,
            closed_at=timezone.now() - timedelta(days=2),
        )
        touch(customer, Kind.BIRTHDAY)
        touch(customer, Kind.PAYMENT_REMINDER)
        bench = build_workbench(self.alice, TODAY)
        assert [i.touchpoint.kind for i in bench.items] == ["payment_reminder"]
        assert bench.held_by_cap == 1
        # Three days after the last touch the cap has passed.
        with time_machine.travel(at("2026-04-16"), tick=False):
            kinds = [
                i.touchpoint.kind for i in build_workbench(self.alice, date(2026, 4, 16)).items
            ]
        assert kinds == ["payment_reminder", "birthday"]

    def test_it_offers_one_non_transactional_touch_per_customer(self) -> None:
        customer = make_customer(self.bob, "多个理由", grade="A")
        touch(customer, Kind.BIRTHDAY)
        touch(customer, Kind.HOLIDAY)
        touch(customer, Kind.REPURCHASE)
        assert self.kinds() == [("多个理由", "repurchase")]

    def test_it_gives_do_not_disturb_customers_transactional_touches_only(self) -> None:
        quiet = make_customer(self.bob, "免打扰", grade="AA", do_not_disturb=True)
        touch(quiet, Kind.REPURCHASE)
        touch(quiet, Kind.BIRTHDAY)
        touch(quiet, Kind.SHIPPING_NOTICE)
        bench = build_workbench(self.alice, TODAY)
        assert [i.touchpoint.kind for i in bench.items] == ["shipping_notice"]
        assert bench.held_by_dnd == 2

    def test_it_shows_agents_only_their_branch(self) -> None:
        touch(make_customer(self.bob, "bob的"), Kind.REPURCHASE)
        touch(make_customer(self.dave, "dave的"), Kind.REPURCHASE)
        touch(make_customer(self.charlie, "charlie的"), Kind.REPURCHASE)
        assert {n for n, _k in self.kinds(self.bob)} == {"bob的", "dave的"}
        assert {n for n, _k in self.kinds(self.dave)} == {"dave的"}
        assert {n for n, _k in self.kinds(self.charlie)} == {"charlie的"}

    def test_it_renders_the_personal_message(self) -> None:
        customer = make_customer(self.bob, "小美", name="王美", grade="AA")
        tp = touch(customer, Kind.SHIPPING_NOTICE)
        tp.data = {"products": ["面膜×2"], "courier": "顺丰速运", "tracking_number": "SF1"}
        tp.save()
        item = build_workbench(self.bob, TODAY).items[0]
        # 称呼 is the nickname (issue 18: the salutation's default), 商品 the short name.
        assert item.message.startswith("小美，您的面膜已经发货啦！顺丰速运 单号 SF1")


class LunarBirthdayTests(BaseTestCase):
    def test_it_greets_on_the_lunar_birthday(self) -> None:
        # Born 1990-02-15, lunar 正月二十; in 2026 正月二十 falls on 8 March.
        customer = make_customer(
            self.bob, "农历寿星", birthday=date(1990, 2, 15), birthday_calendar="lunar"
        )
        solar = make_customer(self.bob, "公历寿星", birthday=date(1990, 2, 15))
        with time_machine.travel(at("2026-03-07"), tick=False):
            derive_touchpoints(today=date(2026, 3, 7))
        assert not customer.touchpoints.exists()
        with time_machine.travel(at("2026-03-08"), tick=False):
            derive_touchpoints(today=date(2026, 3, 8))
        tp = customer.touchpoints.get()
        assert tp.kind == "birthday" and tp.due_on == date(2026, 3, 8)
        assert tp.data["lunar_label"] == "正月二十"
        assert not solar.touchpoints.filter(due_on=date(2026, 3, 8)).exists()


class WorkbenchPageTests(BaseTestCase):
    def test_it_is_the_home_page_and_derives_on_demand(self) -> None:
        customer = make_customer(self.bob, "小美", vip=True)
        self.login(self.bob)
        response = self.client.get("/")
        assert response.status_code == 200
        items = response.context["bench"].items
        assert [(i.touchpoint.customer, i.touchpoint.kind) for i in items] == [
            (customer, "vip_call")
        ]
        assert "VIP" in response.content.decode()

    def test_it_uses_the_same_number_of_queries_for_any_number_of_items(self) -> None:
        self.login(self.bob)
        self.client.get("/")  # derives once
        counts = []
        for n in (2, 12):
            Touchpoint.objects.all().delete()
            for i in range(n):
                touch(make_customer(self.bob, f"客{n}-{i}", grade="C"), Kind.REPURCHASE)
            with CaptureQueriesContext(connection) as ctx:
                response = self.client.get("/")
            assert len(response.context["bench"].items) == n
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1]

    def test_it_marks_done_and_logs_a_follow_up(self) -> None:
        customer = make_customer(self.bob, "小美", stage="b")
        tp = touch(customer, Kind.REPURCHASE)
        self.login(self.dave)
        assert self.client.post(f"/touchpoints/{tp.pk}/done/").status_code == 404
        self.login(self.bob)
        assert self.client.post(f"/touchpoints/{tp.pk}/done/").status_code == 302
        tp.refresh_from_db()
        assert tp.state == "done" and tp.closed_by == self.bob
        followup = customer.followups.get()
        assert followup.summary.startswith("用完复购") or "repurchase" in followup.summary
        customer.refresh_from_db()
        assert customer.stage == "b"
        assert customer.activities.filter(kind="followup").exists()
        response = self.client.post(f"/touchpoints/{tp.pk}/done/", follow=True)
        assert "已经处理过" in response.content.decode()

    def test_it_snoozes_and_skips(self) -> None:
        customer = make_customer(self.bob, "小美")
        tp = touch(customer, Kind.BIRTHDAY)
        self.login(self.bob)
        self.client.post(f"/touchpoints/{tp.pk}/snooze/", {"days": "3"})
        tp.refresh_from_db()
        assert tp.state == "snoozed" and tp.due_on == timezone.localdate() + timedelta(days=3)
        # Following the redirect to the customer list: the workbench would derive and close
        # this hand-made touchpoint that no data backs.
        response = self.client.post(
            f"/touchpoints/{tp.pk}/snooze/",
            {"until": "2024-13-45", "next": "/customers/"},
            follow=True,
        )
        assert "请选择今天之后的日期" in response.content.decode()
        response = self.client.post(f"/touchpoints/{tp.pk}/snooze/", {"until": "2020-01-01"})
        tp.refresh_from_db()
        assert tp.due_on == timezone.localdate() + timedelta(days=3)
        response = self.client.post(
            f"/touchpoints/{tp.pk}/skip/", {"next": "https://evil.example/"}
        )
        assert response["Location"] == "/"
        tp.refresh_from_db()
        assert tp.state == "skipped"
        assert customer.activities.get(kind="touchpoint").data["touchpoint_kind"] == "birthday"

    def test_it_is_a_404_for_another_branch(self) -> None:
        tp = touch(make_customer(self.bob, "小美"), Kind.BIRTHDAY)
        self.login(self.charlie)
        for action in ("done", "snooze", "skip"):
            assert (
                self.client.post(f"/touchpoints/{tp.pk}/{action}/", {"days": 1}).status_code == 404
            )
        tp.refresh_from_db()
        assert tp.state == "open"
        assert self.client.get("/").context["bench"].items == []


class RulesSettingsTests(BaseTestCase):
    def test_it_lets_the_owner_change_numbers_and_messages(self) -> None:
        self.login(self.alice)
        page = self.client.get("/touchpoints/settings/")
        assert page.status_code == 200
        data = {
            f"rules-{name}": value
            for name, value in page.context["form"].initial.items()
            if name != "id"
        }
        data.update({"rules-batch_size": 3, "template-birthday": "{姓名}生日快乐！"})
        response = self.client.post("/touchpoints/settings/", data)
        assert response.status_code == 302
        assert Rules.current().batch_size == 3
        customer = make_customer(self.bob, "小美", name="王美")
        tp = touch(customer, Kind.BIRTHDAY)
        from yutang.touchpoints.messages import message

        assert message(tp) == "王美生日快乐！"

    def test_it_refuses_a_bad_number(self) -> None:
        self.login(self.alice)
        page = self.client.get("/touchpoints/settings/")
        data = {f"rules-{k}": v for k, v in page.context["form"].initial.items() if k != "id"}
        data["rules-stage_a_percent"] = 120
        response = self.client.post("/touchpoints/settings/", data)
        assert response.status_code == 200 and "stage_a_percent" in response.context["form"].errors
        assert Rules.current().stage_a_percent == 80

    def test_it_is_for_the_owner_only(self) -> None:
        for user in (self.sam, self.bob):
            self.login(user)
            assert self.client.get("/touchpoints/settings/").status_code == 403
