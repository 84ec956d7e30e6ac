"""One item whole (``mailbot show``, mail ``查看``): its text, attachments, status, unit and how it was
found, category with the reasons, every ledger event and every correction, as data and as text.

The points are ``ledger.item_points`` (the tally's rules), so ``show``, ``submissions`` and
``tally`` say the same; each event says whether it counts (``counts``) and, when it does not,
why (withdrawn, reversed, a same-level instruction counted once).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.db.models import CategoryCorrection, ItemChange, ScoreEvent, Submission
from mailbot.ledger_rows import ledger_event
from mailbot.names import EVENT_NAMES, level_name
from mailbot.records import find_submission, fmt_points
from mailbot.reports.wording import number
from mailbot.runtime import Runtime
from mailbot.scoring import ledger
from mailbot.statuses import status_name

UNIT_VIA_NAMES = {"address": "登记邮箱", "subject": "标题", "body": "正文", "attachment": "附件", "office": "办公室指定",
                  "display_name": "发件人显示名"}
ACTION_NAMES = {"assign": "归属", "dismiss": "不计", "restore": "恢复"}


def _iso(rt: Runtime, moment: Any) -> str | None:
    return moment.astimezone(rt.settings.tz).isoformat() if moment is not None else None


def item_view(rt: Runtime, receipt: str, session: Session | None = None) -> dict[str, Any]:
    """The item as a stable dict (``show --format json``); more keys may be added."""
    if session is None:
        with rt.db.session() as s:
            return item_view(rt, receipt, s)
    return _view(rt, session, receipt)


def _view(rt: Runtime, s: Session, receipt: str) -> dict[str, Any]:
    sub = find_submission(s, receipt)
    rows = list(s.scalars(select(ScoreEvent).where(ScoreEvent.submission_id == sub.id).order_by(ScoreEvent.id)))
    changes = list(s.scalars(select(ItemChange).where(ItemChange.submission_id == sub.id).order_by(ItemChange.id)))
    fixes = list(s.scalars(select(CategoryCorrection).where(CategoryCorrection.submission_id == sub.id)
                           .order_by(CategoryCorrection.id)))
    receipts = dict(s.execute(select(Submission.id, Submission.receipt).where(
        (Submission.id == sub.duplicate_of) | (Submission.duplicate_of == sub.id))).all())
    repeats = [r for i, r in receipts.items() if i != sub.duplicate_of]
    events = [ledger_event(r) for r in rows]
    counting = ledger.counting_events(events, rt.scheme)
    points = ledger.item_points(events, rt.scheme).get(str(sub.id), 0)
    reversed_by = {r.reverses: r.id for r in rows if r.reverses is not None}
    unit = rt.units.get(sub.unit_id)
    names = rt.category_names
    tz = rt.settings.tz
    return {
        "receipt": sub.receipt, "message_id": sub.message_id, "received_at": _iso(rt, sub.received_at),
        "sender": sub.sender, "sender_name": sub.sender_name, "subject": sub.subject, "text": sub.text,
        "attachments": [{k: a.get(k) for k in ("filename", "content_type", "size", "sha256", "note")}
                        for a in (sub.attachments or [])],
        "status": sub.status, "status_name": status_name(sub.status), "status_reason": sub.status_reason,
        "unit": sub.unit_id, "unit_name": unit.name if unit else None, "unit_via": sub.unit_via,
        "unit_via_name": UNIT_VIA_NAMES.get(sub.unit_via or "", sub.unit_via),
        "category": sub.category, "category_name": names.get(sub.category or "", sub.category),
        "category_confidence": round(sub.category_confidence, 3) if sub.category_confidence is not None else None,
        "category_reasons": list(sub.category_reasons or []), "category_by": sub.category_by,
        "duplicate_of": receipts.get(sub.duplicate_of) if sub.duplicate_of else None, "repeated_by": repeats,
        "points": number(points), "notes": list(sub.notes or []),
        "events": [{
            "id": r.id, "kind": r.kind, "kind_name": EVENT_NAMES.get(r.kind, r.kind), "level": r.level,
            "level_name": level_name(rt, r.kind, r.level) if r.level else None, "sub_kind": r.sub_kind,
            "unit": r.unit_id, "points": number(r.points), "occurred": r.occurred.isoformat(),
            "publication": r.publication, "issue_no": r.issue_no, "note": r.note, "reverses": r.reverses,
            "reversed_by": reversed_by.get(r.id), "counts": r.id in counting and r.reverses is None,
            "recorded_by": r.recorded_by, "recorded_at": _iso(rt, r.recorded_at),
        } for r in rows],
        "changes": [{
            "action": c.action, "action_name": ACTION_NAMES.get(c.action, c.action), "old_status": c.old_status,
            "new_status": c.new_status, "old_unit": c.old_unit, "new_unit": c.new_unit, "reason": c.reason,
            "points": number(c.points), "by": c.by, "at": _iso(rt, c.at),
        } for c in changes],
        "category_corrections": [{"old": f.old_category, "new": f.category, "by": f.corrected_by,
                                  "at": f.corrected_at.astimezone(tz).isoformat()} for f in fixes],
    }


def _unit(rt: Runtime, unit_id: str | None) -> str:
    u = rt.units.get(unit_id)
    return u.name if u else (unit_id or "未识别单位")


def _when(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")


def _event_line(rt: Runtime, e: dict[str, Any]) -> str:
    what = f"{e['level_name'] or ''}{e['kind_name']}"
    if e["reverses"] is not None:
        what = f"冲回（第 {e['reverses']} 号记录）"
    where = f"（{e['publication']}{e['issue_no'] or ''}）" if e.get("publication") else ""
    unit = rt.units.get(e["unit"])
    state = "" if e["counts"] or e["reverses"] is not None else (
        "，已冲回" if e["reversed_by"] else "，同级批示只计一次，不另计分")
    note = f"，{e['note']}" if e.get("note") else ""
    return (f"  {e['id']:>4}  {e['occurred']}  {what}{where}  {fmt_points(e['points'])} 分"
            f"  {unit.name if unit else '（无单位）'}{state}{note}  — {e['recorded_by']} {_when(e['recorded_at'])}")


def item_text(rt: Runtime, view: dict[str, Any], full_text: bool = True) -> str:
    """The item as a clerk reads it (``show``'s table form and the 查看 answer)."""
    unit = view["unit_name"] or "未识别单位"
    via = f"（依据：{view['unit_via_name']}）" if view["unit_via_name"] else ""
    conf = f"，把握 {view['category_confidence']:.0%}" if view["category_confidence"] is not None else ""
    by = f"，{view['category_by']} 更正" if view["category_by"] else ""
    lines = [
        f"回执号：{view['receipt']}",
        f"标　题：{view['subject']}",
        f"发件人：{view['sender_name'] + ' ' if view['sender_name'] else ''}<{view['sender']}>",
        f"收到时间：{_when(view['received_at'])}",
        f"状　态：{view['status_name']}" + (f"（{view['status_reason']}）" if view["status_reason"] else ""),
        f"单　位：{unit}{via}",
        f"类　别：{view['category_name'] or '未分类'}{conf}{by}",
    ]
    if view["category_reasons"]:
        lines.append("分类依据：" + "；".join(map(str, view["category_reasons"])))
    if view["duplicate_of"]:
        lines.append(f"重复于：{view['duplicate_of']}")
    if view["repeated_by"]:
        lines.append("重复稿：" + "、".join(view["repeated_by"]))
    lines.append(f"得　分：{number(view['points'])} 分")
    if view["attachments"]:
        lines.append("附　件：")
        lines += [f"  {a['filename']}（{a.get('content_type') or ''}，{a.get('size') or 0} 字节）"
                  + (f" {a['note']}" if a.get("note") else "") for a in view["attachments"]]
    lines.append("计分记录：" if view["events"] else "计分记录：（无）")
    lines += [_event_line(rt, e) for e in view["events"]]
    if view["changes"] or view["category_corrections"]:
        lines.append("更正记录：")
        for c in view["changes"]:
            move = (f"{_unit(rt, c['old_unit'])} → {_unit(rt, c['new_unit'])}" if c["action"] == "assign"
                    else f"{status_name(c['old_status'])} → {status_name(c['new_status'])}")
            why = f"，原因：{c['reason']}" if c["reason"] else ""
            lines.append(f"  {_when(c['at'])}  {c['action_name']}  {move}{why}  — {c['by']}")
        for f in view["category_corrections"]:
            lines.append(f"  {_when(f['at'])}  类别  {f['old'] or '未分类'} → {f['new']}  — {f['by']}")
    if view["notes"]:
        lines.append("备　注：" + "；".join(map(str, view["notes"])))
    if full_text:
        lines += ["", "正文：", view["text"] or "（无正文）"]
    return "\n".join(lines)
