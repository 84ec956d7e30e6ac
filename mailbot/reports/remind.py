"""Quota-shortfall reminders (催报): which units are behind their pro-rata quota on a date.

``due = ceil(count × elapsed days ÷ days in the quota's window)``, the as-of day counted;
only items received up to the end of the as-of day count. One row per quota behind.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from mailbot.reports.progress import PER_NAMES, class_quotas, count_accepted
from mailbot.reports.tally import class_names
from mailbot.runtime import Runtime
from mailbot.scoring.calendar import Period
from mailbot.scoring.quotas import behind


def shortfalls(rt: Runtime, as_of: date) -> list[dict[str, Any]]:
    """``[{unit, name, class, submitted, due, shortfall, per, ...}]`` for every quota behind."""
    cnames = class_names(rt)
    rows = []
    with rt.db.session() as s:
        for unit in rt.units:
            for quota in class_quotas(rt, unit.class_id):
                window = rt.calendar.window(quota.per, as_of)
                so_far = Period(window.name, window.start, as_of)
                n = count_accepted(rt, s, unit.id, so_far, quota.category)
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


def queue_reminders(rt: Runtime, as_of: date, rows: list[dict[str, Any]] | None = None) -> int:
    """Queue a polite 催报 notice to the officers of each unit behind; returns how many were queued."""
    from mailbot.mail import outbox

    rows = shortfalls(rt, as_of) if rows is None else rows
    now = rt.clock.now()
    queued = 0
    with rt.db.transaction() as s:
        for row in rows:
            unit = rt.units.get(row["unit"])
            if unit is None or not unit.emails:
                continue
            cat = row.get("category")
            mail = rt.renderer.render("reminder", row=row, unit=unit, office=rt.settings.office, as_of=as_of,
                                      category_name=rt.category_names.get(cat, cat) if cat else None)
            key = f"remind:{row['unit']}:{row['per']}:{row['window']['start']}:{as_of.isoformat()}"
            if cat:
                key += f":{cat}"
            if outbox.queue(s, kind="reminder", key=key, recipients=list(unit.emails), mail=mail, now=now):
                queued += 1
    return queued
