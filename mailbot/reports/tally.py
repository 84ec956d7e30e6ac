"""The tally (季度通报/年度考核): scores and counts per unit for a period, and its mails.

An item's points — submitting, adoptions, instructions, commissions — count in the period
in which the item was *received* (CONTRACT: a submission belongs to the period of its
received time, and its points are all its events'), whenever the office recorded them;
manual adjustments count on their own date. The arithmetic is ``mailbot.scoring.ledger``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from mailbot.db.models import ScoreEvent, Submission
from mailbot.errors import UsageError
from mailbot.reports.periods import bounds
from mailbot.reports.progress import AcceptedCounts, accepted_counts, class_quotas, count_accepted
from mailbot.runtime import Runtime
from mailbot.scoring import ledger
from mailbot.scoring.calendar import Period
from mailbot.scoring.quotas import quota_for_period
from mailbot.scoring.rankings import rank


def parse_period(rt: Runtime, text: str) -> Period:
    try:
        return rt.calendar.parse(str(text))
    except ValueError as e:
        raise UsageError(str(e)) from None


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else round(x, 2)


# The columns the pure ledger reads (``ledger_rows.ledger_event``): never whole rows with their notes.
_EVENT_COLUMNS = (ScoreEvent.id, ScoreEvent.submission_id, ScoreEvent.unit_id, ScoreEvent.officer, ScoreEvent.kind,
                  ScoreEvent.level, ScoreEvent.sub_kind, ScoreEvent.category, ScoreEvent.points, ScoreEvent.occurred,
                  ScoreEvent.reverses)


def load_events(rt: Runtime, session: Session, within: Period | None = None) -> list[ledger.ScoreEvent]:
    """Every ledger row as a pure event, dated by its item's received day (adjustments: own date).

    ``within``: only the events dated in that span. A reversing row is always dated like the row
    it reverses (same item, or the adjustment's own date), so the pairs stay whole.
    """
    from mailbot.ledger_rows import ledger_event

    tz = rt.settings.tz
    q = (select(*_EVENT_COLUMNS, Submission.received_at)
         .outerjoin(Submission, Submission.id == ScoreEvent.submission_id).order_by(ScoreEvent.id))
    if within is not None:
        start, end = bounds(within, tz)
        q = q.where(or_(and_(Submission.received_at >= start, Submission.received_at < end),
                        and_(ScoreEvent.submission_id.is_(None), ScoreEvent.occurred >= within.start,
                             ScoreEvent.occurred <= within.end)))
    rows: list[Any] = list(session.execute(q))  # column rows: ledger_event reads them like ScoreEvent rows
    return [ledger_event(r, r.received_at.astimezone(tz).date() if r.received_at is not None else None) for r in rows]


def class_names(rt: Runtime) -> dict[str, str]:
    return {c.id: c.name or c.id for c in rt.settings.classes}


def quota_rows(rt: Runtime, session: Session, unit_id: str, class_id: str, period: Period,
               counts: AcceptedCounts | None = None) -> list[dict[str, Any]]:
    """Each class quota over the period: owed, submitted (category quotas count their category), met.

    ``counts``: the period's ``accepted_counts`` for every unit at once (the tally's one query).
    """
    out = []
    for q in class_quotas(rt.settings, class_id):
        owed = quota_for_period(q, period, rt.calendar)
        n = counts.of(unit_id, q.category) if counts is not None else count_accepted(rt, session, unit_id, period,
                                                                                      q.category)
        out.append({"per": q.per, "count": q.count, "category": q.category, "owed": owed, "submitted": n,
                    "met": n >= owed})
    return out


def tally(rt: Runtime, period_text: str, officers: bool = False) -> dict[str, Any]:
    """``{"period": {name, start, end}, "units": [...]}``: one row for every registered unit."""
    period = parse_period(rt, period_text)
    year = rt.calendar.year_of(period.start)
    units = list(rt.units)
    cnames = class_names(rt)
    # Only the events the period and its assessment year (the zero-without-adoption rule) read.
    window = Period(period.name, min(period.start, year.start), max(period.end, year.end))
    with rt.db.session() as s:
        events = load_events(rt, s, window)
        totals = ledger.unit_totals(events, period, rt.scheme, year, units=[u.id for u in units])
        counts = accepted_counts(rt, s, period)
        quotas = {u.id: quota_rows(rt, s, u.id, u.class_id, period, counts) for u in units}
    levels = adoption_levels(events, period)
    rows = []
    for u in units:
        t = totals[u.id]
        quota = sum(q["owed"] for q in quotas[u.id])
        rows.append({
            "unit": u.id, "name": u.name, "class": u.class_id, "class_name": cnames.get(u.class_id, u.class_id),
            "submitted": t.submitted, "adopted": t.adopted, "adoptions": t.adoptions,
            "instructions": t.instructions, "commissions": t.commissions,
            "score": _num(t.score), "raw_score": _num(t.raw_score), "rank": 0,
            "quota": quota, "shortfall": max(0, quota - t.submitted),
            "adoption_rate": round(t.adopted / t.submitted, 3) if t.submitted else 0.0,
            "zero_information": t.submitted == 0,
            "eligible": all(q["met"] for q in quotas[u.id]),
            "no_adoption_in_year": t.no_adoption_in_year, "zeroed": t.zeroed,
            "points_by_kind": {k: _num(v) for k, v in t.points_by_kind.items()},
            "adjustments": _num(t.points_by_kind.get("adjust", 0)),
            "adoptions_by_level": {lv: levels.get((u.id, lv), 0) for lv in rt.scheme.levels("adopt")},
            "quotas": quotas[u.id],
        })
    rank(rows, key="score", within="class")
    for r in rows:
        r["class_size"] = sum(1 for x in rows if x["class"] == r["class"])
    out: dict[str, Any] = {
        "period": {"name": period.name, "start": period.start.isoformat(), "end": period.end.isoformat()},
        "scheme": rt.scheme.name, "year": {"name": year.name, "start": year.start.isoformat(),
                                           "end": year.end.isoformat()},
        "units": rows,
        "zero_information_units": sum(1 for r in rows if r["zero_information"]),
    }
    if officers:
        out["officers"] = officer_rows(rt, events, period)
    return out


def adoption_levels(events: list[ledger.ScoreEvent], period: Period) -> dict[tuple[str, str], int]:
    """Adoptions that stand, per (unit, level), dated by their item's received day in the period."""
    out: dict[tuple[str, str], int] = {}
    for e in ledger.net_events(events):
        if e.kind == "adopt" and e.reverses is None and e.unit and e.level and period.contains(e.occurred):
            out[(e.unit, e.level)] = out.get((e.unit, e.level), 0) + 1
    return out


def officer_rows(rt: Runtime, events: list[ledger.ScoreEvent], period: Period) -> list[dict[str, Any]]:
    """Individual officers (个人排名), ranked over everyone; only officers with counted items in the period.

    Only the events of items that count (status ``accepted``, with a unit) rank a person:
    unassigned, dismissed and ignored mail never does. A person is named from the officer
    register, else from the From display name of their mail; their unit is the one their
    items counted for.
    """
    ids = {int(e.submission) for e in events if e.submission is not None and e.officer}
    with rt.db.session() as s:
        subs = {sid: (status, unit, sender_name) for sid, status, unit, sender_name in s.execute(
            select(Submission.id, Submission.status, Submission.unit_id, Submission.sender_name)
            .where(Submission.id.in_(ids)).order_by(Submission.received_at))} if ids else {}
    counted = [e for e in events if e.officer and e.unit and e.submission is not None
               and subs.get(int(e.submission), ("",))[0] == "accepted"]
    display: dict[str, str] = {}
    units: dict[str, Counter[str]] = {}
    persons: dict[str, str] = {}  # display name -> person_name (an officer writes under one or two)
    for e in counted:
        _, unit_id, sender_name = subs[int(e.submission)]  # type: ignore[arg-type]
        officer = (e.officer or "").lower()
        units.setdefault(officer, Counter())[unit_id or ""] += 1
        if sender_name not in persons:
            persons[sender_name] = person_name(sender_name)
        if person := persons[sender_name]:
            display[officer] = person  # the latest display name that is a person's
    totals = ledger.officer_totals(counted, period, rt.scheme)
    rows = []
    for email, t in totals.items():
        if not t.submitted and not t.score:
            continue
        key = email.lower()
        unit = rt.units.get(units[key].most_common(1)[0][0]) if key in units else None
        registered = next((u.officer_names[key] for u in rt.units if u.officer_names.get(key)), "")
        rows.append({"officer": email, "name": registered or display.get(key, ""),
                     "unit": unit.id if unit else None, "unit_name": unit.name if unit else "",
                     "submitted": t.submitted, "adopted": t.adopted, "instructions": t.instructions,
                     "score": _num(t.score), "rank": 0})
    rank(rows, key="score", within=None)
    rows.sort(key=lambda r: (r["rank"], r["officer"]))
    return rows


def person_name(display: str) -> str:
    """A From display name that is a person's (“赵敏”, “张主任”; simplified, without 同志), else ''."""
    from mailbot.mail.render import is_titled_person, salutation

    greeting = salutation(display, "")
    if greeting.endswith("同志："):
        return greeting.removesuffix("同志：")
    name = greeting.removesuffix("：")
    return name if is_titled_person(name) else ""


def award_plan(rt: Runtime) -> dict[str, dict[str, int | float]]:
    """Each class's ``awards`` from the config: whole numbers ≥ 1 are counts, fractions shares."""
    plan = {}
    for c in rt.settings.classes:
        if c.awards:
            plan[c.id] = {k: int(v) if float(v).is_integer() and v >= 1 else float(v) for k, v in c.awards.items()}
    return plan


def annual_awards(rt: Runtime, year: str | int) -> dict[str, Any]:
    """年度考核: the year's tally with prizes among units that met every quota, and officers ranked."""
    from mailbot.scoring.rankings import awards

    text = str(year).strip()
    if not text.isdigit() or len(text) != 4:
        raise UsageError(f"bad year {year!r}: give an assessment year such as 2026")
    result = tally(rt, text, officers=True)
    try:
        prizes = awards(result["units"], lambda r: r["eligible"], award_plan(rt))
    except ValueError as e:
        raise UsageError(f"classes.awards: {e}") from None
    for r in result["units"]:
        r["prize"] = prizes.get(r["unit"])
    return result
