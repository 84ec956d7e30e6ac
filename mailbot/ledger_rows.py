"""The ledger on the database side: the one module that writes ``score_events`` rows.

Every point an office ever gives or takes back is a row here, written by one of four verbs:
``credit`` (an item's 报送, 采用, 批示 or 约稿), ``adjust`` (a unit's manual 调整), ``reverse``
(a row that cancels an earlier one: withdrawing, dismissing, moving, re-scoring) and ``copy`` (the
same event again, for another unit or at new points). Nothing is updated or deleted, so the
ledger is its own history. The arithmetic over the rows is ``mailbot.scoring.ledger`` (pure);
``ledger_event`` turns a row into that module's event, so an item's points and the tally come
from the same sums.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.db.models import ScoreEvent, Submission
from mailbot.scoring import ledger
from mailbot.scoring.schemes import Scheme, SchemeError

SCHEME_EVENTS = ("submit", "adopt", "instruct", "commission")  # events whose points the scheme gives


def ledger_event(row: ScoreEvent, occurred: date | None = None) -> ledger.ScoreEvent:
    """A row as the pure ledger's event (``occurred`` may be overridden by the caller)."""
    pts = row.points
    return ledger.ScoreEvent(
        submission=str(row.submission_id) if row.submission_id is not None else None, unit=row.unit_id,
        officer=row.officer, kind=row.kind, level=row.level, sub_kind=row.sub_kind, category=row.category,
        points=int(pts) if float(pts).is_integer() else pts, occurred=occurred or row.occurred,
        reverses=row.reverses, id=row.id)


def standing(session: Session, sub: Submission) -> list[ScoreEvent]:
    """The item's events that still stand (not reversed), oldest first."""
    session.flush()
    rows = list(session.scalars(select(ScoreEvent).where(ScoreEvent.submission_id == sub.id)
                                .order_by(ScoreEvent.id)))
    live = {e.id for e in ledger.net_events([ledger_event(r) for r in rows])}
    return [r for r in rows if r.id in live and r.reverses is None]


def credit(session: Session, sub: Submission, kind: str, points: float, occurred: date, by: str,
           level: str | None = None, sub_kind: str | None = None, note: str | None = None,
           publication: str | None = None, issue_no: str | None = None, flush: bool = True) -> ScoreEvent:
    """An item's event for its unit and officer, in its category (``flush=False``: the intake's batch)."""
    row = ScoreEvent(submission_id=sub.id, unit_id=sub.unit_id, officer=sub.sender, kind=kind, level=level,
                     sub_kind=sub_kind, category=sub.category, points=points, occurred=occurred,
                     publication=publication, issue_no=issue_no, note=note, recorded_by=by)
    if sub.id is None:  # an item of the intake's batch, not flushed yet: linked when both are written
        row.submission = sub
    session.add(row)
    if flush:
        session.flush()
    return row


def adjust(session: Session, unit: str, points: float, occurred: date, note: str, by: str) -> ScoreEvent:
    """A manual 调整 of a unit's score (no item)."""
    row = ScoreEvent(unit_id=unit, kind="adjust", points=points, occurred=occurred, note=note, recorded_by=by)
    session.add(row)
    session.flush()
    return row


def reverse(session: Session, target: ScoreEvent, by: str, note: str | None = None) -> ScoreEvent:
    """A row cancelling ``target`` (the caller checked that it stands)."""
    row = ScoreEvent(submission_id=target.submission_id, unit_id=target.unit_id, officer=target.officer,
                     kind=target.kind, level=target.level, sub_kind=target.sub_kind, category=target.category,
                     points=-target.points, occurred=target.occurred, reverses=target.id,
                     note=note or "撤销", recorded_by=by)
    session.add(row)
    session.flush()
    return row


_SAME: Any = object()


def copy(session: Session, target: ScoreEvent, by: str, note: str | None, unit: Any = _SAME,
         points: float | None = None, category: Any = _SAME) -> ScoreEvent:
    """``target`` written again: for another unit, at new points or in another category."""
    row = ScoreEvent(submission_id=target.submission_id, unit_id=target.unit_id if unit is _SAME else unit,
                     officer=target.officer, kind=target.kind, level=target.level, sub_kind=target.sub_kind,
                     category=target.category if category is _SAME else category,
                     points=target.points if points is None else points, occurred=target.occurred,
                     publication=target.publication, issue_no=target.issue_no, note=note, recorded_by=by)
    session.add(row)
    session.flush()
    return row


def scheme_points(scheme: Scheme, row: ScoreEvent, category: str | None) -> float | None:
    """Points the event earns under ``scheme``; None when the scheme cannot score it any more."""
    try:
        if row.kind == "submit":
            return scheme.points("submit")
        return scheme.points(row.kind, row.level, row.sub_kind, category)
    except SchemeError:
        return None


def rescore_rows(scheme: Scheme, session: Session, rows: list[ScoreEvent], by: str = "rescore",
                 category: str | None = None, dry_run: bool = False) -> list[dict[str, Any]]:
    """For the given standing events whose points moved: a reversal and a copy at the new points.

    ``category`` overrides the stored category (after a category correction). Returns the moves.
    """
    moves = []
    for row in rows:
        if row.kind not in SCHEME_EVENTS or row.reverses is not None:
            continue
        cat = category if category is not None else row.category
        pts = scheme_points(scheme, row, cat)
        if pts is None or float(pts) == float(row.points):
            continue
        moves.append({"event": row.id, "unit": row.unit_id, "kind": row.kind, "level": row.level,
                      "old": row.points, "new": pts, "delta": pts - row.points})
        if dry_run:
            continue
        reverse(session, row, by, f"重新计分（{scheme.name}）")
        copy(session, row, by, row.note, points=pts, category=cat)
    session.flush()
    return moves
