"""Birthdays kept as a month and a day (the year optional): the next occurrence in each calendar,
and the conversions between a solar date and its lunar month and day. Django-free."""

from __future__ import annotations

from datetime import date

import pytest

from yutang.lib.cncalendar import (
    LUNAR_DAYS,
    LUNAR_MONTHS,
    from_lunar,
    lunar_label,
    lunar_month_days,
    month_day_label,
    next_birthday_of,
    to_lunar,
)


def test_it_names_the_lunar_months_and_days_as_a_form_offers_them() -> None:
    assert LUNAR_MONTHS[0] == "正月" and LUNAR_MONTHS[10] == "冬月" and LUNAR_MONTHS[11] == "腊月"
    assert len(LUNAR_MONTHS) == 12
    assert LUNAR_DAYS[0] == "初一" and LUNAR_DAYS[19] == "二十" and LUNAR_DAYS[29] == "三十"
    assert len(LUNAR_DAYS) == 30
    assert month_day_label(1, 7, lunar=True) == "正月初七"
    assert month_day_label(4, 15, lunar=True, leap=True) == "闰四月十五"
    assert month_day_label(5, 20, lunar=False) == "5月20日"


def test_it_converts_a_solar_date_to_its_lunar_date_and_back() -> None:
    # 2027-02-12 is 正月初七 (春节 2027 is 6 Feb); 1998-07-08 is 闰五月十五.
    assert to_lunar(date(2027, 2, 12)).label == "正月初七"
    leap = to_lunar(date(1998, 7, 8))
    assert (leap.year, leap.month, leap.day, leap.leap) == (1998, 5, 15, True)
    assert from_lunar(1998, 5, 15, leap=True) == date(1998, 7, 8)
    assert from_lunar(1998, 5, 15) == date(1998, 6, 9)
    # 腊月 of lunar 1989 falls in January 1990.
    winter = to_lunar(date(1990, 1, 4))
    assert (winter.year, winter.month, winter.day, winter.leap) == (1989, 12, 8, False)
    assert from_lunar(1989, 12, 8) == date(1990, 1, 4)


def test_it_refuses_lunar_dates_that_never_were() -> None:
    assert lunar_month_days(2026, 5, leap=True) is None  # 2026 has no leap month
    assert lunar_month_days(1998, 5, leap=True) in (29, 30)
    assert lunar_month_days(2025, 12) == 29  # no 年三十 before 春节 2026
    with pytest.raises(ValueError):
        from_lunar(2026, 5, 1, leap=True)
    with pytest.raises(ValueError):
        from_lunar(2025, 12, 30)
    assert lunar_month_days(1850, 1) is None


def test_it_finds_the_next_solar_birthday_without_a_year() -> None:
    assert next_birthday_of(5, 20, lunar=False, on_or_after=date(2026, 5, 21)) == date(2027, 5, 20)
    assert next_birthday_of(5, 20, lunar=False, on_or_after=date(2026, 5, 20)) == date(2026, 5, 20)
    # 29 Feb without a year: 28 Feb in common years.
    assert next_birthday_of(2, 29, lunar=False, on_or_after=date(2026, 1, 1)) == date(2026, 2, 28)
    assert next_birthday_of(2, 29, lunar=False, on_or_after=date(2028, 1, 1)) == date(2028, 2, 29)
    with pytest.raises(ValueError):
        next_birthday_of(2, 30, lunar=False, on_or_after=date(2026, 1, 1))


def test_it_finds_the_next_lunar_birthday_without_a_year() -> None:
    # 正月初七: 2026-02-23 (春节 2026-02-17), 2027-02-12.
    assert next_birthday_of(1, 7, lunar=True, on_or_after=date(2026, 1, 1)) == date(2026, 2, 23)
    assert next_birthday_of(1, 7, lunar=True, on_or_after=date(2026, 2, 24)) == date(2027, 2, 12)
    day = next_birthday_of(1, 7, lunar=True, on_or_after=date(2026, 2, 24))
    assert lunar_label(day) == "正月初七"


def test_it_moves_a_leap_month_birthday_to_the_ordinary_month_in_years_without_it() -> None:
    # 闰五月十五: 2026 has no leap month, so 五月十五 (2026-06-29); 2028 has 闰五月 (2028-07-07).
    on = date(2026, 1, 1)
    assert next_birthday_of(5, 15, lunar=True, leap=True, on_or_after=on) == date(2026, 6, 29)
    on = date(2028, 1, 1)
    assert next_birthday_of(5, 15, lunar=True, leap=True, on_or_after=on) == date(2028, 7, 7)
    assert next_birthday_of(5, 15, lunar=True, on_or_after=on) == date(2028, 6, 7)


def test_it_moves_day_30_to_day_29_in_a_29_day_month() -> None:
    # 腊月三十: lunar 2025's 腊月 has 29 days, so 腊月廿九 = 除夕 2026-02-16; lunar 2029's has 30.
    day = next_birthday_of(12, 30, lunar=True, on_or_after=date(2026, 1, 1))
    assert day == date(2026, 2, 16) and lunar_label(day) == "腊月廿九"
    day = next_birthday_of(12, 30, lunar=True, on_or_after=date(2029, 3, 1))
    assert day == date(2030, 2, 2) and lunar_label(day) == "腊月三十"
    with pytest.raises(ValueError):
        next_birthday_of(1, 31, lunar=True, on_or_after=date(2026, 1, 1))


def test_it_never_places_a_birthday_before_the_birth() -> None:
    born = date(2026, 5, 1)
    assert next_birthday_of(5, 1, lunar=False, on_or_after=date(2025, 1, 1), born=born) == born
