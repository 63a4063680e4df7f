"""Chinese calendar for touchpoints: solar/lunar birthdays and the festivals sellers greet on.

Every lunar date, solar term and festival name comes from the `lunar-python` package (astronomical
new-moon and solar-term computation, festival lists for solar and lunar dates). This module only
picks which of the package's festivals matter to a seller and gives them stable keys.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar, LunarYear, Solar
from lunar_python.util import LunarUtil

# The span where lunar-python's conversions were cross-checked day by day against an independent
# table (which starts at 1900-01-31, 正月初一 of 1900); outside it we would answer without evidence.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2099, 12, 31)


@dataclass(frozen=True)
class Holiday:
    day: date
    key: str
    name: str


# Festival name as lunar-python spells it -> (our stable key, the name shown to sellers). Names the
# package gives that are not listed here (memorial days, UN days, 清明, the other solar terms...)
# are not occasions for a friendly message and are dropped.
_WANTED: dict[str, tuple[str, str]] = {
    # Solar.getFestivals() / Solar.getOtherFestivals()
    "元旦节": ("new_year", "元旦"),
    "情人节": ("valentines_day", "情人节"),
    "妇女节": ("womens_day", "妇女节"),
    "劳动节": ("labour_day", "劳动节"),
    "母亲节": ("mothers_day", "母亲节"),
    "网络情人节": ("520", "520"),
    "儿童节": ("childrens_day", "儿童节"),
    "父亲节": ("fathers_day", "父亲节"),
    "教师节": ("teachers_day", "教师节"),
    "国庆节": ("national_day", "国庆节"),
    "光棍节": ("double_eleven", "双十一"),
    "感恩节": ("thanksgiving", "感恩节"),
    "圣诞节": ("christmas", "圣诞节"),
    # LunarUtil.FESTIVAL, plus 除夕 (see _lunar_festival_names)
    "腊八节": ("laba", "腊八节"),
    "除夕": ("chuxi", "除夕"),
    "春节": ("spring_festival", "春节"),
    "元宵节": ("lantern", "元宵节"),
    "端午节": ("dragon_boat", "端午节"),
    "七夕节": ("qixi", "七夕"),
    "中秋节": ("mid_autumn", "中秋节"),
    "重阳节": ("double_ninth", "重阳节"),
    # Solar terms: only 冬至 is a greeting day (dumplings / 冬至大如年); 清明 is for the dead.
    "冬至": ("winter_solstice", "冬至"),
}


@dataclass(frozen=True)
class _Month:
    number: int  # negative for a leap month, as lunar-python numbers them
    first: date
    days: int


@dataclass(frozen=True)
class _LunarYearData:
    months: tuple[_Month, ...]
    solar_terms: tuple[tuple[date, str], ...]


def _to_date(solar: Solar) -> date:
    return date(int(solar.getYear()), int(solar.getMonth()), int(solar.getDay()))


@lru_cache(maxsize=512)
def _lunar_year(year: int) -> _LunarYearData:
    # lunar-python caches only the last LunarYear it built, and converting any day before 春节
    # touches two lunar years, so a day-by-day walk recomputes the astronomy for every day (~0.2 s
    # for a 40-day January window). Keeping each year's months and terms here makes it ~15 ms.
    lunar_year = LunarYear.fromYear(year)
    months = tuple(
        _Month(
            int(m.getMonth()),
            _to_date(Solar.fromJulianDay(m.getFirstJulianDay())),
            int(m.getDayCount()),
        )
        for m in lunar_year.getMonths()
        if m.getYear() == year
    )
    # JIE_QI_IN_USE pairs each Julian day with a name; the ASCII names are the neighbouring years'
    # terms, which that year's own table lists under their Chinese name.
    terms = tuple(
        (_to_date(Solar.fromJulianDay(jd)), name)
        for name, jd in zip(Lunar.JIE_QI_IN_USE, lunar_year.getJieQiJulianDays(), strict=True)
        if not name.isascii()
    )
    return _LunarYearData(months, terms)


def _check_range(day: date, what: str) -> None:
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(
            f"{what} {day.isoformat()} is outside the supported calendar range "
            f"{MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}"
        )


def _to_lunar(day: date) -> tuple[int, int, int]:
    """(lunar year, month — negative if leap, day) of a solar date."""
    # A solar date lies in the lunar year of the same number or, before 春节, the one before.
    for year in (day.year, day.year - 1):
        for month in _lunar_year(year).months:
            offset = (day - month.first).days
            if 0 <= offset < month.days:
                return year, month.number, offset + 1
    raise AssertionError(f"lunar-python has no lunar month containing {day.isoformat()}")


def lunar_label(day: date) -> str:
    """The lunar month and day of a solar date as written in Chinese, e.g. 腊月初八, 闰四月十五."""
    _check_range(day, "date")
    _, month, lunar_day = _to_lunar(day)
    leap = "闰" if month < 0 else ""
    return f"{leap}{LunarUtil.MONTH[abs(month)]}月{LunarUtil.DAY[lunar_day]}"


# The names of the lunar months and days as a form offers them: 正月…腊月, 初一…三十.
LUNAR_MONTHS = tuple(f"{name}月" for name in LunarUtil.MONTH[1:])
LUNAR_DAYS = tuple(LunarUtil.DAY[1:])


@dataclass(frozen=True)
class LunarDate:
    year: int
    month: int  # 1..12, the leap month keeps its number
    day: int  # 1..30
    leap: bool

    @property
    def label(self) -> str:
        """正月初七, 闰四月十五."""
        return month_day_label(self.month, self.day, lunar=True, leap=self.leap)


def month_day_label(month: int, day: int, *, lunar: bool, leap: bool = False) -> str:
    """A birthday without its year as written in Chinese: 5月20日, 正月初七, 闰四月十五."""
    if lunar:
        return f"{'闰' if leap else ''}{LUNAR_MONTHS[month - 1]}{LUNAR_DAYS[day - 1]}"
    return f"{month}月{day}日"


def to_lunar(day: date) -> LunarDate:
    """The lunar date of a solar date."""
    _check_range(day, "date")
    year, month, lunar_day = _to_lunar(day)
    return LunarDate(year, abs(month), lunar_day, month < 0)


def lunar_month_days(year: int, month: int, *, leap: bool = False) -> int | None:
    """The number of days (29 or 30) of that lunar month, None when the year has no such month
    (a leap month the year does not have) or is outside the supported range."""
    if not MIN_DATE.year <= year <= MAX_DATE.year:
        return None
    for found in _lunar_year(year).months:
        if found.number == (-month if leap else month):
            return found.days
    return None


def from_lunar(year: int, month: int, day: int, *, leap: bool = False) -> date:
    """The solar date of a lunar date; ValueError when that lunar date did not exist."""
    days = lunar_month_days(year, month, leap=leap)
    if days is None or not 1 <= day <= days:
        raise ValueError(f"no lunar date {year}-{'闰' if leap else ''}{month}-{day}")
    first = next(
        m.first for m in _lunar_year(year).months if m.number == (-month if leap else month)
    )
    found = first + timedelta(days=day - 1)
    _check_range(found, "date")
    return found


def _solar_birthday(month: int, day: int, year: int) -> date:
    # A 29 Feb birthday is kept in February (28 Feb) in common years rather than moved to 1 Mar:
    # the greeting then never comes after the day the customer may celebrate.
    if (month, day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def _lunar_birthday(month_number: int, lunar_day: int, year: int) -> date:
    months = {month.number: month for month in _lunar_year(year).months}
    if month_number < 0 and month_number not in months:
        # Born in a leap month: in years without that leap month, the ordinary month of the same
        # number is the birthday month (the common custom).
        month_number = -month_number
    month = months[month_number]
    # Day 30 in a 29-day month is celebrated on the month's last day, 29.
    return month.first + timedelta(days=min(lunar_day, month.days) - 1)


def next_birthday_of(
    month: int,
    day: int,
    *,
    lunar: bool,
    on_or_after: date,
    leap: bool = False,
    born: date | None = None,
) -> date:
    """The first day on or after `on_or_after` on which someone celebrates a birthday kept as a
    month and a day (of the lunar calendar with `lunar`, then `leap` marks a leap month).

    A lunar 闰 month birthday falls in the ordinary month of that number in years without that
    leap month; lunar day 30 falls on day 29 in a 29-day month; solar 29 Feb falls on 28 Feb in
    common years. `born`, the solar date of birth when the year is known, keeps every birthday on
    or after the birth.
    """
    _check_range(on_or_after, "on_or_after")
    start = on_or_after
    if born is not None:
        _check_range(born, "birth date")
        start = max(born, on_or_after)
    if lunar:
        if not (1 <= month <= 12 and 1 <= day <= 30):
            raise ValueError(f"no lunar month {month} day {day}")
        number = -month if leap else month
        # Lunar year N runs from late Jan/Feb of N into early N+1, so the first occurrence on or
        # after `start` is in lunar year start.year - 1, start.year or start.year + 1.
        candidates = (
            _lunar_birthday(number, day, year) for year in range(start.year - 1, start.year + 2)
        )
    else:
        date(2000, month, day)  # ValueError for a day the month never has (2月30日)
        candidates = (_solar_birthday(month, day, year) for year in (start.year, start.year + 1))
    found = next(found for found in candidates if found >= start)
    _check_range(found, "next birthday")
    return found


def next_birthday(birth: date, *, lunar: bool, on_or_after: date) -> date:
    """The first day on or after `on_or_after` on which someone born on `birth` celebrates.

    `birth` is always the solar date of birth; with `lunar` the birthday follows the lunar month
    and day of that date. A birth later than `on_or_after` counts from the birth itself, so no
    birthday is ever placed before the person was born.
    """
    _check_range(birth, "birth date")
    _check_range(on_or_after, "on_or_after")
    if lunar:
        born = to_lunar(birth)
        return next_birthday_of(
            born.month, born.day, lunar=True, leap=born.leap, on_or_after=on_or_after, born=birth
        )
    return next_birthday_of(
        birth.month, birth.day, lunar=False, on_or_after=on_or_after, born=birth
    )


def _lunar_festival_names(day: date) -> list[str]:
    _, month, lunar_day = _to_lunar(day)
    # Same lookup as Lunar.getFestivals(): the signed month keeps festivals out of leap months.
    name = LunarUtil.FESTIVAL.get(f"{month}-{lunar_day}")
    names = [name] if name else []
    # 除夕 is the last day of the year (腊月廿九 or 三十), which Lunar.getFestivals() also derives.
    if _to_lunar(day + timedelta(days=1))[1:] == (1, 1):
        names.append("除夕")
    return names


def _solar_terms_between(start: date, end: date) -> dict[date, str]:
    terms: dict[date, str] = {}
    # The term table of lunar year N spans 冬至 of N-1 to 大雪 of N, hence the extra year.
    for year in range(start.year, end.year + 2):
        for day, name in _lunar_year(year).solar_terms:
            if start <= day <= end:
                terms[day] = name
    return terms


def holidays_between(start: date, end: date) -> list[Holiday]:
    """Festivals a seller greets customers on, from `start` to `end` inclusive, in date order."""
    _check_range(start, "start")
    _check_range(end, "end")
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    terms = _solar_terms_between(start, end)
    found: list[Holiday] = []
    day = start
    while day <= end:
        solar = Solar.fromYmd(day.year, day.month, day.day)
        names = [
            *solar.getFestivals(),
            *solar.getOtherFestivals(),
            *_lunar_festival_names(day),
        ]
        if day in terms:
            names.append(terms[day])
        seen: set[str] = set()
        for name in names:
            wanted = _WANTED.get(name)
            if wanted and wanted[0] not in seen:
                seen.add(wanted[0])
                found.append(Holiday(day, *wanted))
        day += timedelta(days=1)
    return found
