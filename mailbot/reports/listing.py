"""The submissions list (``mailbot submissions``) as plain rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot import names
from mailbot.db.models import Message, ScoreEvent, Submission
from mailbot.errors import UsageError
from mailbot.reports.periods import bounds
from mailbot.runtime import Runtime
from mailbot.scoring import ledger

STATUSES = ("accepted", "duplicate", "unassigned", "ignored", "quarantined", "dismissed")


def item_points(rt: Runtime, session: Session, ids: list[int]) -> dict[int, float]:
    """Each item's points by the tally's rules (``ledger.item_points``): the one figure shown everywhere."""
    from mailbot.ledger_rows import ledger_event

    out: dict[int, float] = {}
    for chunk in (ids[i:i + 5000] for i in range(0, len(ids), 5000)):
        rows = session.scalars(select(ScoreEvent).where(ScoreEvent.submission_id.in_(chunk)).order_by(ScoreEvent.id))
        for key, p in ledger.item_points([ledger_event(r) for r in rows], rt.scheme).items():
            out[int(key)] = p
    return out


def list_submissions(rt: Runtime, period: str | None = None, unit: str | None = None,
                     status: str | None = None) -> list[dict[str, Any]]:
    q = select(Submission)
    if period:
        try:
            chosen = rt.calendar.parse(period)
        except ValueError as e:
            raise UsageError(str(e)) from None
        start, end = bounds(chosen, rt.settings.tz)
        q = q.where(Submission.received_at >= start, Submission.received_at < end)
    if unit:
        unit = names.unit_id(rt, unit)
        q = q.where(Submission.unit_id == unit)
    if status:
        if status not in STATUSES:
            raise UsageError(f"unknown status {status!r}; valid: {', '.join(STATUSES)}")
        q = q.where(Submission.status == status)
    with rt.db.session() as s:
        subs = list(s.scalars(q.order_by(Submission.received_at, Submission.id)))
        points = item_points(rt, s, [x.id for x in subs])
        reading: dict[int, Any] = dict(s.execute(select(Message.id, Message.reading)
                                 .where(Message.id.in_({x.message_pk for x in subs}))).all()) if subs else {}
        dup = {x.id: x.receipt for x in subs}
        missing = {x.duplicate_of for x in subs if x.duplicate_of and x.duplicate_of not in dup}
        if missing:
            dup.update(dict(s.execute(select(Submission.id, Submission.receipt).where(Submission.id.in_(missing))).all()))
    tz = rt.settings.tz
    rows = []
    for x in subs:
        p = points.get(x.id) or 0
        rows.append({
            "receipt": x.receipt, "message_id": x.message_id, "received_at": x.received_at.astimezone(tz).isoformat(),
            "sender": x.sender, "sender_name": x.sender_name, "subject": x.subject, "unit": x.unit_id,
            "unit_via": x.unit_via, "category": x.category,
            "category_confidence": round(x.category_confidence, 3) if x.category_confidence is not None else None,
            "category_reasons": x.category_reasons or [], "category_by": x.category_by,
            "status": x.status, "status_reason": x.status_reason,
            "points": int(p) if float(p).is_integer() else p,
            "duplicate_of": dup.get(x.duplicate_of) if x.duplicate_of else None,
            "attachments": [a.get("filename") for a in (x.attachments or [])], "notes": x.notes or [],
            "reading": reading.get(x.message_pk),
        })
    return rows
