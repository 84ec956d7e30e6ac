"""Assessment periods: years, quarters, months and ISO weeks as inclusive local dates.

An assessment year need not start on 1 January (the Jilin transport bureau's runs
1 Dec–30 Nov). A year is named after the calendar year in which it *ends*:
with ``year_start = "12-01"``, ``2026`` is 2025-12-01..2026-11-30. With the default
``"01-01"`` that is simply the calendar year.

Months (``2026-03``) and ISO weeks (``2026-W07``) are always calendar months and ISO
weeks, whatever the assessment year.

Feb 29 is refused as a year or quarter start (it does not exist most years, so the
boundary would move); leap days themselves fall into periods like any other day.
"""

from __future__ import annotations

import calendar as _stdcal
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PERIOD_HINT = "use 2026, 2026Q1, 2026-03 or 2026-W07"
WINDOWS = ("week", "month", "quarter", "year")

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})[Qq](\d)$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-[Ww](\d{1,2})$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """A named span of inclusive local dates."""

    name: str
    start: date
    end: date

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def overlap_days(self, other: Period) -> int:
        """Number of days both periods share (0 when disjoint)."""
        first, last = max(self.start, other.start), min(self.end, other.end)
        return max(0, (last - first).days + 1)

    def __str__(self) -> str:
        return self.name


def _parse_month_day(text: str, what: str) -> tuple[int, int]:
    """'MM-DD' -> (month, day); refuses impossible days and Feb 29."""
    m = _MONTH_DAY.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"{what} {text!r}: expected \"MM-DD\", e.g. \"12-01\"")
    month, day = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"{what} {text!r}: month must be 01..12")
    if (month, day) == (2, 29):
        raise ValueError(f"{what} {text!r}: Feb 29 does not exist every year; use 02-28 or 03-01")
    # 2025 is not a leap year, so this is the right day limit once Feb 29 is excluded.
    if not 1 <= day <= _stdcal.monthrange(2025, month)[1]:
        raise ValueError(f"{what} {text!r}: there is no day {day} in month {month}")
    return month, day


class Calendar:
    """Turns dates and period names into Periods, following the configured year."""

    def __init__(
        self,
        year_start: str = "01-01",
        quarter_starts: list[str] | None = None,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._year_start = _parse_month_day(year_start, "calendar.year_start")
        if quarter_starts is None:
            starts = self._default_quarter_starts()
        else:
            if not isinstance(quarter_starts, (list, tuple)) or len(quarter_starts) != 4:
                raise ValueError(
                    f"calendar.quarter_starts {quarter_starts!r}: expected four \"MM-DD\" dates, "
                    "e.g. [\"12-01\", \"04-01\", \"07-01\", \"10-01\"]"
                )
            starts = [_parse_month_day(q, "calendar.quarter_starts entry") for q in quarter_starts]
            if starts[0] != self._year_start:
                raise ValueError(
                    f"calendar.quarter_starts: the first quarter must start on year_start "
                    f"{year_start!r}, not {quarter_starts[0]!r}"
                )
        self._quarter_starts = starts
        # Check order within one concrete year; the order is the same in every year.
        concrete = [self._on_or_after(self.year(2026).start, md) for md in starts]
        for a, b, text_b in zip(concrete, concrete[1:], (quarter_starts or starts)[1:]):
            if b <= a:
                raise ValueError(
                    f"calendar.quarter_starts: {text_b!r} is not after the previous quarter start "
                    f"in an assessment year starting {year_start!r}; list them in order Q1..Q4"
                )
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"timezone {timezone!r}: not a known IANA name such as 'Asia/Shanghai'") from None
        self.timezone = timezone

    def _default_quarter_starts(self) -> list[tuple[int, int]]:
        """Calendar quarters (CONTRACT: "default calendar quarters"), Q1 running from year_start.

        Q2..Q4 start on the last three calendar-quarter starts (1 Jan, 1 Apr, 1 Jul, 1 Oct)
        inside the assessment year; Q1 takes the months before them. With year_start "12-01"
        this is the Jilin transport calendar: Q1 = 1 Dec-31 Mar, Q4 = 1 Oct-30 Nov.
        """
        year = self.year(2026)
        inside = sorted(d for d in (self._on_or_after(year.start, md) for md in ((1, 1), (4, 1), (7, 1), (10, 1)))
                        if year.start < d <= year.end)
        return [self._year_start] + [(d.month, d.day) for d in inside[-3:]]

    # ---- building periods -------------------------------------------------
    def _year_start_date(self, y: int) -> date:
        month, day = self._year_start
        return date(y if (month, day) == (1, 1) else y - 1, month, day)

    @staticmethod
    def _on_or_after(start: date, md: tuple[int, int]) -> date:
        candidate = date(start.year, *md)
        return candidate if candidate >= start else date(start.year + 1, *md)

    def year(self, y: int) -> Period:
        """Assessment year ``y`` (named after the calendar year in which it ends)."""
        return Period(str(y), self._year_start_date(y), self._year_start_date(y + 1) - timedelta(days=1))

    def quarter(self, y: int, q: int) -> Period:
        if q not in (1, 2, 3, 4):
            raise ValueError(f"quarter {q!r}: must be 1..4")
        year = self.year(y)
        starts = [self._on_or_after(year.start, md) for md in self._quarter_starts]
        end = starts[q] - timedelta(days=1) if q < 4 else year.end
        return Period(f"{y}Q{q}", starts[q - 1], end)

    def quarters(self, y: int) -> list[Period]:
        return [self.quarter(y, q) for q in (1, 2, 3, 4)]

    def month(self, y: int, m: int) -> Period:
        if not 1 <= m <= 12:
            raise ValueError(f"month {m!r}: must be 1..12")
        last = _stdcal.monthrange(y, m)[1]
        return Period(f"{y}-{m:02d}", date(y, m, 1), date(y, m, last))

    def week(self, iso_year: int, w: int) -> Period:
        try:
            monday = date.fromisocalendar(iso_year, w, 1)
        except ValueError:
            raise ValueError(f"week {iso_year}-W{w:02d}: ISO year {iso_year} has no week {w}") from None
        return Period(f"{iso_year}-W{w:02d}", monday, monday + timedelta(days=6))

    def parse(self, text: str) -> Period:
        """'2026', '2026Q1', '2026-03' or '2026-W07' -> Period; ValueError otherwise."""
        s = text.strip() if isinstance(text, str) else ""
        try:
            if m := _YEAR.match(s):
                return self.year(int(m.group(1)))
            if m := _QUARTER.match(s):
                return self.quarter(int(m.group(1)), int(m.group(2)))
            if m := _MONTH.match(s):
                return self.month(int(m.group(1)), int(m.group(2)))
            if m := _WEEK.match(s):
                return self.week(int(m.group(1)), int(m.group(2)))
        except ValueError as exc:
            raise ValueError(f"bad period {text!r}: {PERIOD_HINT} ({exc})") from None
        raise ValueError(f"bad period {text!r}: {PERIOD_HINT}")

    # ---- dates to periods ---------------------------------------------------
    def local_date(self, dt: datetime) -> date:
        """An aware datetime's date in the configured timezone."""
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(f"naive datetime {dt.isoformat()}: a timezone-aware time is needed")
        return dt.astimezone(self.tz).date()

    def year_of(self, d: date) -> Period:
        # The year named d.year + 1 may already have begun (e.g. on 1 Dec).
        return self.year(d.year + 1 if d >= self._year_start_date(d.year + 1) else d.year)

    def quarter_of(self, d: date) -> Period:
        year = self.year_of(d)
        y = int(year.name)
        for q in (1, 2, 3, 4):
            quarter = self.quarter(y, q)
            if quarter.contains(d):
                return quarter
        raise AssertionError(f"{d} fell outside the quarters of {year.name}")  # cannot happen

    def month_of(self, d: date) -> Period:
        return self.month(d.year, d.month)

    def week_of(self, d: date) -> Period:
        iso_year, w, _ = d.isocalendar()
        return self.week(iso_year, w)

    def window(self, per: str, d: date) -> Period:
        """The week, month, quarter or year that contains ``d``."""
        if per == "week":
            return self.week_of(d)
        if per == "month":
            return self.month_of(d)
        if per == "quarter":
            return self.quarter_of(d)
        if per == "year":
            return self.year_of(d)
        raise ValueError(f"unknown quota window {per!r}; valid: {', '.join(WINDOWS)}")

    def windows(self, per: str, period: Period) -> list[Period]:
        """Every ``per`` window that overlaps ``period``, in order."""
        out: list[Period] = []
        d = period.start
        while d <= period.end:
            w = self.window(per, d)
            out.append(w)
            d = w.end + timedelta(days=1)
        return out
