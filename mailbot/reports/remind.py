"""Quota-shortfall reminders (催报): which units are behind their pro-rata quota on a date.

``due = ceil(count × elapsed days ÷ days in the quota's window)``, the as-of day counted;
only items received up to the end of the as-of day count. One row per quota behind.
Whether a unit behind is actually mailed is the ``[remind]`` policy (``remind_policy``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from mailbot.reports.progress import PER_NAMES, AcceptedCounts, accepted_counts, class_quotas
from mailbot.reports.tally import class_names
from mailbot.runtime import Runtime
from mailbot.scoring.calendar import Period
from mailbot.scoring.quotas import behind


def shortfalls(rt: Runtime, as_of: date) -> list[dict[str, Any]]:
    """``[{unit, name, class, submitted, due, shortfall, per, ...}]`` for every quota behind."""
    cnames = class_names(rt)
    rows = []
    counts: dict[tuple[date, date], AcceptedCounts] = {}  # one grouped count per quota window, for every unit
    with rt.db.session() as s:
        for unit in rt.units:
            for quota in class_quotas(rt.settings, unit.class_id):
                window = rt.calendar.window(quota.per, as_of)
                so_far = Period(window.name, window.start, as_of)
                if (key := (so_far.start, so_far.end)) not in counts:
                    counts[key] = accepted_counts(rt, s, so_far)
                n = counts[key].of(unit.id, quota.category)
                short = behind(quota, n, as_of, rt.calendar)
                if short is None:
                    continue
                rows.append({
                    "unit": unit.id, "name": unit.name, "class": unit.class_id,
                    "class_name": cnames.get(unit.class_id, unit.class_id),
                    "submitted": short.submitted, "due": short.due, "shortfall": short.shortfall,
                    "per": short.per, "per_name": PER_NAMES.get(short.per, short.per), "category": short.category,
                    "count": short.count, "window": {"name": window.name, "start": window.start.isoformat(),
                                                     "end": window.end.isoformat()},
                    "as_of": as_of.isoformat(),
                })
    return rows


def plan(rt: Runtime, as_of: date, scheduled: bool = False) -> list[dict[str, Any]]:
    """Every row behind (``shortfalls``), each with whether its unit would be mailed and why.

    Adds ``mail`` (bool), ``level`` (gentle | zero | null) and ``reason`` to each row; a unit's
    rows share one decision. ``scheduled``: the daemon's run, which also checks the day.
    """
    from mailbot.reports import remind_policy as policy

    rows = shortfalls(rt, as_of)
    cfg = rt.settings.remind
    day_ok = not scheduled or policy.is_remind_day(cfg, rt.settings.schedule.remind_weekday, as_of)
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_unit.setdefault(r["unit"], []).append(r)
    with rt.db.session() as s:
        for unit_id, unit_rows in by_unit.items():
            d = policy.decide(cfg, unit_rows, as_of, policy.history(s, unit_id), day_ok)
            for r in unit_rows:
                r.update(mail=d.mail, level=d.level, reason=d.reason)
    return rows


def items_so_far(rt: Runtime, session, unit_id: str, rows: list[dict[str, Any]], as_of: date) -> list[dict[str, Any]]:
    """The unit's counted items in the longest window behind, up to the as-of day, oldest first."""
    from sqlalchemy import select

    from mailbot.db.models import Submission
    from mailbot.reports.periods import bounds

    start = min(date.fromisoformat(r["window"]["start"]) for r in rows)
    lo, hi = bounds(Period("", start, as_of), rt.settings.tz)
    subs = session.scalars(select(Submission).where(Submission.unit_id == unit_id, Submission.status == "accepted",
                                                    Submission.received_at >= lo, Submission.received_at < hi)
                           .order_by(Submission.received_at, Submission.id))
    return [{"receipt": x.receipt, "date": x.received_at.astimezone(rt.settings.tz).date().isoformat(),
             "subject": x.subject, "category": rt.category_names.get(x.category or "", x.category or "未分类")}
            for x in subs]


def queue_reminders(rt: Runtime, as_of: date, rows: list[dict[str, Any]] | None = None,
                    scheduled: bool = False) -> int:
    """Queue the 催报 each unit behind is due under ``[remind]``; returns how many were queued.

    One mail per unit, listing every quota behind and the items counted so far; a 零报送
    notice goes with the office in copy.
    """
    from mailbot.db.models import ReminderSent
    from mailbot.mail import outbox

    rows = plan(rt, as_of, scheduled) if rows is None or "mail" not in (rows[0] if rows else {}) else rows
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("mail"):
            by_unit.setdefault(r["unit"], []).append(r)
    now = rt.clock.now()
    office = rt.settings.office
    limit = rt.settings.remind.list_items
    queued = 0
    with rt.db.transaction() as s:
        for unit_id, unit_rows in by_unit.items():
            unit = rt.units.get(unit_id)
            if unit is None or not unit.emails:
                continue
            level = unit_rows[0]["level"]
            for r in unit_rows:
                cat = r.get("category")
                r["category_name"] = rt.category_names.get(cat, cat) if cat else None
            items = items_so_far(rt, s, unit_id, unit_rows, as_of)
            worst = max(unit_rows, key=lambda r: r["shortfall"])
            mail = rt.renderer.render("reminder", rows=unit_rows, row=worst, unit=unit, office=office, as_of=as_of,
                                      level=level, items=items[:limit], more=max(0, len(items) - limit),
                                      counted=len(items), category_name=worst["category_name"])
            cc = list(office.emails) if level == "zero" else None
            row = outbox.queue(s, kind="reminder", key=f"remind:{unit_id}:{as_of.isoformat()}",
                               recipients=list(unit.emails), mail=mail, now=now, cc=cc)
            if row is not None:
                s.add(ReminderSent(unit_id=unit_id, as_of=as_of, level=level or "gentle",
                                   shortfall=worst["shortfall"], outbox_id=row.id))
                queued += 1
    return queued
