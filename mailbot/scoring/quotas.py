"""Quotas (报送任务): pro-rata amounts due by a date, shortfalls, and the amount owed over a period.

Rules, in one place:

* ``due`` on a date: ``ceil(count × elapsed days ÷ days in the window)``, where the window is
  the quota's week/month/quarter/year containing the date, and the as-of day counts as
  elapsed. Example: 30 a year, as of 2026-03-31, calendar year: ceil(30 × 90 ÷ 365) = 8.
* ``quota_for_period``: what is owed over a whole period. Each quota window overlapping the
  period contributes ``count × overlap days ÷ window days``; the sum is rounded up once.
  So a yearly 50 over 2026Q1 (90 of 365 days) is ceil(12.33) = 13; a weekly 2 over a
  Dec–Mar quarter of 121 days (17 full ISO weeks plus 2 days) is ceil(34.57) = 35; a
  monthly quota over a year is exactly 12 × count. Where a period is exactly one window,
  the result is ``count``, the same as ``due`` on the window's last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from math import ceil
from typing import Any

from mailbot.scoring.calendar import WINDOWS, Calendar, Period


@dataclass(frozen=True)
class Quota:
    """``count`` items owed per ``per`` window; ``category`` limits it to one category."""

    per: str
    count: int
    category: str | None = None

    def __post_init__(self) -> None:
        if self.per not in WINDOWS:
            raise ValueError(f"unknown quota per {self.per!r}; valid: {', '.join(WINDOWS)}")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise ValueError(f"quota count {self.count!r}: must be a whole number ≥ 0")

    @classmethod
    def from_config(cls, data: dict[str, Any]) -> Quota:
        """From a config entry like ``{per = "year", count = 50}``."""
        unknown = set(data) - {"per", "count", "category"}
        if unknown:
            raise ValueError(f"quota: unknown key {sorted(unknown)[0]!r}; valid: per, count, category")
        for key in ("per", "count"):
            if key not in data:
                raise ValueError(f"quota: missing key {key!r} (e.g. {{per = \"year\", count = 50}})")
        return cls(data["per"], data["count"], data.get("category"))

    def applies_to(self, category: str | None) -> bool:
        """Whether an item of this category counts toward the quota."""
        return self.category is None or self.category == category


@dataclass(frozen=True)
class Shortfall:
    """A unit behind its pro-rata quota on a date."""

    per: str
    category: str | None
    window: Period
    count: int  # the full quota of the window
    due: int  # pro-rata amount due by the as-of date
    submitted: int
    shortfall: int  # due - submitted, > 0


def due(quota: Quota, as_of: date, cal: Calendar) -> tuple[int, Period]:
    """Pro-rata items due by ``as_of`` (inclusive) in the quota's window, and that window."""
    window = cal.window(quota.per, as_of)
    elapsed = (as_of - window.start).days + 1
    return ceil(Fraction(quota.count * elapsed, window.days())), window


def behind(quota: Quota, submitted_in_window: int, as_of: date, cal: Calendar) -> Shortfall | None:
    """The shortfall on ``as_of``, or None when the unit is on track."""
    owed, window = due(quota, as_of, cal)
    if submitted_in_window >= owed:
        return None
    return Shortfall(
        per=quota.per,
        category=quota.category,
        window=window,
        count=quota.count,
        due=owed,
        submitted=submitted_in_window,
        shortfall=owed - submitted_in_window,
    )


def quota_for_period(quota: Quota, period: Period, cal: Calendar) -> int:
    """Items owed over the whole period: windows pro-rata by overlapping days, rounded up once."""
    total = sum(
        (Fraction(quota.count * w.overlap_days(period), w.days()) for w in cal.windows(quota.per, period)),
        Fraction(0),
    )
    return ceil(total)
