"""Quotas: pro-rata due on a date, shortfalls, and what a whole period owes."""

from datetime import date

import pytest

from mailbot.scoring.calendar import Calendar
from mailbot.scoring.quotas import Quota, behind, due, quota_for_period

CAL = Calendar()
TCAL = Calendar(year_start="12-01", quarter_starts=["12-01", "04-01", "07-01", "10-01"])


def test_yearly_quota_due_on_a_date():
    """Class with 30 a year (厅直属单位), as of 2026-03-31, calendar year:
    90 of 365 days elapsed (the as-of day included): due = ceil(30 × 90 ÷ 365) = ceil(7.40) = 8."""
    owed, window = due(Quota("year", 30), date(2026, 3, 31), CAL)
    assert owed == 8 and window.name == "2026"
    assert due(Quota("year", 30), date(2026, 1, 1), CAL)[0] == 1  # ceil(30/365)
    assert due(Quota("year", 30), date(2026, 12, 31), CAL)[0] == 30
    assert due(Quota("year", 0), date(2026, 6, 1), CAL)[0] == 0


def test_yearly_quota_in_dec_nov_year():
    """Transport year 2026 starts 2025-12-01: on 2026-03-31, 121 of 365 days have passed:
    ceil(50 × 121 ÷ 365) = ceil(16.58) = 17."""
    owed, window = due(Quota("year", 50), date(2026, 3, 31), TCAL)
    assert (owed, window.start, window.end) == (17, date(2025, 12, 1), date(2026, 11, 30))


def test_leap_year_has_366_days():
    """2028-03-31: 91 of 366 days: ceil(30 × 91 ÷ 366) = ceil(7.46) = 8; 2028-03-25: ceil(30 × 85 ÷ 366) = 7."""
    assert due(Quota("year", 30), date(2028, 3, 31), CAL)[0] == 8
    assert due(Quota("year", 30), date(2028, 3, 25), CAL)[0] == 7


def test_weekly_quota_with_iso_weeks():
    """Seed 003: a unit owes 2 items a week. ISO week 2026-W07 runs Mon 9 – Sun 15 February.
    Monday: ceil(2 × 1 ÷ 7) = 1; Wednesday: ceil(2 × 3 ÷ 7) = 1; Thursday: ceil(8/7) = 2; Sunday: 2.
    New Year's Eve 2025 (a Wednesday) lies in ISO week 2026-W01."""
    q = Quota("week", 2)
    assert [due(q, date(2026, 2, d), CAL)[0] for d in (9, 11, 12, 15)] == [1, 1, 2, 2]
    assert due(q, date(2026, 2, 11), CAL)[1].name == "2026-W07"
    owed, window = due(q, date(2025, 12, 31), CAL)
    assert (owed, window.name, window.start) == (1, "2026-W01", date(2025, 12, 29))  # day 3 of 7


def test_monthly_quota():
    """Transport 第七条: 2 a month. February 2026 has 28 days: on the 14th ceil(2 × 14 ÷ 28) = 1, on the 15th 2."""
    assert due(Quota("month", 2), date(2026, 2, 14), CAL)[0] == 1
    assert due(Quota("month", 2), date(2026, 2, 15), CAL)[0] == 2


def test_behind():
    q = Quota("year", 30)
    short = behind(q, 5, date(2026, 3, 31), CAL)
    assert (short.due, short.submitted, short.shortfall, short.count, short.per) == (8, 5, 3, 30, "year")
    assert short.window.name == "2026"
    assert behind(q, 8, date(2026, 3, 31), CAL) is None
    assert behind(q, 12, date(2026, 3, 31), CAL) is None


def test_quota_for_period():
    """Owed over a whole period: each quota window contributes count × overlap ÷ window days, rounded up once.
    - 50 a year over 2026Q1 (calendar): ceil(50 × 90 ÷ 365) = ceil(12.33) = 13; over 2026: 50;
    - 2 a week over 2026Q1 (calendar, 90 days: Thu 1 Jan – Tue 31 Mar): ceil(2 × 90 ÷ 7) = ceil(25.7) = 26;
    - 2 a week over transport 2026Q1 (121 days, Mon 2025-12-01 – Tue 2026-03-31): ceil(34.57) = 35;
    - 2 a month over the transport year: 24; 10 a quarter over February 2026: ceil(10 × 28 ÷ 90) = 4."""
    assert quota_for_period(Quota("year", 50), CAL.parse("2026Q1"), CAL) == 13
    assert quota_for_period(Quota("year", 50), CAL.parse("2026"), CAL) == 50
    assert quota_for_period(Quota("week", 2), CAL.parse("2026Q1"), CAL) == 26
    assert quota_for_period(Quota("week", 2), TCAL.parse("2026Q1"), TCAL) == 35
    assert quota_for_period(Quota("month", 2), TCAL.parse("2026"), TCAL) == 24
    assert quota_for_period(Quota("quarter", 10), CAL.parse("2026-02"), CAL) == 4
    assert quota_for_period(Quota("week", 2), CAL.parse("2026-W07"), CAL) == 2
    # Consistent with due(): on a window's last day the whole window's quota is due.
    assert quota_for_period(Quota("year", 30), CAL.parse("2026"), CAL) == due(Quota("year", 30), date(2026, 12, 31), CAL)[0]


def test_quota_category_and_config():
    q = Quota.from_config({"per": "month", "count": 2, "category": "research"})
    assert q == Quota("month", 2, "research")
    assert q.applies_to("research") and not q.applies_to("progress") and not q.applies_to(None)
    assert Quota("year", 50).applies_to("progress") and Quota("year", 50).applies_to(None)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"per": "fortnight", "count": 2}, "unknown quota per 'fortnight'; valid: week, month, quarter, year"),
        ({"per": "year", "count": -1}, "must be a whole number"),
        ({"per": "year", "count": 2.5}, "must be a whole number"),
        ({"per": "year"}, "missing key 'count'"),
        ({"per": "year", "count": 3, "kind": "x"}, "unknown key 'kind'"),
    ],
)
def test_bad_quotas(data, message):
    with pytest.raises(ValueError, match=message):
        Quota.from_config(data)
