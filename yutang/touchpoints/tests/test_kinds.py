"""Every touchpoint kind is one registry entry, and every entry has every part."""

from __future__ import annotations

from datetime import date

from django.test import SimpleTestCase
from django.utils import translation

from yutang.followups.models import FollowUpChannel
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.actions import complete_touchpoint
from yutang.touchpoints.kinds import (
    BELATED_DAYS,
    DEADLINE,
    KINDS,
    PLACEHOLDERS,
    TRANSACTIONAL,
    Kind,
    KindSpec,
)
from yutang.touchpoints.messages import PLACEHOLDER, message, reason
from yutang.touchpoints.models import MessageTemplate, Touchpoint

# Everything a derivation may put into a touchpoint's data, filled in.
FULL = {
    "products": ["面膜×2", "精华"],
    "since": "2026-04-01",
    "courier": "顺丰",
    "tracking_number": "SF123",
    "use_up": "2026-05-01",
    "last_purchase": "2026-03-01",
    "next_step": "发买家秀",
    "day": "2026-05-02",
    "lunar": True,
    "lunar_label": "三月十六",
    "holiday": "端午节",
    "last_call": "2025-10-01",
}


class RegistryTests(SimpleTestCase):
    def test_it_has_one_entry_per_kind_in_the_order_of_the_choices(self) -> None:
        assert list(KINDS) == Kind.values
        assert all(spec.value == value for value, spec in KINDS.items())
        for model in (Touchpoint, MessageTemplate):
            assert model._meta.get_field("kind").choices == Kind.choices

    def test_it_keeps_the_database_values_and_labels(self) -> None:
        with translation.override("en"):
            assert [(s.value, s.label) for s in KINDS.values()] == [
                ("payment_reminder", "payment reminder (催付)"),
                ("order_reminder", "order reminder (下单提醒)"),
                ("shipping_notice", "shipping notice (发货通知)"),
                ("delivery_care", "delivery care (签收关怀)"),
                ("repurchase", "repurchase (用完复购)"),
                ("reactivation", "reactivation (沉睡唤醒)"),
                ("followup_due", "follow-up due (跟进到期)"),
                ("birthday", "birthday (生日)"),
                ("holiday", "holiday (节日)"),
                ("vip_call", "VIP call (VIP 电话)"),
            ]
        assert sorted(TRANSACTIONAL) == ["order_reminder", "payment_reminder", "shipping_notice"]

    def test_it_gives_every_kind_an_urgency_a_message_and_a_channel(self) -> None:
        for spec in KINDS.values():
            assert 0 < spec.urgency <= 1, spec.value
            assert spec.default_template.strip(), spec.value
            assert spec.channel in FollowUpChannel.values, spec.value

    def test_it_gives_every_kind_a_shelf_life(self) -> None:
        # A part with no default: an entry without it cannot be made.
        with self.assertRaises(TypeError):
            KindSpec(  # type: ignore[call-arg]
                Kind.HOLIDAY,
                transactional=False,
                urgency=0.5,
                default_template="{称呼}",
                reason=str,
            )
        for spec in KINDS.values():
            life = spec.shelf_life
            assert life is None or (isinstance(life, int) and life > 0), spec.value
        lives = {value: spec.shelf_life for value, spec in KINDS.items()}
        assert lives["shipping_notice"] == 3 and lives["delivery_care"] == 7
        assert lives["birthday"] == lives["holiday"] == BELATED_DAYS
        # Until superseded: a newer follow-up, a new order.
        assert lives["followup_due"] is None and lives["repurchase"] is None
        assert lives["reactivation"] is not None
        assert sorted(DEADLINE) == ["delivery_care", "payment_reminder", "shipping_notice"]

    def test_it_uses_only_placeholders_the_kind_fills(self) -> None:
        for spec in KINDS.values():
            used = set(PLACEHOLDER.findall(spec.default_template))
            assert used, spec.value
            assert used <= set(spec.placeholders), (spec.value, used - set(spec.placeholders))
            assert set(spec.placeholders) <= set(PLACEHOLDERS), spec.value

    def test_it_words_every_reason_in_both_languages(self) -> None:
        for spec in KINDS.values():
            for data in ({}, {**FULL, "order": 12}, {**FULL, "lunar": False, "order": None}):
                with translation.override("en"):
                    english, label = spec.reason(data), spec.label
                with translation.override("zh-hans"):
                    chinese, zh_label = spec.reason(data), spec.label
                assert english.strip() and chinese.strip(), (spec.value, data)
                assert chinese != english, (spec.value, "reason not translated")
                assert zh_label != label, (spec.value, "label not translated")

    def test_it_words_the_reason_from_the_data_and_the_order(self) -> None:
        with translation.override("en"):
            shipped = KINDS[Kind.SHIPPING_NOTICE].reason({**FULL, "order": 12})
            unpaid = KINDS[Kind.PAYMENT_REMINDER].reason({**FULL, "order": 7})
        assert shipped == "Order #12 shipped: tell them 顺丰 SF123."
        assert unpaid == "Order #7 (面膜×2、精华) is unpaid since 2026-04-01."


class KindPartsInUseTests(BaseTestCase):
    def test_it_logs_a_done_vip_call_as_a_call_and_the_others_as_a_chat(self) -> None:
        customer = make_customer(self.bob, "小美")
        for kind in (Kind.VIP_CALL, Kind.BIRTHDAY):
            tp = Touchpoint.objects.create(
                customer=customer, kind=kind, key=f"{kind}:1", due_on=date(2026, 4, 15)
            )
            complete_touchpoint(touchpoint=tp, actor=self.bob)
        assert list(customer.followups.order_by("id").values_list("channel", flat=True)) == [
            "call",
            "chat",
        ]

    def test_it_reads_the_reason_of_a_touchpoint_with_its_order(self) -> None:
        customer = make_customer(self.bob, "小美")
        tp = Touchpoint(customer=customer, kind=Kind.SHIPPING_NOTICE, data={"courier": "顺丰"})
        tp.order_id = 42
        with translation.override("en"):
            assert reason(tp) == "Order #42 shipped: tell them 顺丰 (no tracking number yet)."
            tp.kind = "retired_kind"
            assert reason(tp) == "retired_kind"

    def test_it_shows_the_built_in_message_of_a_kind_the_owner_never_saved(self) -> None:
        MessageTemplate.objects.filter(kind=Kind.HOLIDAY).delete()
        self.login(self.alice)
        page = self.client.get("/touchpoints/settings/")
        rows = {row.kind: (row.text, row.hint) for row in page.context["rows"]}
        assert list(rows) == Kind.values
        assert rows[Kind.HOLIDAY][0] == KINDS[Kind.HOLIDAY].default_template
        assert rows[Kind.SHIPPING_NOTICE][1] == (
            "{称呼} {昵称} {姓名} {商品} {快递公司} {快递单号} {快递信息}"
        )
        assert "{快递单号}" not in rows[Kind.BIRTHDAY][1]
        assert MessageTemplate.objects.filter(kind=Kind.HOLIDAY).count() == 0


class ShippingNoticeWithoutNumberTests(BaseTestCase):
    """The shipping notice never reads “单号 ，” (issue 18, item 13)."""

    def test_it_leaves_the_number_out_when_there_is_none(self) -> None:
        customer = make_customer(self.bob, "小美", name="王美")
        text = KINDS[Kind.SHIPPING_NOTICE].default_template
        old = "{称呼}，您的{商品}已经发货啦！{快递公司} 单号 {快递单号}，注意查收哦～"
        for template in (text, old):
            for data, expected in (
                ({"courier": "顺丰", "tracking_number": "SF1"}, "已经发货啦！顺丰 单号 SF1，注意"),
                ({"courier": "其他", "tracking_number": "A1"}, "已经发货啦！单号 A1，注意"),
                ({"courier": "其他"}, "已经发货啦！注意查收哦～"),
                ({"courier": "", "tracking_number": ""}, "已经发货啦！注意查收哦～"),
                ({"courier": "顺丰速运"}, "已经发货啦！走的顺丰速运，注意查收哦～"),
            ):
                tp = Touchpoint(customer=customer, kind=Kind.SHIPPING_NOTICE, data=data)
                rendered = message(tp, {Kind.SHIPPING_NOTICE: template})
                assert expected in rendered, (template, data, rendered)
                assert "单号 ，" not in rendered and "单号，" not in rendered
