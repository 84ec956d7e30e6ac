"""Ledger arithmetic: worked examples for both schemes."""

from datetime import date

import pytest

from mailbot.scoring.calendar import Calendar
from mailbot.scoring.ledger import ScoreEvent, net_events, officer_totals, unit_totals
from mailbot.scoring.schemes import Scheme

HEALTH = Scheme.preset("jilin-health")
TRANSPORT = Scheme.preset("jilin-transport")
CAL = Calendar()
TCAL = Calendar(year_start="12-01", quarter_starts=["12-01", "04-01", "07-01", "10-01"])


def ev(id, kind, points, occurred, submission="S1", unit="cz", officer="wang", level=None,
       sub_kind=None, category=None, reverses=None):
    return ScoreEvent(submission, unit, officer, kind, level, sub_kind, category, points,
                      occurred, reverses=reverses, id=id)


def test_health_item_adopted_at_two_levels_and_instructed():
    """Jilin health, unit cz (长春市卫生局), one item in 2026Q1:
    submitted 2 + adopted by 卫生厅 bulletin 10 + adopted by 省政府办公厅 30
    + instructed by a 厅领导 30 = 72. Two adoptions, one adopted item."""
    events = [
        ev(1, "submit", 2, date(2026, 1, 5)),
        ev(2, "adopt", 10, date(2026, 1, 10), level="department"),
        ev(3, "adopt", 30, date(2026, 2, 1), level="province"),
        ev(4, "instruct", 30, date(2026, 2, 3), level="department"),
    ]
    row = unit_totals(events, CAL.parse("2026Q1"), HEALTH, CAL.parse("2026"))["cz"]
    assert (row.score, row.submitted, row.adopted, row.adoptions, row.instructions) == (72, 1, 1, 2, 1)
    assert row.points_by_kind == {"submit": 2, "adopt": 40, "instruct": 30}
    # The events fall in the period of their own dates: an adoption in Q2 counts in Q2.
    events.append(ev(5, "adopt", 50, date(2026, 4, 2), level="central"))
    q2 = unit_totals(events, CAL.parse("2026Q2"), HEALTH, CAL.parse("2026"))["cz"]
    assert (q2.score, q2.submitted, q2.adopted) == (50, 0, 1)
    assert unit_totals(events, CAL.parse("2026"), HEALTH, CAL.parse("2026"))["cz"].score == 122


def test_withdrawn_adoption():
    """The province adoption (id 3, 30 points) is withdrawn in April by event 6 (-30, reverses 3).
    Both drop out of every period: Q1 = 2 + 10 = 12, Q2 gets no -30.
    Withdrawing the only adoption of an item leaves it not adopted."""
    events = [
        ev(1, "submit", 2, date(2026, 1, 5)),
        ev(2, "adopt", 10, date(2026, 1, 10), level="department"),
        ev(3, "adopt", 30, date(2026, 2, 1), level="province"),
        ev(6, "adopt", -30, date(2026, 4, 3), level="province", reverses=3),
    ]
    year = CAL.parse("2026")
    q1 = unit_totals(events, CAL.parse("2026Q1"), HEALTH, year)["cz"]
    assert (q1.score, q1.adopted, q1.adoptions) == (12, 1, 1)
    assert unit_totals(events, CAL.parse("2026Q2"), HEALTH, year) == {}
    # Withdraw the department adoption too: the item is no longer adopted.
    events.append(ev(7, "adopt", -10, date(2026, 4, 3), level="department", reverses=2))
    q1 = unit_totals(events, CAL.parse("2026Q1"), HEALTH, year)["cz"]
    assert (q1.score, q1.adopted, q1.adoptions, q1.submitted) == (2, 0, 0, 1)
    # Withdrawing the withdrawal (event 8 reverses 7) reinstates the department adoption.
    events.append(ev(8, "adopt", 10, date(2026, 4, 4), level="department", reverses=7))
    q1 = unit_totals(events, CAL.parse("2026Q1"), HEALTH, year)["cz"]
    assert (q1.score, q1.adopted) == (12, 1)
    assert [e.id for e in net_events(events)] == [1, 2]


def test_orphan_reversal_counts_on_its_own_date():
    """A reversal whose target is not in the list (an earlier year not loaded) moves its points."""
    events = [ev(9, "adopt", -30, date(2026, 2, 1), level="province", reverses=3)]
    row = unit_totals(events, CAL.parse("2026Q1"), HEALTH, CAL.parse("2026"))["cz"]
    assert (row.score, row.adoptions, row.adopted) == (-30, 0, 0)


def test_same_level_instruction_counted_once():
    """Health: two 厅领导 instructions on item S1 earn 30 once; a 省领导 one adds 50 (other level).
    On item S2 a 厅领导 instruction counts again (the rule is per item): total 30 + 50 + 30."""
    events = [
        ev(1, "instruct", 30, date(2026, 1, 10), level="department"),
        ev(2, "instruct", 30, date(2026, 1, 12), level="department"),
        ev(3, "instruct", 50, date(2026, 1, 15), level="province"),
        ev(4, "instruct", 30, date(2026, 1, 15), level="department", submission="S2"),
    ]
    row = unit_totals(events, CAL.parse("2026Q1"), HEALTH, CAL.parse("2026"))["cz"]
    assert (row.score, row.instructions) == (110, 3)
    # Without the rule both count.
    lax = Scheme.from_config({"preset": "jilin-health", "instruction_once_per_level": False})
    assert unit_totals(events, CAL.parse("2026Q1"), lax, CAL.parse("2026"))["cz"].score == 140


def test_same_level_instruction_keeps_the_highest():
    """Transport: a city leader's general instruction (5) in January, then a decisive one (20)
    in April on the same item: only the decisive one counts, in Q2. If it is withdrawn,
    the general one counts again in Q1."""
    events = [
        ev(1, "instruct", 5, date(2026, 1, 10), level="city", sub_kind="general"),
        ev(2, "instruct", 20, date(2026, 4, 10), level="city", sub_kind="decisive"),
        ev(3, "instruct", 2, date(2026, 1, 11), level="bureau", sub_kind="general"),
    ]
    year = TCAL.parse("2026")
    q1 = unit_totals(events, TCAL.parse("2026Q1"), TRANSPORT, year)["cz"]
    q2 = unit_totals(events, TCAL.parse("2026Q2"), TRANSPORT, year)["cz"]
    assert (q1.score, q1.instructions, q2.score, q2.instructions) == (2, 1, 20, 1)
    events.append(ev(4, "instruct", -20, date(2026, 5, 1), level="city", sub_kind="decisive", reverses=2))
    q1 = unit_totals(events, TCAL.parse("2026Q1"), TRANSPORT, year)["cz"]
    assert (q1.score, q1.instructions) == (7, 2)


def test_transport_research_versus_news():
    """Transport, unit gl (公路管理处): a research item adopted by the city (10) and by the
    province (15); a news item adopted by the city (2). Submissions earn 0 but are counted."""
    events = [
        ev(1, "submit", 0, date(2025, 12, 3), submission="R1", category="research"),
        ev(2, "submit", 0, date(2025, 12, 4), submission="N1", category="progress"),
        ev(3, "adopt", TRANSPORT.points("adopt", "city", category="research"), date(2025, 12, 20),
           submission="R1", level="city", category="research"),
        ev(4, "adopt", TRANSPORT.points("adopt", "province", category="research"), date(2026, 1, 20),
           submission="R1", level="province", category="research"),
        ev(5, "adopt", TRANSPORT.points("adopt", "city", category="progress"), date(2025, 12, 21),
           submission="N1", level="city", category="progress"),
    ]
    events = [ScoreEvent(e.submission, "gl", e.officer, e.kind, e.level, e.sub_kind, e.category,
                         e.points, e.occurred, e.reverses, e.id) for e in events]
    row = unit_totals(events, TCAL.parse("2026Q1"), TRANSPORT, TCAL.parse("2026"))["gl"]
    assert (row.score, row.submitted, row.adopted, row.adoptions) == (27, 2, 2, 3)
    # December 2025 is in the 2026 assessment year, so the month tally of 2025-12 shows it too.
    assert unit_totals(events, TCAL.parse("2025-12"), TRANSPORT, TCAL.parse("2026"))["gl"].score == 12


def test_zero_without_adoption():
    """Transport, year 2026 (2025-12-01..2026-11-30):
    - unit a: one city adoption (2) + basic work 40 + reporting 60 (manual) = 102;
    - unit b: 30 submissions, no adoption, basic work 40: the annual tally gives 0 (zeroed);
      its Q1 tally still shows 40, flagged no_adoption_in_year;
    - unit c: its only adoption (2025-11-20) lies in the previous assessment year,
      and its 2026 adoption was withdrawn: zero for 2026 as well."""
    year = TCAL.parse("2026")
    events = [
        ev(1, "adopt", 2, date(2026, 3, 1), unit="a", level="city", submission="A1"),
        ev(2, "adjust", 40, date(2025, 12, 15), unit="a", submission=None),
        ev(3, "adjust", 60, date(2026, 11, 30), unit="a", submission=None),
        *[ev(100 + i, "submit", 0, date(2026, 1, 1 + i), unit="b", submission=f"B{i}") for i in range(30)],
        ev(4, "adjust", 40, date(2025, 12, 15), unit="b", submission=None),
        ev(5, "adopt", 2, date(2025, 11, 20), unit="c", level="city", submission="C1"),
        ev(6, "adopt", 2, date(2026, 5, 1), unit="c", level="city", submission="C2"),
        ev(7, "adopt", -2, date(2026, 5, 2), unit="c", level="city", submission="C2", reverses=6),
        ev(8, "adjust", 40, date(2025, 12, 15), unit="c", submission=None),
    ]
    annual = unit_totals(events, year, TRANSPORT, year, units=["a", "b", "c", "d"])
    assert (annual["a"].score, annual["a"].zeroed, annual["a"].no_adoption_in_year) == (102, False, False)
    assert (annual["b"].score, annual["b"].raw_score, annual["b"].zeroed, annual["b"].submitted) == (0, 40, True, 30)
    assert (annual["c"].score, annual["c"].zeroed) == (0, True)
    assert (annual["d"].score, annual["d"].zeroed) == (0, True)  # zero row for a silent unit
    q1 = unit_totals(events, TCAL.parse("2026Q1"), TRANSPORT, year)
    assert (q1["b"].score, q1["b"].zeroed, q1["b"].no_adoption_in_year) == (40, False, True)
    assert q1["a"].no_adoption_in_year is False  # a's adoption (March) is in the year, and in Q1
    # Health has no such rule: no flag, no zero.
    health = unit_totals(events, year, HEALTH, year)
    assert (health["b"].score, health["b"].zeroed, health["b"].no_adoption_in_year) == (40, False, False)


def test_unassigned_events_and_zero_rows():
    """Events with no unit are left out; units named in `units` get zero rows."""
    events = [ev(1, "submit", 2, date(2026, 1, 5), unit=None), ev(2, "submit", 2, date(2026, 1, 6))]
    rows = unit_totals(events, CAL.parse("2026Q1"), HEALTH, CAL.parse("2026"), units=["cz", "jl"])
    assert set(rows) == {"cz", "jl"}
    assert (rows["cz"].score, rows["jl"].score, rows["jl"].submitted) == (2, 0, 0)


def test_officer_totals():
    """Individual ranking (第十二条): officers wang and li of one unit score separately."""
    events = [
        ev(1, "submit", 2, date(2026, 1, 5), submission="S1", officer="wang"),
        ev(2, "adopt", 10, date(2026, 1, 6), submission="S1", officer="wang", level="department"),
        ev(3, "submit", 2, date(2026, 1, 7), submission="S2", officer="li"),
    ]
    rows = officer_totals(events, CAL.parse("2026"), HEALTH)
    assert (rows["wang"].score, rows["li"].score, rows["li"].submitted) == (12, 2, 1)


def test_unknown_event_kind_refused():
    with pytest.raises(ValueError, match="unknown score event kind 'bonus'"):
        unit_totals([ev(1, "bonus", 5, date(2026, 1, 1))], CAL.parse("2026"), HEALTH, CAL.parse("2026"))
