"""Periods under a calendar year and under the Jilin transport Dec–Nov year."""

from datetime import UTC, date, datetime, timedelta

import pytest

from mailbot.scoring.calendar import Calendar, Period

TRANSPORT = dict(year_start="12-01", quarter_starts=["12-01", "04-01", "07-01", "10-01"])


def test_calendar_year_periods():
    cal = Calendar()
    assert cal.parse("2026") == Period("2026", date(2026, 1, 1), date(2026, 12, 31))
    assert cal.parse("2026Q1") == Period("2026Q1", date(2026, 1, 1), date(2026, 3, 31))
    assert cal.parse("2026Q4") == Period("2026Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert cal.parse("2026-03") == Period("2026-03", date(2026, 3, 1), date(2026, 3, 31))
    assert cal.parse("2026-W07") == Period("2026-W07", date(2026, 2, 9), date(2026, 2, 15))
    assert cal.parse(" 2026q2 ").name == "2026Q2"
    assert cal.year(2026).days() == 365


def test_transport_dec_nov_year_and_quarters():
    """Seed 003 三、考核起始时间: year 2026 = 2025-12-01..2026-11-30;
    Q1 2025-12-01..2026-03-31 (4 months), Q2 Apr–Jun, Q3 Jul–Sep, Q4 2026-10-01..2026-11-30."""
    cal = Calendar(**TRANSPORT)
    assert cal.parse("2026") == Period("2026", date(2025, 12, 1), date(2026, 11, 30))
    q = cal.quarters(2026)
    assert [(p.start, p.end) for p in q] == [
        (date(2025, 12, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 11, 30)),
    ]
    assert q[0].days() == 121 and q[3].days() == 61


def test_transport_boundaries():
    """2025-12-01 is in 2026Q1; 2026-11-30 in 2026Q4; 2026-12-01 already in 2027Q1."""
    cal = Calendar(**TRANSPORT)
    assert cal.quarter_of(date(2025, 12, 1)).name == "2026Q1"
    assert cal.quarter_of(date(2025, 11, 30)).name == "2025Q4"
    assert cal.quarter_of(date(2026, 3, 31)).name == "2026Q1"
    assert cal.quarter_of(date(2026, 4, 1)).name == "2026Q2"
    assert cal.quarter_of(date(2026, 11, 30)).name == "2026Q4"
    assert cal.quarter_of(date(2026, 12, 1)).name == "2027Q1"
    assert cal.year_of(date(2026, 12, 1)).name == "2027"
    assert cal.year_of(date(2026, 11, 30)).name == "2026"
    # Months stay calendar months whatever the assessment year.
    assert cal.month_of(date(2025, 12, 31)).name == "2025-12"


def test_every_day_belongs_to_exactly_one_quarter():
    cal = Calendar(**TRANSPORT)
    quarters = cal.quarters(2026) + cal.quarters(2027) + cal.quarters(2028)
    d = date(2025, 12, 1)
    while d <= date(2028, 11, 30):
        assert sum(q.contains(d) for q in quarters) == 1, d
        assert cal.quarter_of(d).contains(d)
        d += timedelta(days=1)


def test_default_quarters_are_calendar_quarters_from_year_start():
    """CONTRACT: default calendar quarters; a Dec-Nov year gives the seed's 4-month Q1 and 2-month Q4."""
    cal = Calendar(year_start="12-01")
    assert [(p.start, p.end) for p in cal.quarters(2026)] == [
        (date(2025, 12, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 11, 30))]
    assert Calendar(year_start="12-01").quarters(2026) == Calendar(**TRANSPORT).quarters(2026)
    fiscal = Calendar(year_start="07-01")
    assert [p.start for p in fiscal.quarters(2026)] == [
        date(2025, 7, 1), date(2025, 10, 1), date(2026, 1, 1), date(2026, 4, 1)]


def test_leap_day():
    cal = Calendar(**TRANSPORT)
    assert cal.year(2028).days() == 366  # 2027-12-01..2028-11-30 holds 2028-02-29
    assert cal.quarter_of(date(2028, 2, 29)).name == "2028Q1"
    assert cal.parse("2028-02").end == date(2028, 2, 29)
    with pytest.raises(ValueError, match="Feb 29"):
        Calendar(year_start="02-29")
    with pytest.raises(ValueError, match="Feb 29"):
        Calendar(quarter_starts=["01-01", "02-29", "07-01", "10-01"])


def test_iso_weeks():
    cal = Calendar()
    assert cal.week_of(date(2026, 1, 1)).name == "2026-W01"  # a Thursday
    assert cal.week_of(date(2027, 1, 1)).name == "2026-W53"  # 2026 has 53 ISO weeks
    assert cal.parse("2026-W53").end == date(2027, 1, 3)
    assert cal.window("week", date(2025, 12, 31)).name == "2026-W01"


def test_window_and_windows():
    cal = Calendar(**TRANSPORT)
    assert cal.window("year", date(2026, 1, 5)).name == "2026"
    assert cal.window("quarter", date(2026, 1, 5)).name == "2026Q1"
    assert cal.window("month", date(2026, 1, 5)).name == "2026-01"
    weeks = cal.windows("week", cal.parse("2026Q1"))
    assert weeks[0].name == "2025-W49" and weeks[-1].name == "2026-W14" and len(weeks) == 18
    with pytest.raises(ValueError, match="valid: week, month, quarter, year"):
        cal.window("fortnight", date(2026, 1, 5))


def test_local_date_uses_timezone():
    cal = Calendar(**TRANSPORT)
    # 16:30 UTC on 30 Nov is 00:30 on 1 Dec in Shanghai: the next assessment year.
    arrived = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    assert cal.local_date(arrived) == date(2026, 12, 1)
    assert cal.quarter_of(cal.local_date(arrived)).name == "2027Q1"
    assert Calendar(timezone="UTC").local_date(arrived) == date(2026, 11, 30)
    with pytest.raises(ValueError, match="naive"):
        cal.local_date(datetime(2026, 1, 1, 12))


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "2026-13", "2026-00", "2026-W54", "2025-W53",
                                  "26", "2026-Q1", "Q1 2026", "", "2026/03", "last week"])
def test_bad_period_strings(text):
    with pytest.raises(ValueError, match=r"bad period .*: use 2026, 2026Q1, 2026-03 or 2026-W07"):
        Calendar().parse(text)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(year_start="12-1"), "expected \"MM-DD\""),
        (dict(year_start="13-01"), "month must be 01..12"),
        (dict(year_start="04-31"), "no day 31 in month 4"),
        (dict(quarter_starts=["01-01", "04-01", "07-01"]), "four"),
        (dict(quarter_starts=["02-01", "04-01", "07-01", "10-01"]), "must start on year_start"),
        (dict(quarter_starts=["01-01", "07-01", "04-01", "10-01"]), "'04-01' is not after"),
        (dict(year_start="12-01", quarter_starts=["12-01", "04-01", "07-01", "12-15"]), "'12-15' is not after"),
        (dict(timezone="Mars/Olympus"), "timezone 'Mars/Olympus'"),
    ],
)
def test_bad_calendar_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Calendar(**kwargs)
