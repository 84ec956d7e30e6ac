"""The office's corrections of an item: attribute it to a unit (归属), rule it out (不计), restore it (恢复).

Library functions like those of ``mailbot.records`` (an optional ``session`` for mail commands;
every check before anything is written). Points move only by ledger rows: a re-attribution
reverses each standing event on the old unit and writes the same event on the new one (same
item, so the same period); a dismissal reverses every standing event of the item; a restoration
reverses those reversals (the original events stand again, told or not as before). Each change
is an ``ItemChange`` row with who, when, why and the ledger rows it wrote, so ``show`` can list
it and the next change can undo exactly it.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mailbot import ledger_rows, names
from mailbot.db.models import AdoptionNotice, ItemChange, Message, OutboxMail, ScoreEvent, Submission
from mailbot.errors import UsageError
from mailbot.ledger_rows import reverse as _reverse
from mailbot.ledger_rows import standing
from mailbot.records import Recorded, _session, find_submission, fmt_points
from mailbot.runtime import Runtime
from mailbot.statuses import status_name as _status

ITEM_STATUSES = ("accepted", "unassigned", "duplicate", "dismissed")  # what the office may correct


def _refuse_non_item(sub: Submission, what: str) -> None:
    if sub.status in ITEM_STATUSES:
        return
    hint = {"quarantined": "请先重新处理（mailbot retry）", "ignored": "该邮件不是报送的信息"}.get(sub.status, "")
    raise UsageError(f"{sub.receipt} 状态为“{_status(sub.status)}”，不能{what}{('：' + hint) if hint else ''} "
                     f"({sub.receipt} is {sub.status}: only accepted, unassigned, duplicate or dismissed items)")


def _unit_name(rt: Runtime, unit_id: str | None) -> str:
    u = rt.units.get(unit_id)
    return u.name if u else (unit_id or "未识别单位")


def _points(rt: Runtime, s: Session, sub: Submission) -> float:
    from mailbot.reports.listing import item_points

    return item_points(rt, s, [sub.id]).get(sub.id, 0)


def _copy(s: Session, e: ScoreEvent, unit: str | None, by: str, note: str) -> ScoreEvent:
    row = ledger_rows.copy(s, e, by, note, unit=unit)
    if e.kind != "submit" and s.get(AdoptionNotice, e.id) is not None:
        s.add(AdoptionNotice(event_id=row.id, outbox_id=None))  # told once already: not told again
    return row


def _change(s: Session, sub: Submission, action: str, by: str, reason: str | None, old_status: str,
            old_unit: str | None, events: list[ScoreEvent], points: float, old_duplicate_of: int | None = None) -> None:
    s.add(ItemChange(submission_id=sub.id, action=action, old_status=old_status, new_status=sub.status,
                     old_unit=old_unit, new_unit=sub.unit_id, old_duplicate_of=old_duplicate_of,
                     reason=(reason or "").strip() or None, events=[e.id for e in events], points=points, by=by))
    s.flush()


def _credit(rt: Runtime, s: Session, sub: Submission, by: str) -> list[ScoreEvent]:
    """The item's submit event, unless one stands already."""
    from mailbot.pipeline.record import credit_submission

    if any(e.kind == "submit" for e in standing(s, sub)):
        return []
    event = credit_submission(rt, s, sub, by=by)
    s.flush()
    return [event]


def _answered_before(s: Session, sub: Submission) -> bool:
    return s.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == f"receipt:{sub.receipt}")) is not None


def _quiet(rt: Runtime, s: Session, sub: Submission) -> bool:
    """Mail found at a mailbox's switch-on (back-filled) is never answered, corrected or not."""
    from mailbot import backfill

    msg = s.get(Message, sub.message_pk)
    if msg is None or msg.mailbox.startswith("file:"):
        return False
    cutoff = backfill.cutoff(rt, msg.mailbox, s)
    return cutoff is not None and sub.received_at < cutoff


def _receipt(rt: Runtime, s: Session, sub: Submission) -> bool:
    """A receipt to the sender, if the item never had one; whether one was queued."""
    if not (rt.receipts and sub.sender and sub.unit_id) or _answered_before(s, sub) or _quiet(rt, s, sub):
        return False
    from mailbot.pipeline.acknowledge import queue_receipt

    queue_receipt(rt, s, sub)
    return True


def assign(rt: Runtime, receipt: str, unit: str, by: str = "cli", reason: str | None = None,
           session: Session | None = None) -> Recorded:
    """Attribute an item to ``unit`` (any name of it). An unassigned item becomes accepted and earns
    its submission points; an attributed one moves its points (a reversal on the old unit, the same
    event on the new one). The sender gets a receipt only if the item never had one."""
    new_unit = names.unit_id(rt, unit)
    with _session(rt, session) as s:
        sub = find_submission(s, receipt)
        _refuse_non_item(sub, "归属")
        old_unit, old_status = sub.unit_id, sub.status
        if old_unit == new_unit:
            raise UsageError(f"{sub.receipt} 已归属 {_unit_name(rt, new_unit)}，无需变更 "
                             f"({sub.receipt} is already attributed to {new_unit})")
        note = f"改归属：{_unit_name(rt, old_unit)} → {_unit_name(rt, new_unit)}" + (f"（{reason.strip()}）" if reason else "")
        written: list[ScoreEvent] = []
        for e in standing(s, sub):
            if e.unit_id != new_unit:
                written.append(_reverse(s, e, by, note))
                written.append(_copy(s, e, new_unit, by, note))
        sub.unit_id, sub.unit_via = new_unit, "office"
        if sub.status == "unassigned":
            sub.status = "accepted"
            written += _credit(rt, s, sub, by)
        if sub.status == "accepted":
            sub.status_reason = f"办公室指定单位（{by}）"
        s.flush()
        points = _points(rt, s, sub)
        _change(s, sub, "assign", by, reason, old_status, old_unit, written, points)
        told = _receipt(rt, s, sub) if sub.status == "accepted" else False
        name = _unit_name(rt, new_unit)
        if old_status == "unassigned":
            line = f"已记录：{sub.receipt} 归属 {name}，报送 {fmt_points(points)} 分"
        elif old_status == "accepted":
            line = f"已记录：{sub.receipt} 改归属 {_unit_name(rt, old_unit)} → {name}，{fmt_points(points)} 分随之转入"
        else:
            line = f"已记录：{sub.receipt} 归属 {name}（状态仍为“{_status(sub.status)}”，不计分）"
        return Recorded(line + ("，已给发件人回执" if told else ""), sub.receipt, new_unit, points)


def dismiss(rt: Runtime, receipt: str, reason: str, by: str = "cli", session: Session | None = None) -> Recorded:
    """Rule an item out (不计): status ``dismissed``, every standing event of it reversed (adoptions,
    instructions and commissions too), its unsent receipt withdrawn; nothing more goes to its sender."""
    why = (reason or "").strip()
    if not why:
        raise UsageError("不计须写明原因 (a dismissal needs a reason: --reason)")
    with _session(rt, session) as s:
        sub = find_submission(s, receipt)
        if sub.status == "dismissed":
            raise UsageError(f"{sub.receipt} 已是不计分状态 ({sub.receipt} is dismissed already)")
        _refuse_non_item(sub, "不计")
        before = _points(rt, s, sub)
        old_status = sub.status
        written = [_reverse(s, e, by, f"不计：{why}") for e in standing(s, sub)]
        sub.status, sub.status_reason = "dismissed", f"办公室不计：{why}（{by}）"
        s.flush()
        # A receipt still waiting in the outbox is not sent (one a sender is handling goes out).
        s.execute(delete(OutboxMail).where(OutboxMail.submission_id == sub.id, OutboxMail.kind == "receipt",
                                           OutboxMail.sent_at.is_(None), OutboxMail.claimed_at.is_(None)))
        _change(s, sub, "dismiss", by, why, old_status, sub.unit_id, written, -before)
        took = f"，冲回 {fmt_points(-before)} 分" if before else ""
        return Recorded(f"已记录：{sub.receipt} 不计分（{why}）{took}", sub.receipt, sub.unit_id, -before)


def restore(rt: Runtime, receipt: str, by: str = "cli", reason: str | None = None,
            session: Session | None = None) -> Recorded:
    """A dismissed item, or a duplicate the office judges a distinct item, counts again: accepted
    with its submission points; a dismissed one gets back the events its dismissal reversed."""
    with _session(rt, session) as s:
        sub = find_submission(s, receipt)
        if sub.status not in ("dismissed", "duplicate"):
            raise UsageError(f"{sub.receipt} 状态为“{_status(sub.status)}”，只有不计分稿件和重复稿可以恢复 "
                             f"({sub.receipt} is {sub.status}: only dismissed or duplicate items can be restored)")
        old_status, old_dup = sub.status, sub.duplicate_of
        written: list[ScoreEvent] = []
        if old_status == "dismissed":
            written += _undo_dismissal(rt, s, sub, by)
        sub.status = "accepted" if sub.unit_id else "unassigned"
        sub.duplicate_of = None
        sub.status_reason = f"办公室恢复计分（{by}）"
        s.flush()
        if sub.status == "accepted":
            written += _credit(rt, s, sub, by)
        points = _points(rt, s, sub)
        _change(s, sub, "restore", by, reason, old_status, sub.unit_id, written, points, old_duplicate_of=old_dup)
        told = _receipt(rt, s, sub) if sub.status == "accepted" and old_status == "dismissed" else False
        if sub.status == "unassigned":
            line = f"已记录：{sub.receipt} 已恢复，尚未归属单位，归属后计分（归属 {sub.receipt} 单位）"
        else:
            line = f"已记录：{sub.receipt} 已恢复计分（{_unit_name(rt, sub.unit_id)}），{fmt_points(points)} 分"
        return Recorded(line + ("，已给发件人回执" if told else ""), sub.receipt, sub.unit_id, points)


def _undo_dismissal(rt: Runtime, s: Session, sub: Submission, by: str) -> list[ScoreEvent]:
    """Reverse the reversals the last dismissal wrote; an event of another unit (the item was
    re-attributed while dismissed) is written again on the item's unit instead."""
    change = s.scalar(select(ItemChange).where(ItemChange.submission_id == sub.id, ItemChange.action == "dismiss")
                      .order_by(ItemChange.id.desc()).limit(1))
    if change is None:  # dismissed some other way (an older version, by hand): nothing to undo
        return []
    rows = list(s.scalars(select(ScoreEvent).where(ScoreEvent.submission_id == sub.id).order_by(ScoreEvent.id)))
    by_id = {r.id: r for r in rows}
    reversed_ids = {r.reverses for r in rows if r.reverses is not None}
    undone = {r.reverses for r in rows if r.reverses is not None and r.id not in reversed_ids}
    out: list[ScoreEvent] = []
    for rid in change.events or []:
        rev = by_id.get(rid)
        if rev is None or rev.reverses is None or rev.id in undone:
            continue  # not a reversal, or undone already
        original = by_id.get(rev.reverses)
        if original is None:
            continue
        note = "恢复"
        if original.unit_id == sub.unit_id:
            out.append(_reverse(s, rev, by, note))
        elif sub.unit_id is not None:
            out.append(_copy(s, original, sub.unit_id, by, note))
    return out
