"""A birthday is a month and a day of the calendar the customer celebrates, the year optional:
the form, the API (whose `birthday` date still works), the customer page and the database."""

from __future__ import annotations

from datetime import date
from typing import Any

import time_machine
from django.db import IntegrityError, transaction

from yutang.customers.forms import CustomerForm
from yutang.customers.models import Customer
from yutang.test import BaseTestCase, make_customer


def form(user: Any, instance: Customer | None = None, **data: Any) -> CustomerForm:
    payload = {"nickname": "小美", "owner": user.pk, "birthday_calendar": "solar", **data}
    return CustomerForm({k: v for k, v in payload.items() if v is not None}, user=user,
                        instance=instance)  # fmt: skip


class FormTests(BaseTestCase):
    def test_it_keeps_a_lunar_birthday_without_a_year(self) -> None:
        f = form(self.bob, birthday_calendar="lunar", birthday_month="1", birthday_day="30")
        assert f.is_valid(), f.errors
        customer = f.save()
        assert (customer.birthday_month, customer.birthday_day) == (1, 30)
        assert customer.birthday_year is None and not customer.birthday_leap
        assert customer.birthday is None and customer.birthday_label == "农历正月三十"

    def test_it_keeps_a_leap_month_and_a_year(self) -> None:
        f = form(
            self.bob,
            birthday_calendar="lunar",
            birthday_month="5",
            birthday_day="15",
            birthday_leap="on",
            birthday_year="1998",
        )
        assert f.is_valid(), f.errors
        customer = f.save()
        assert customer.birthday_leap and customer.birthday == date(1998, 7, 8)
        assert customer.birthday_label == "农历1998年闰五月十五"

    def test_it_keeps_a_solar_birthday_without_a_year_and_29_february(self) -> None:
        f = form(self.bob, birthday_month="2", birthday_day="29")
        assert f.is_valid(), f.errors
        assert f.save().birthday_label == "2月29日"

    def assert_refused(self, field: str, message: str, **data: Any) -> None:
        f = form(self.bob, **data)
        assert not f.is_valid()
        assert message in " ".join(str(m) for m in f.errors.get(field, [])), f.errors

    def test_it_refuses_days_that_never_are_in_chinese(self) -> None:
        self.assert_refused("birthday_day", "没有2月30日", birthday_month="2", birthday_day="30")
        self.assert_refused("birthday_day", "没有4月31日", birthday_month="4", birthday_day="31")
        self.assert_refused(
            "birthday_day", "2023年没有2月29日", birthday_month="2", birthday_day="29",
            birthday_year="2023",
        )  # fmt: skip
        lunar = {"birthday_calendar": "lunar"}
        self.assert_refused("birthday_day", "最多三十天", birthday_month="1", birthday_day="31",
                            **lunar)  # fmt: skip
        self.assert_refused(
            "birthday_leap", "农历2026年没有闰五月", birthday_month="5", birthday_day="1",
            birthday_leap="on", birthday_year="2026", **lunar,
        )  # fmt: skip
        self.assert_refused(
            "birthday_day", "农历2025年的腊月只有29天", birthday_month="12", birthday_day="30",
            birthday_year="2025", **lunar,
        )  # fmt: skip
        self.assert_refused("birthday_leap", "只有农历才有闰月", birthday_month="5",
                            birthday_day="1", birthday_leap="on")  # fmt: skip
        self.assert_refused("birthday_month", "同时选择月和日", birthday_day="1")
        self.assert_refused("birthday_year", "也请选择生日的月和日", birthday_year="1990")
        self.assert_refused("birthday_month", "13 不是可选的一项", birthday_month="13",
                            birthday_day="1")  # fmt: skip

    def test_it_refuses_in_english_when_english_is_picked(self) -> None:
        self.client.cookies["django_language"] = "en"
        self.login(self.bob)
        data = {"nickname": "小美", "owner": self.bob.pk, "birthday_calendar": "solar"}
        response = self.client.post(
            "/customers/new/", {**data, "birthday_month": "2", "birthday_day": "30"}
        )
        assert "There is no 2/30." in response.content.decode()

    def test_the_page_offers_lunar_names_and_saves_the_parts(self) -> None:
        self.login(self.bob)
        html = self.client.get("/customers/new/").content.decode()
        assert 'data-lunar="正月"' in html and 'data-lunar="腊月"' in html
        assert 'data-lunar="初一"' in html and 'data-lunar="三十"' in html
        assert 'name="birthday_leap"' in html and 'name="birthday_year"' in html
        assert 'name="birthday"' not in html
        response = self.client.post(
            "/customers/new/",
            {
                "nickname": "小美",
                "owner": self.bob.pk,
                "birthday_calendar": "lunar",
                "birthday_month": "1",
                "birthday_day": "7",
            },
        )
        assert response.status_code == 302
        customer = Customer.objects.get(nickname="小美")
        assert customer.birthday_label == "农历正月初七"
        # Editing without touching the birthday keeps it.
        url = f"/customers/{customer.pk}/edit/"
        html = self.client.get(url).content.decode()
        response = self.client.post(
            url,
            {
                "nickname": "小美美",
                "owner": self.bob.pk,
                "birthday_calendar": "lunar",
                "birthday_month": "1",
                "birthday_day": "7",
            },
        )
        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.nickname == "小美美" and customer.birthday_label == "农历正月初七"


class PageTests(BaseTestCase):
    def test_it_shows_the_next_birthday_in_both_calendars(self) -> None:
        customer = make_customer(self.bob, "小美", birthday_calendar="lunar", birthday_month=1,
                                 birthday_day=7)  # fmt: skip
        self.login(self.bob)
        with time_machine.travel("2026-03-01 12:00 +0800", tick=False):
            html = self.client.get(f"/customers/{customer.pk}/").content.decode()
        assert "农历正月初七" in html
        assert "下次生日：2027年2月12日（农历正月初七）" in html
        solar = make_customer(self.bob, "小丽", birthday_month=2, birthday_day=3)
        with time_machine.travel("2026-03-01 12:00 +0800", tick=False):
            html = self.client.get(f"/customers/{solar.pk}/").content.decode()
        assert "下次生日：2027年2月3日（农历十二月廿七）" not in html
        assert "下次生日：2027年2月3日（农历腊月廿七）" in html


class ApiTests(BaseTestCase):
    def test_the_old_birthday_field_still_sets_and_answers_the_solar_date_of_birth(self) -> None:
        body = {"nickname": "小美", "birthday": "1990-02-15", "birthday_calendar": "lunar"}
        response = self.api(self.bob, "post", "/api/customers", body)
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["birthday"] == "1990-02-15" and data["birthday_calendar"] == "lunar"
        # 1990-02-15 is 正月二十 of lunar 1990.
        assert (data["birthday_month"], data["birthday_day"], data["birthday_year"]) == (
            1,
            20,
            1990,
        )
        assert data["birthday_leap"] is False

    def test_it_takes_the_parts_and_a_birthday_without_a_year(self) -> None:
        customer = make_customer(self.bob, "小美")
        url = f"/api/customers/{customer.pk}"
        body = {"birthday_calendar": "lunar", "birthday_month": 12, "birthday_day": 30}
        data = self.api(self.bob, "patch", url, body).json()
        assert (data["birthday_month"], data["birthday_day"]) == (12, 30)
        assert data["birthday"] is None and data["birthday_year"] is None
        # A patch of something else keeps the birthday.
        data = self.api(self.bob, "patch", url, {"notes": "爱喝茶"}).json()
        assert (data["birthday_month"], data["birthday_day"]) == (12, 30)
        body = {"birthday_calendar": "solar", "birthday_month": 2, "birthday_day": 30}
        response = self.api(self.bob, "patch", url, body)
        assert response.status_code == 422
        assert "没有2月30日" in " ".join(response.json()["errors"]["birthday_day"])
        data = self.api(
            self.bob, "patch", url, {"birthday_month": None, "birthday_day": None}
        ).json()
        assert data["birthday_month"] is None and data["birthday_day"] is None

    def test_changing_the_calendar_of_a_dated_birthday_keeps_the_date_of_birth(self) -> None:
        # What the API did before: the date stays, the customer now celebrates its lunar day.
        customer = make_customer(self.bob, "小美", birthday=date(1990, 2, 15))
        url = f"/api/customers/{customer.pk}"
        data = self.api(self.bob, "patch", url, {"birthday_calendar": "lunar"}).json()
        assert data["birthday"] == "1990-02-15"
        assert (data["birthday_month"], data["birthday_day"]) == (1, 20)


class ConstraintTests(BaseTestCase):
    def test_the_database_refuses_birthdays_that_never_are(self) -> None:
        customer = make_customer(self.bob, "小美")
        bad: list[dict[str, Any]] = [
            {"birthday_month": 2, "birthday_day": 30},
            {"birthday_month": 13, "birthday_day": 1},
            {"birthday_month": 1, "birthday_day": 31, "birthday_calendar": "lunar"},
            {"birthday_month": 1, "birthday_day": 1, "birthday_leap": True},
            {"birthday_month": 1},
            {"birthday_year": 1990},
        ]
        for values in bad:
            with self.subTest(values), transaction.atomic(), self.assertRaises(IntegrityError):
                Customer.objects.filter(pk=customer.pk).update(**values)
        ok: dict[str, Any] = {"birthday_month": 12, "birthday_day": 30}
        ok.update(birthday_calendar="lunar", birthday_leap=True)
        Customer.objects.filter(pk=customer.pk).update(**ok)
