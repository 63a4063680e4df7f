"""The birthday touchpoint follows the next occurrence of a birthday kept as month and day: a
year-less one, a leap-month one in a year without that leap month, 三十 in a 29-day month."""

from __future__ import annotations

from datetime import date

import time_machine

from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.derive import derive_touchpoints

from .helpers import at


def derive_on(day: str) -> None:
    with time_machine.travel(at(day), tick=False):
        derive_touchpoints(today=date.fromisoformat(day))


class BirthdayPartsTests(BaseTestCase):
    def test_a_solar_birthday_without_a_year(self) -> None:
        customer = make_customer(self.bob, "小美", birthday_month=5, birthday_day=20)
        derive_on("2026-05-20")
        tp = customer.touchpoints.get(kind="birthday")
        assert tp.due_on == date(2026, 5, 20) and tp.data["lunar"] is False

    def test_a_lunar_birthday_without_a_year(self) -> None:
        # 正月初七 of 2027 is 12 February.
        customer = make_customer(
            self.bob, "小美", birthday_calendar="lunar", birthday_month=1, birthday_day=7
        )
        derive_on("2027-02-12")
        tp = customer.touchpoints.get(kind="birthday")
        assert tp.due_on == date(2027, 2, 12) and tp.data["lunar_label"] == "正月初七"

    def test_a_leap_month_birthday_in_a_year_without_it(self) -> None:
        # 闰五月十五: 2026 has no leap month, so it falls on 五月十五, 2026-06-29.
        customer = make_customer(
            self.bob, "小美", birthday_calendar="lunar", birthday_month=5, birthday_day=15,
            birthday_leap=True,
        )  # fmt: skip
        derive_on("2026-06-29")
        tp = customer.touchpoints.get(kind="birthday")
        assert tp.due_on == date(2026, 6, 29) and tp.data["lunar_label"] == "五月十五"

    def test_day_30_in_a_29_day_month(self) -> None:
        # 腊月三十: lunar 2025's 腊月 has 29 days, so 腊月廿九 (除夕), 2026-02-16.
        customer = make_customer(
            self.bob, "小美", birthday_calendar="lunar", birthday_month=12, birthday_day=30
        )
        derive_on("2026-02-16")
        tp = customer.touchpoints.get(kind="birthday")
        assert tp.due_on == date(2026, 2, 16) and tp.data["lunar_label"] == "腊月廿九"
