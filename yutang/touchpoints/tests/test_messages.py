"""Messages as the customer receives them: how they are addressed, how products are named,
what is true on the day, and templates the owner cannot break (issue 18, items 9 to 12)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import time_machine

from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.followups.actions import log_followup
from yutang.orders import actions as orders
from yutang.rules.models import Rules
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.derive import derive_touchpoints
from yutang.touchpoints.kinds import KINDS, Kind
from yutang.touchpoints.messages import message, reason
from yutang.touchpoints.models import MessageTemplate, Touchpoint

from .helpers import at


def derive(day: date) -> None:
    with time_machine.travel(at(day.isoformat(), 11), tick=False):
        derive_touchpoints(today=day)


def pending(customer: Customer, kind: str) -> Touchpoint:
    return customer.touchpoints.pending().select_related("customer", "order").get(kind=kind)


def message_on(day: date, tp: Touchpoint) -> str:
    with time_machine.travel(at(day.isoformat(), 12), tick=False):
        return message(tp)


def paid_order(customer: Customer, product: Product, quantity: int, on: str) -> None:
    with time_machine.travel(at(on, 9), tick=False):
        order = orders.place_order(
            customer=customer,
            seller=customer.owner,
            actor=customer.owner,
            lines=[orders.LineInput(product=product, quantity=quantity)],
        )
        orders.change_order_status(order=order, status="paid", actor=customer.owner)


def mask(short_name: str = "") -> Product:
    return Product.objects.create(
        name="补水面膜（30天装）",
        short_name=short_name,
        sku=f"MASK{short_name}",
        price=Decimal("99"),
        usage_cycle_days=30,
    )


class SalutationTests(BaseTestCase):
    """Item 9: 称呼 is the salutation the seller set, else the nickname cleaned of sort
    prefixes, emoji and shop words, else 亲."""

    def greeting(self, customer: Customer) -> str:
        tp = Touchpoint(customer=customer, kind=Kind.BIRTHDAY, data={"day": "2026-05-02"})
        return message(tp).split("，")[0]

    def test_it_addresses_the_customer_as_the_seller_would(self) -> None:
        cases = {"A姜娜洋": "姜娜洋", "AAA小美🌸": "小美", "01 王姐": "王姐", "微商-丽丽": "丽丽"}
        for nickname, expected in cases.items():
            assert self.greeting(make_customer(self.bob, nickname, name="王丽丽")) == expected
        assert self.greeting(make_customer(self.bob, "🌸🌸")) == "亲"
        assert self.greeting(make_customer(self.bob, "A姜娜洋", salutation="娜娜")) == "娜娜"

    def test_the_form_saves_it_and_shows_the_default_in_the_empty_box(self) -> None:
        customer = make_customer(self.bob, "AAA小美🌸")
        self.login(self.bob)
        page = self.client.get(f"/customers/{customer.pk}/edit/")
        assert 'name="salutation"' in page.content.decode()
        assert 'placeholder="小美"' in page.content.decode()
        data = {"nickname": customer.nickname, "owner": self.bob.pk, "salutation": "美美"}
        data.update({"cooperation": "", "birthday_calendar": "solar"})
        response = self.client.post(f"/customers/{customer.pk}/edit/", data)
        assert response.status_code == 302, response.context["form"].errors
        customer.refresh_from_db()
        assert customer.salutation == "美美" and self.greeting(customer) == "美美"

    def test_the_api_reads_and_writes_it(self) -> None:
        customer = make_customer(self.bob, "A姜娜洋")
        url = f"/api/customers/{customer.pk}"
        assert self.api(self.bob, "get", url).json()["salutation"] == ""
        response = self.api(self.bob, "patch", url, {"salutation": "姜姐"})
        assert response.status_code == 200 and response.json()["salutation"] == "姜姐"
        customer.refresh_from_db()
        assert self.greeting(customer) == "姜姐"


class ProductWordingTests(BaseTestCase):
    """Item 10: {商品} is the product's short name, without package or quantity."""

    def test_it_names_the_product_by_its_short_name(self) -> None:
        customer = make_customer(self.bob, "小美")
        paid_order(customer, mask("面膜"), 3, "2026-03-01")
        derive(date(2026, 3, 2))
        tp = pending(customer, Kind.REPURCHASE)
        text = message_on(date(2026, 3, 2), tp)
        assert text.startswith("小美，算着时间您的面膜快用完了吧？"), text
        assert "×3" not in text and "30天装" not in text
        assert "补水面膜（30天装）×3" in reason(tp)  # the seller still sees what was sold

    def test_without_a_short_name_it_drops_brackets_and_quantity(self) -> None:
        customer = make_customer(self.bob, "小美")
        paid_order(customer, mask(), 3, "2026-03-01")
        derive(date(2026, 3, 2))
        text = message_on(date(2026, 3, 2), pending(customer, Kind.REPURCHASE))
        assert "您的补水面膜快用完了吧" in text, text

    def test_the_catalog_form_and_api_take_it(self) -> None:
        product = mask()
        self.login(self.alice)
        page = self.client.get(f"/products/{product.pk}/")
        assert page.status_code == 200 and 'name="short_name"' in page.content.decode()
        response = self.api(
            self.alice, "patch", f"/api/products/{product.pk}", {"short_name": "面膜"}
        )
        assert response.status_code == 200 and response.json()["short_name"] == "面膜"
        assert Product.objects.get().message_name == "面膜"


class TenseAndTruthTests(BaseTestCase):
    """Item 11: true on the day it is sent, no private notes, no gifts, no 她."""

    def test_repurchase_says_running_out_before_the_use_up_and_used_up_after(self) -> None:
        customer = make_customer(self.bob, "小美")
        paid_order(customer, mask("面膜"), 1, "2026-03-01")
        derive(date(2026, 3, 28))
        tp = pending(customer, Kind.REPURCHASE)
        use_up = date.fromisoformat(tp.data["use_up"])
        assert tp.due_on < use_up
        before = message_on(use_up - timedelta(days=1), tp)
        after = message_on(use_up, tp)
        assert "面膜快用完了吧？" in before and "应该用完了吧" not in before
        assert "面膜应该用完了吧？" in after and "快用完了吧" not in after

    def test_the_follow_up_never_pastes_the_sellers_note_to_the_customer(self) -> None:
        customer = make_customer(self.bob, "A姜娜洋")
        with time_machine.travel(at("2026-03-01", 9), tick=False):
            log_followup(
                customer=customer,
                actor=self.bob,
                stage="b",
                next_step="她嫌贵，问问要不要拆单",
                next_contact_on=date(2026, 3, 5),
            )
        derive(date(2026, 3, 5))
        tp = pending(customer, Kind.FOLLOWUP_DUE)
        assert "她嫌贵" in reason(tp)
        assert message(tp) == "姜娜洋，您好！上次跟您聊的事，想再跟您确认一下，您看现在方便吗？"
        self.login(self.bob)
        with time_machine.travel(at("2026-03-05", 12), tick=False):
            page = self.client.get("/").content.decode()
        card = page[page.index(f'id="msg-{tp.pk}"') :]
        card = card[: card.index("</textarea>")]
        assert "她嫌贵" in page and "她嫌贵" not in card

    def test_no_built_in_message_promises_a_gift_or_assumes_a_gender(self) -> None:
        for spec in KINDS.values():
            text = spec.default_template
            assert not re.search(r"礼|福利|领取|赠|送您|优惠|小心意", text), (spec.value, text)
            assert not re.search(r"[她他]", text), (spec.value, text)
            assert "{下一步}" not in text
        assert "下一步" not in KINDS[Kind.FOLLOWUP_DUE].placeholders

    def test_the_amount_is_the_orders_total(self) -> None:
        customer = make_customer(self.bob, "小美")
        with time_machine.travel(at("2026-03-01", 9), tick=False):
            order = orders.place_order(
                customer=customer,
                seller=self.bob,
                actor=self.bob,
                lines=[orders.LineInput(product=mask("面膜"), quantity=2)],
            )
            orders.change_order_status(order=order, status="unpaid", actor=self.bob)
        derive(date(2026, 3, 3))
        tp = pending(customer, Kind.PAYMENT_REMINDER)
        assert message(tp, {tp.kind: "{商品}一共{金额}"}) == "面膜一共¥198"


class TemplateEditorTests(BaseTestCase):
    """Item 12: the settings page refuses unknown placeholders, restores emptied messages and
    previews each message on a real customer."""

    def form(self) -> dict[str, object]:
        self.login(self.alice)
        page = self.client.get("/touchpoints/settings/")
        data: dict[str, object] = {
            f"rules-{name}": value
            for name, value in page.context["form"].initial.items()
            if name != "id"
        }
        data.update({f"template-{row.kind}": row.text for row in page.context["rows"]})
        return data

    def test_it_refuses_an_unknown_placeholder_and_lists_the_valid_ones(self) -> None:
        data = self.form()
        data.update({"rules-batch_size": 3, "template-birthday": "{称乎}生日快乐！"})
        response = self.client.post("/touchpoints/settings/", data)
        assert response.status_code == 200
        page = response.content.decode()
        assert "没有 {称乎} 这个占位符。这条消息可以用：{称呼} {昵称} {姓名} {商品}" in page
        assert "没有保存" in page and "{称乎}生日快乐！" in page
        assert Rules.current().batch_size != 3
        assert not MessageTemplate.objects.filter(text__contains="称乎").exists()
        data["template-birthday"] = "{ 称呼 }生日快乐！{"
        page = self.client.post("/touchpoints/settings/", data).content.decode()
        assert "没有 { 称呼 } 这个占位符" in page
        data["template-birthday"] = "{称呼}生日快乐！{"
        page = self.client.post("/touchpoints/settings/", data).content.decode()
        assert "有一个括号没有配对" in page
        data["template-birthday"] = "｛称呼｝生日快乐！"
        page = self.client.post("/touchpoints/settings/", data).content.decode()
        assert "占位符要用半角括号" in page

    def test_an_emptied_message_returns_to_the_built_in_one(self) -> None:
        MessageTemplate.objects.update_or_create(
            kind=Kind.HOLIDAY, defaults={"text": "{称呼}，{节日}快乐！"}
        )
        data = self.form()
        data["template-holiday"] = "   "
        assert self.client.post("/touchpoints/settings/", data).status_code == 302
        assert not MessageTemplate.objects.filter(kind=Kind.HOLIDAY).exists()
        page = self.client.get("/touchpoints/settings/")
        rows = {row.kind: row.text for row in page.context["rows"]}
        assert rows[Kind.HOLIDAY] == KINDS[Kind.HOLIDAY].default_template

    def test_it_previews_each_message_on_a_real_customer_without_saving(self) -> None:
        customer = make_customer(self.bob, "A姜娜洋")
        data = self.form()
        data.update({"customer": customer.pk, "preview": "1"})
        data["template-birthday"] = "{称呼}，生日快乐呀！"
        response = self.client.post("/touchpoints/settings/", data)
        assert response.status_code == 200
        rows = {row.kind: row for row in response.context["rows"]}
        assert rows[Kind.BIRTHDAY].preview == "姜娜洋，生日快乐呀！"
        assert rows[Kind.BIRTHDAY].preview_for == "A姜娜洋"
        assert "A姜娜洋 收到的样子" in response.content.decode()
        assert not MessageTemplate.objects.filter(kind=Kind.BIRTHDAY).exists()
        page = self.client.get(f"/touchpoints/settings/?customer={customer.pk}")
        rows = {row.kind: row for row in page.context["rows"]}
        # Kinds this customer has no touchpoint of yet read with example data, never blanks.
        assert rows[Kind.HOLIDAY].preview.startswith("姜娜洋，春节快乐！")
        paid_order(customer, mask("面膜"), 2, "2026-03-01")
        page = self.client.get(f"/touchpoints/settings/?customer={customer.pk}")
        rows = {row.kind: row for row in page.context["rows"]}
        assert "上次的面膜用得还习惯吗" in rows[Kind.REACTIVATION].preview


class FirstDefaultsMigrationTests(BaseTestCase):
    def test_saved_first_defaults_follow_the_built_in_ones(self) -> None:
        # The database of every test is migrated: 0002 seeded, 0004 let the seeds go.
        assert not MessageTemplate.objects.exists()
        tp = Touchpoint(customer=make_customer(self.bob, "小美"), kind=Kind.BIRTHDAY)
        assert message(tp) == KINDS[Kind.BIRTHDAY].default_template.replace("{称呼}", "小美")
