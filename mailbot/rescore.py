"""Re-score the ledger under the scheme now in force (after switching preset or editing it).

Points are stored with each event when recorded; ``rescore`` recomputes every standing
event and, where the points differ, writes correction rows: a reversal of the old event
and a fresh copy at the new points (so counts stay right). Nothing is deleted.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.db.models import ScoreEvent
from mailbot.runtime import Runtime
from mailbot.scoring import ledger
from mailbot.scoring.schemes import SchemeError

SCHEME_EVENTS = ("submit", "adopt", "instruct", "commission")


def new_points(rt: Runtime, row: ScoreEvent, category: str | None) -> float | None:
    """Points the event earns now; None when the scheme cannot score it any more (left alone)."""
    try:
        if row.kind == "submit":
            return rt.scheme.points("submit")
        return rt.scheme.points(row.kind, row.level, row.sub_kind, category)
    except SchemeError:
        return None


def rescore_rows(rt: Runtime, session: Session, rows: list[ScoreEvent], by: str = "rescore",
                 category: str | None = None, dry_run: bool = False) -> list[dict[str, Any]]:
    """Correction rows for the given standing events whose points moved; returns the moves.

    ``category`` overrides the stored category (after a category correction).
    """
    moves = []
    for row in rows:
        if row.kind not in SCHEME_EVENTS or row.reverses is not None:
            continue
        cat = category if category is not None else row.category
        pts = new_points(rt, row, cat)
        if pts is None or float(pts) == float(row.points):
            continue
        moves.append({"event": row.id, "unit": row.unit_id, "kind": row.kind, "level": row.level,
                      "old": row.points, "new": pts, "delta": pts - row.points})
        if dry_run:
            continue
        session.add(ScoreEvent(submission_id=row.submission_id, unit_id=row.unit_id, officer=row.officer,
                               kind=row.kind, level=row.level, sub_kind=row.sub_kind, category=row.category,
                               points=-row.points, occurred=row.occurred, reverses=row.id,
                               note=f"重新计分（{rt.scheme.name}）", recorded_by=by))
        session.add(ScoreEvent(submission_id=row.submission_id, unit_id=row.unit_id, officer=row.officer,
                               kind=row.kind, level=row.level, sub_kind=row.sub_kind, category=cat, points=pts,
                               occurred=row.occurred, publication=row.publication, issue_no=row.issue_no,
                               note=row.note, recorded_by=by))
    session.flush()
    return moves


def rescore(rt: Runtime, dry_run: bool = False, by: str = "rescore") -> dict[str, Any]:
    """Recompute every standing event; ``{"scheme", "moves", "units": {unit: delta}}``."""
    from mailbot.records import ledger_event

    with rt.db.transaction() as s:
        rows = list(s.scalars(select(ScoreEvent).order_by(ScoreEvent.id)))
        live = {e.id for e in ledger.net_events([ledger_event(r) for r in rows])}
        moves = rescore_rows(rt, s, [r for r in rows if r.id in live], by=by, dry_run=dry_run)
    units: dict[str, float] = defaultdict(float)
    for m in moves:
        units[m["unit"] or "-"] += m["delta"]
    return {"scheme": rt.scheme.name, "dry_run": dry_run, "moves": moves,
            "units": {u: (int(d) if float(d).is_integer() else d) for u, d in sorted(units.items())}}
