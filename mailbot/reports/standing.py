"""A unit's standing (查询): what an information officer asks by mailing ``查询`` or ``查询 2026Q1``.

The figures are the tally's (``reports.tally``), for the asked period (default: the quarter of
today) and its assessment year, with the score split into its parts (报送, 采用 by level, 批示,
约稿, 调整) and the unit's items of the period with status and points.
"""

from __future__ import annotations

import re
from typing import Any

from mailbot.errors import UsageError
from mailbot.reports.listing import list_submissions
from mailbot.reports.tally import load_events, parse_period, tally
from mailbot.runtime import Runtime
from mailbot.scoring import ledger
from mailbot.statuses import status_name

QUERY_WORD = "查询"
_PERIOD = re.compile(r"^\s*查询\s*[:：]?\s*(\d{4}(?:\s*[Qq]\s*[1-4]|-\d{1,2})?)?", re.I)
KIND_NAMES = {"submit": "报送", "adopt": "采用", "instruct": "批示", "commission": "约稿", "adjust": "调整"}


def is_query(subject: str) -> bool:
    """The subject starts with 查询 (a unit asking for its standing)."""
    return (subject or "").strip().startswith(QUERY_WORD)


def asked_period(rt: Runtime, subject: str) -> str:
    """``查询 2026Q1`` -> "2026Q1"; plain ``查询`` -> the current quarter."""
    m = _PERIOD.match(subject or "")
    if m and m.group(1):
        return re.sub(r"\s+", "", m.group(1)).upper()
    return _this_quarter(rt)


def _this_quarter(rt: Runtime) -> str:
    return rt.calendar.quarter_of(rt.clock.now().astimezone(rt.settings.tz).date()).name


def unit_standing(rt: Runtime, unit_id: str, period_text: str) -> dict[str, Any]:
    """The unit's figures for ``period_text`` and its assessment year."""
    try:
        period = parse_period(rt, period_text)
    except UsageError:
        period = parse_period(rt, _this_quarter(rt))
    year = rt.calendar.year_of(period.start)
    rows = {name: next(r for r in tally(rt, name)["units"] if r["unit"] == unit_id)
            for name in dict.fromkeys([period.name, year.name])}
    with rt.db.session() as s:
        events = ledger.net_events(load_events(rt, s))
    adopt_levels: dict[str, float] = {}
    for e in events:
        if e.unit == unit_id and e.kind == "adopt" and e.reverses is None and period.contains(e.occurred):
            label = rt.scheme.label("adopt", e.level or "")
            adopt_levels[label] = adopt_levels.get(label, 0) + e.points
    items = [{"receipt": r["receipt"], "subject": r["subject"], "status": status_name(r["status"]),
              "points": r["points"]} for r in list_submissions(rt, period=period.name, unit=unit_id)]
    parts = [(KIND_NAMES.get(k, k), v) for k, v in rows[period.name]["points_by_kind"].items() if v]
    from mailbot.reports.wording import period_span, period_title

    return {"period": rows[period.name], "period_name": period.name, "year": rows[year.name],
            "year_name": year.name, "period_title": period_title(period), "period_span": period_span(period),
            "year_title": period_title(year), "parts": parts, "adopt_levels": sorted(adopt_levels.items()), "entries": items,
            "unit": rt.units.get(unit_id)}
