"""Adoption notices: a unit hears the same day when its item is adopted, instructed (批示) or
commissioned (约稿), however it was recorded — CLI, import, mail command, a bulletin.

The ledger is the source: every standing adopt/instruct/commission event not yet told
(``adoption_notices``) is gathered, one mail per unit per day, to the officers who sent the
items (the unit's registered addresses when the sender is not one). Each line gives the
item, the level, the points; the mail ends with the unit's new total for the year.
Only events recorded in the last ``LOOKBACK`` days are told, so switching notices on over an
old ledger does not mail its history. ``[notices] enabled = false`` switches them off.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from mailbot.db.models import AdoptionNotice, ScoreEvent, Submission
from mailbot.runtime import Runtime

log = logging.getLogger("mailbot.notices")

KINDS = ("adopt", "instruct", "commission")
LOOKBACK = timedelta(days=7)


def pending(rt: Runtime, session) -> list[tuple[ScoreEvent, Submission]]:
    """Standing adoption/instruction/commission events of assigned items, not yet told."""
    from mailbot.ledger_rows import ledger_event
    from mailbot.scoring import ledger

    since = rt.clock.now() - LOOKBACK
    told = select(AdoptionNotice.event_id)
    rows = session.execute(
        select(ScoreEvent, Submission).join(Submission, Submission.id == ScoreEvent.submission_id)
        .where(ScoreEvent.kind.in_(KINDS), ScoreEvent.recorded_at >= since, ScoreEvent.id.not_in(told),
               Submission.unit_id.is_not(None))
        .order_by(ScoreEvent.id)).all()
    if not rows:
        return []
    # An event withdrawn before it was told is not told at all.
    subs = {sub.id for _, sub in rows}
    all_events = session.scalars(select(ScoreEvent).where(ScoreEvent.submission_id.in_(subs)))
    live = {e.id for e in ledger.net_events([ledger_event(e) for e in all_events])}
    return [(e, sub) for e, sub in rows if e.reverses is None and e.id in live]


def _year_totals(rt: Runtime, session, day: date) -> dict[str, Any]:
    from mailbot.reports.tally import load_events
    from mailbot.scoring import ledger

    year = rt.calendar.year_of(day)
    return ledger.unit_totals(load_events(rt, session), year, rt.scheme, year, units=[u.id for u in rt.units])


def queue_adoption_notices(rt: Runtime) -> int:
    """One notice per unit for what was recorded since the last batch; returns how many were queued."""
    from mailbot.mail import outbox
    from mailbot.records import EVENT_NAMES, fmt_points, level_name
    from mailbot.reports.wording import issue_label

    if not rt.settings.notices.enabled:
        return 0
    today = rt.clock.today()
    now = rt.clock.now()
    queued = 0
    with rt.db.transaction() as s:
        events = pending(rt, s)
        if not events:
            return 0
        totals = _year_totals(rt, s, today)
        by_unit: dict[str, list[tuple[ScoreEvent, Submission]]] = {}
        for e, sub in events:
            by_unit.setdefault(sub.unit_id or "", []).append((e, sub))
        for unit_id, pairs in by_unit.items():
            unit = rt.units.get(unit_id)
            if unit is None:
                continue
            senders = [sub.sender for _, sub in pairs if sub.sender and rt.units.unit_of_address(sub.sender) == unit_id]
            recipients = list(dict.fromkeys(senders)) or list(unit.emails)
            lines = []
            for e, sub in pairs:
                where = f"（{issue_label(e.publication, e.issue_no)}）" if e.publication else ""
                lines.append({"receipt": sub.receipt, "subject": sub.subject, "what": f"{level_name(rt, e.kind, e.level)}"
                              f"{EVENT_NAMES[e.kind]}{where}", "points": fmt_points(e.points),
                              "date": e.occurred.isoformat()})
            total = totals.get(unit_id)
            year = rt.calendar.year_of(today)
            mail = rt.renderer.render("notice", unit=unit, office=rt.settings.office, lines=lines, today=today,
                                      year=year.name, total=_num(total.score) if total else 0,
                                      adopted=total.adopted if total else 0)
            row = outbox.queue(s, kind="notice", key=f"notice:{unit_id}:{today.isoformat()}", recipients=recipients,
                               mail=mail, now=now) if recipients else None
            if row is None and recipients:
                continue  # today's notice for this unit already went: these wait for tomorrow's
            for e, _ in pairs:
                s.add(AdoptionNotice(event_id=e.id, outbox_id=row.id if row is not None else None, at=now))
            queued += row is not None
    if queued:
        log.info("adoption notices: %d unit(s)", queued)
    return queued


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else round(x, 2)
