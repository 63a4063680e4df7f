"""Expected dates are well-known published dates (春节, 中秋, 端午 ...) or day counts from them;
the few that are not were cross-checked with the `lunardate` package, an independent table."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from lunar_python import Solar

from yutang.lib import cncalendar
from yutang.lib.cncalendar import Holiday, holidays_between, lunar_label, next_birthday

SOLAR_TERMS = frozenset(
    {
        "小寒", "大寒", "立春", "雨水", "惊蛰", "春分", "清明", "谷雨",
        "立夏", "小满", "芒种", "夏至", "小暑", "大暑", "立秋", "处暑",
        "白露", "秋分", "寒露", "霜降", "立冬", "小雪", "大雪", "冬至",
    }
)  # fmt: skip


def solar(birth: date, on_or_after: date) -> date:
    return next_birthday(birth, lunar=False, on_or_after=on_or_after)


def lunar(birth: date, on_or_after: date) -> date:
    return next_birthday(birth, lunar=True, on_or_after=on_or_after)


def test_it_repeats_a_solar_birthday_on_the_same_month_and_day() -> None:
    assert solar(date(1990, 6, 15), date(2026, 1, 1)) == date(2026, 6, 15)
    assert solar(date(1990, 6, 15), date(2026, 6, 16)) == date(2027, 6, 15)


def test_it_counts_a_birthday_falling_on_the_start_day() -> None:
    assert solar(date(1990, 6, 15), date(2026, 6, 15)) == date(2026, 6, 15)
    assert lunar(date(1990, 2, 15), date(2026, 3, 8)) == date(2026, 3, 8)


def test_it_moves_29_february_to_28_february_in_common_years() -> None:
    leapling = date(2000, 2, 29)
    assert solar(leapling, date(2026, 1, 1)) == date(2026, 2, 28)
    assert solar(leapling, date(2026, 3, 1)) == date(2027, 2, 28)
    assert solar(leapling, date(2027, 3, 1)) == date(2028, 2, 29)


def test_it_never_places_a_birthday_before_the_birth() -> None:
    assert solar(date(2026, 5, 1), date(2025, 1, 1)) == date(2026, 5, 1)
    assert lunar(date(2026, 5, 1), date(2025, 1, 1)) == date(2026, 5, 1)


def test_it_finds_a_lunar_birthday() -> None:
    # 1990-02-15 is 正月二十 (春节 1990 was 27 Jan). 正月二十 is 春节 + 19 days:
    # 2026-02-17 + 19 = 2026-03-08, 2027-02-06 + 19 = 2027-02-25.
    born = date(1990, 2, 15)
    assert lunar(born, date(2026, 1, 1)) == date(2026, 3, 8)
    assert lunar(born, date(2026, 3, 9)) == date(2027, 2, 25)
    # The solar reading of the same birth date gives a different day.
    assert solar(born, date(2026, 1, 1)) == date(2026, 2, 15)


def test_it_finds_a_lunar_birthday_across_the_solar_year_end() -> None:
    # 1990-01-04 is 腊月初八 of lunar 1989. 腊月 before 春节 2026 (02-17) has 29 days, so it began
    # 2026-01-19 and 初八 is 01-26; before 春节 2027 (02-06) it also has 29 days: 初八 = 2027-01-15.
    born = date(1990, 1, 4)
    assert lunar(born, date(2025, 12, 1)) == date(2026, 1, 26)
    assert lunar(born, date(2026, 1, 27)) == date(2027, 1, 15)


def test_it_celebrates_a_leap_month_birth_in_the_ordinary_month_without_that_leap_month() -> None:
    # 1998-07-08 is 闰五月十五. 2026 has no leap month: 五月十五 = 端午 (2026-06-19) + 10 days.
    born = date(1998, 7, 8)
    assert lunar_label(born) == "闰五月十五"
    assert lunar(born, date(2026, 1, 1)) == date(2026, 6, 29)
    # 2020-06-06 is 闰四月十五; in 2026 that is 四月十五.
    assert lunar(date(2020, 6, 6), date(2026, 1, 1)) == date(2026, 5, 31)


def test_it_celebrates_a_leap_month_birth_in_the_leap_month_when_the_year_has_it() -> None:
    # 2028 has a 闰五月 again: 五月十五 is 2028-06-07 and 闰五月十五 2028-07-07.
    born = date(1998, 7, 8)
    assert lunar(born, date(2028, 1, 1)) == date(2028, 7, 7)
    assert lunar_label(date(2028, 7, 7)) == "闰五月十五"
    # Someone born in the ordinary 五月 (of 29 days in 1998) keeps the ordinary month that year.
    assert lunar_label(date(1998, 6, 9)) == "五月十五"
    assert lunar(date(1998, 6, 9), date(2028, 1, 1)) == date(2028, 6, 7)


def test_it_moves_day_30_to_day_29_in_a_short_month() -> None:
    # 1990-01-26 is 腊月三十, the eve of 春节 1990 (27 Jan). Lunar 2025's 腊月 has 29 days
    # (no 年三十 before 春节 2026): the birthday is 腊月廿九 = 除夕 = 2026-02-16.
    born = date(1990, 1, 26)
    assert lunar_label(born) == "腊月三十"
    assert lunar(born, date(2026, 1, 1)) == date(2026, 2, 16)
    assert lunar_label(date(2026, 2, 16)) == "腊月廿九"
    # Lunar 2029's 腊月 has 30 days again: 腊月三十 is the eve of 春节 2030 (02-03).
    assert lunar(born, date(2029, 3, 1)) == date(2030, 2, 2)
    assert lunar_label(date(2030, 2, 2)) == "腊月三十"


def test_it_works_at_the_edges_of_the_supported_range() -> None:
    assert lunar(date(1900, 1, 1), date(1900, 1, 1)) == date(1900, 1, 1)
    assert lunar_label(date(1900, 1, 1)) == "腊月初一"
    assert lunar(date(1900, 1, 31), date(2099, 1, 1)) == date(2099, 1, 21)
    assert solar(date(2030, 12, 31), date(2099, 12, 31)) == date(2099, 12, 31)


@pytest.mark.parametrize(
    ("birth", "on_or_after"),
    [
        (date(1899, 12, 31), date(2026, 1, 1)),
        (date(1990, 5, 1), date(1899, 12, 31)),
        (date(1990, 5, 1), date(2100, 1, 1)),
        # The next birthday itself would be in 2100.
        (date(1990, 5, 1), date(2099, 12, 1)),
    ],
)
def test_it_refuses_birthdays_outside_the_supported_range(birth: date, on_or_after: date) -> None:
    for is_lunar in (False, True):
        with pytest.raises(ValueError, match="outside the supported calendar range"):
            next_birthday(birth, lunar=is_lunar, on_or_after=on_or_after)


def test_it_refuses_labels_and_holidays_outside_the_supported_range() -> None:
    with pytest.raises(ValueError, match="outside the supported calendar range"):
        lunar_label(date(1899, 12, 31))
    with pytest.raises(ValueError, match="outside the supported calendar range"):
        holidays_between(date(2099, 12, 1), date(2100, 1, 10))
    with pytest.raises(ValueError, match="before start"):
        holidays_between(date(2026, 2, 1), date(2026, 1, 1))


def test_it_writes_lunar_labels_in_chinese() -> None:
    assert lunar_label(date(2026, 2, 17)) == "正月初一"
    assert lunar_label(date(2026, 3, 3)) == "正月十五"
    assert lunar_label(date(1990, 2, 15)) == "正月二十"
    assert lunar_label(date(2026, 1, 26)) == "腊月初八"
    assert lunar_label(date(2020, 6, 6)) == "闰四月十五"
    assert lunar_label(date(2026, 9, 25)) == "八月十五"
    # 2025 had a 闰六月; its first day was 2025-07-25.
    assert lunar_label(date(2025, 7, 25)) == "闰六月初一"
    assert lunar_label(date(2025, 12, 20)) == "冬月初一"


def test_it_lists_the_holidays_of_2026() -> None:
    found = [(h.day, h.key, h.name) for h in holidays_between(date(2026, 1, 1), date(2026, 12, 31))]
    assert found == [
        (date(2026, 1, 1), "new_year", "元旦"),
        (date(2026, 1, 26), "laba", "腊八节"),
        (date(2026, 2, 14), "valentines_day", "情人节"),
        (date(2026, 2, 16), "chuxi", "除夕"),
        (date(2026, 2, 17), "spring_festival", "春节"),
        (date(2026, 3, 3), "lantern", "元宵节"),
        (date(2026, 3, 8), "womens_day", "妇女节"),
        (date(2026, 5, 1), "labour_day", "劳动节"),
        # Second Sunday of May: 1 May 2026 is a Friday.
        (date(2026, 5, 10), "mothers_day", "母亲节"),
        (date(2026, 5, 20), "520", "520"),
        (date(2026, 6, 1), "childrens_day", "儿童节"),
        (date(2026, 6, 19), "dragon_boat", "端午节"),
        # Third Sunday of June: 1 June 2026 is a Monday.
        (date(2026, 6, 21), "fathers_day", "父亲节"),
        (date(2026, 8, 19), "qixi", "七夕"),
        (date(2026, 9, 10), "teachers_day", "教师节"),
        (date(2026, 9, 25), "mid_autumn", "中秋节"),
        (date(2026, 10, 1), "national_day", "国庆节"),
        # 九月初九 = 中秋 (八月十五) + 八月's remaining 14 days (29-day month) + 9.
        (date(2026, 10, 18), "double_ninth", "重阳节"),
        (date(2026, 11, 11), "double_eleven", "双十一"),
        # Fourth Thursday of November.
        (date(2026, 11, 26), "thanksgiving", "感恩节"),
        (date(2026, 12, 22), "winter_solstice", "冬至"),
        (date(2026, 12, 25), "christmas", "圣诞节"),
    ]


def test_it_finds_the_lunar_festivals_of_other_years() -> None:
    keyed = {
        (h.key, h.day.year): h.day for h in holidays_between(date(2025, 1, 1), date(2027, 12, 31))
    }
    assert keyed["spring_festival", 2025] == date(2025, 1, 29)
    assert keyed["chuxi", 2025] == date(2025, 1, 28)
    assert keyed["spring_festival", 2027] == date(2027, 2, 6)
    assert keyed["mid_autumn", 2025] == date(2025, 10, 6)
    assert keyed["dragon_boat", 2025] == date(2025, 5, 31)


def test_it_keeps_festivals_out_of_leap_months() -> None:
    # 2028 has both a 五月 and a 闰五月; 端午 is only in the ordinary one (五月初五 = 2028-05-28).
    found = holidays_between(date(2028, 1, 1), date(2028, 12, 31))
    assert [h.day for h in found if h.key == "dragon_boat"] == [date(2028, 5, 28)]
    assert [h.day for h in found if h.key == "mid_autumn"] == [date(2028, 10, 3)]


def test_it_lists_a_window_spanning_the_year_end() -> None:
    found = [(h.day, h.key) for h in holidays_between(date(2026, 12, 20), date(2027, 2, 10))]
    # 腊八 2027: 春节 2027-02-06, 腊月 of 29 days began 2027-01-08, so 初八 = 01-15.
    assert found == [
        (date(2026, 12, 22), "winter_solstice"),
        (date(2026, 12, 25), "christmas"),
        (date(2027, 1, 1), "new_year"),
        (date(2027, 1, 15), "laba"),
        (date(2027, 2, 5), "chuxi"),
        (date(2027, 2, 6), "spring_festival"),
    ]


def test_it_includes_both_ends_of_the_window() -> None:
    assert [h.key for h in holidays_between(date(2026, 2, 17), date(2026, 2, 17))] == [
        "spring_festival"
    ]
    assert [h.key for h in holidays_between(date(2026, 2, 15), date(2026, 2, 16))] == ["chuxi"]


def test_it_keeps_no_solar_term_but_the_winter_solstice() -> None:
    found = holidays_between(date(2024, 1, 1), date(2027, 12, 31))
    terms = [h for h in found if h.name in SOLAR_TERMS]
    assert {h.name for h in terms} == {"冬至"}
    assert [h.day for h in terms] == [
        date(2024, 12, 21),
        date(2025, 12, 21),
        date(2026, 12, 22),
        date(2027, 12, 22),
    ]
    assert not [h for h in found if "清明" in h.name or h.day == date(2026, 4, 5)]


def test_it_gives_stable_ascii_keys_and_frozen_holidays() -> None:
    found = holidays_between(date(2026, 1, 1), date(2026, 12, 31))
    assert all(h.key.isascii() and h.key == h.key.strip() for h in found)
    assert len({h.key for h in found}) == len(found)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found[0].key = "other"  # type: ignore[misc]
    assert Holiday(date(2026, 5, 20), "520", "520") in found


@pytest.mark.parametrize("year", [2025, 2030])
def test_it_agrees_with_lunar_python_day_by_day(year: int) -> None:
    # Our fast path reads lunar-python's month tables once per year instead of building a Lunar
    # per day; it must name exactly the festivals the package's own per-day API names.
    expected = []
    day = date(year, 1, 1)
    while day.year == year:
        s = Solar.fromYmd(day.year, day.month, day.day)
        lun = s.getLunar()
        names = [*s.getFestivals(), *s.getOtherFestivals(), *lun.getFestivals(), lun.getJieQi()]
        keys = dict.fromkeys(cncalendar._WANTED[n][0] for n in names if n in cncalendar._WANTED)
        expected += [(day, key) for key in keys]
        day += timedelta(days=1)
    found = [(h.day, h.key) for h in holidays_between(date(year, 1, 1), date(year, 12, 31))]
    assert found == expected
