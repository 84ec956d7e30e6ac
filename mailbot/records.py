"""The office's records on the score ledger: adoptions (采用), instructions (批示), commissions
(约稿), manual adjustments, unit assignment and category corrections.

Library functions, usable without the CLI. Each takes an optional ``session`` so office
commands by mail can record inside the pipeline's transaction; without one, each call is
its own transaction. Every check runs before anything is written, so a refusal
(``UsageError``, one line) leaves the session untouched. Assigning an item to a unit is a
correction: ``mailbot.corrections.assign``. Withdrawals are reversing rows
(negative points, ``reverses`` = the withdrawn event), never deletes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot import ledger_rows, names
from mailbot.db.models import CategoryCorrection, ScoreEvent, Submission
from mailbot.errors import UsageError
from mailbot.ledger_rows import standing
from mailbot.names import EVENT_NAMES, level_name
from mailbot.runtime import Runtime
from mailbot.scoring.schemes import SchemeError
from mailbot.statuses import STATUS_NAMES


@dataclass
class Recorded:
    """What one call recorded: the line to show, the item, the unit and the points."""

    line: str
    receipt: str | None = None
    unit: str | None = None
    points: float = 0


@contextmanager
def _session(rt: Runtime, session: Session | None) -> Iterator[Session]:
    if session is not None:
        yield session
    else:
        with rt.db.transaction() as s:
            yield s


def fmt_points(p: float) -> str:
    p = int(p) if float(p).is_integer() else round(p, 2)
    return f"+{p}" if p >= 0 else str(p)


def normalize_level(rt: Runtime, event: str, level: str) -> str:
    """A level id the scheme knows, from any name of it (``mailbot.names.level_id``)."""
    return names.level_id(rt, event, level)


def normalize_kind(rt: Runtime, event: str, kind: str | None) -> str | None:
    return names.kind_id(rt, event, kind)


def _points(rt: Runtime, event: str, level: str | None, kind: str | None, category: str | None) -> int:
    try:
        return rt.scheme.points(event, level, kind, category)
    except SchemeError as e:
        raise UsageError(str(e)) from None


def parse_date(rt: Runtime, value: date | str | None, what: str = "date") -> date:
    """A record's date: today by default; refused in the future or when unreadable."""
    today = rt.clock.today()
    if value is None or value == "":
        return today
    if isinstance(value, datetime):
        d = value.astimezone(rt.settings.tz).date() if value.tzinfo else value.date()
    elif isinstance(value, date):
        d = value
    else:
        text = str(value).strip().replace("/", "-").replace(".", "-")
        try:
            d = date.fromisoformat(text) if len(text) == 10 else datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise UsageError(f"bad {what} {value!r}: use YYYY-MM-DD, e.g. {today.isoformat()}") from None
    if d > today:
        raise UsageError(f"日期 {d.isoformat()} 晚于今天 ({what} {d.isoformat()} is in the future; today is {today.isoformat()})")
    try:
        rt.calendar.year_of(d)
    except ValueError as e:  # pragma: no cover - every real date has a year
        raise UsageError(f"{what} {d.isoformat()} is outside any assessment period: {e}") from None
    return d


def find_submission(session: Session, receipt: str) -> Submission:
    sub = session.scalar(select(Submission).where(Submission.receipt == (receipt or "").strip()))
    if sub is None:
        raise UsageError(f"回执号 {receipt} 不存在 (unknown receipt {receipt!r}; see `mailbot submissions`)")
    return sub


def _require_accepted(sub: Submission, what: str) -> None:
    if sub.status == "accepted":
        return
    hint = {"unassigned": "; assign it to a unit first (`mailbot assign RECEIPT UNIT`)",
            "duplicate": "; record it on the original item instead",
            "quarantined": "; retry it first (`mailbot retry`)",
            "dismissed": "; restore it first (`mailbot restore RECEIPT`)"}.get(sub.status, "")
    raise UsageError(f"{sub.receipt} 状态为“{STATUS_NAMES.get(sub.status, sub.status)}”，不能记录 "
                     f"({sub.receipt} is {sub.status}, not accepted: cannot record {what}{hint})")


def reverse_event(session: Session, event: ScoreEvent, by: str, note: str | None = None) -> ScoreEvent:
    """Withdraw one standing event (a reversing row); the caller checked that it stands."""
    return ledger_rows.reverse(session, event, by, note)


def _withdraw(rt: Runtime, s: Session, sub: Submission, event: str, level: str, kind: str | None,
              on: date | None, by: str, note: str | None) -> Recorded:
    live = [e for e in standing(s, sub) if e.kind == event and e.level == level
            and (kind is None or e.sub_kind == kind) and (on is None or e.occurred == on)]
    if not live:
        raise UsageError(f"{sub.receipt} 没有可撤销的{level_name(rt, event, level)}{EVENT_NAMES[event]}记录 "
                         f"({sub.receipt}: no {level_name(rt, event, level)}{EVENT_NAMES[event]} recorded to withdraw)")
    rev = ledger_rows.reverse(s, live[-1], by, note)
    return Recorded(f"已撤销：{sub.receipt} {level_name(rt, event, level)}{EVENT_NAMES[event]} "
                    f"{fmt_points(rev.points)} 分", sub.receipt, sub.unit_id, rev.points)


def _record_item_event(rt: Runtime, s: Session, sub: Submission, event: str, level: str, kind: str | None,
                       on: date, by: str, note: str | None = None, publication: str | None = None,
                       issue_no: str | None = None) -> ScoreEvent:
    return ledger_rows.credit(s, sub, event, _points(rt, event, level, kind, sub.category), on, by, level=level,
                              sub_kind=kind, note=note, publication=publication, issue_no=issue_no)


def _check_on(sub: Submission, on: date, tz) -> None:
    received = sub.received_at.astimezone(tz).date()
    if on < received:
        raise UsageError(f"日期 {on.isoformat()} 早于 {sub.receipt} 的收到日期 {received.isoformat()} "
                         f"(date {on.isoformat()} is before {sub.receipt} was received)")


def adopt(rt: Runtime, receipt: str, level: str, date: date | str | None = None, kind: str | None = None,
          note: str | None = None, publication: str | None = None, issue_no: str | None = None,
          by: str = "cli", withdraw: bool = False, session: Session | None = None) -> Recorded:
    """Record (or withdraw) an adoption of an item at a level; levels add up, each its own event."""
    with _session(rt, session) as s:
        sub = find_submission(s, receipt)
        lv = normalize_level(rt, "adopt", level)
        k = normalize_kind(rt, "adopt", kind)
        if withdraw:
            on = parse_date(rt, date) if date else None
            return _withdraw(rt, s, sub, "adopt", lv, k, on, by, note)
        _require_accepted(sub, "an adoption")
        on = parse_date(rt, date)
        _check_on(sub, on, rt.settings.tz)
        pts = _points(rt, "adopt", lv, k, sub.category)
        for e in standing(s, sub):
            if e.kind == "adopt" and e.level == lv and e.occurred == on:
                raise UsageError(f"{sub.receipt} 的{level_name(rt, 'adopt', lv)}采用（{on.isoformat()}）已记录过，不重复记录 "
                                 f"(already recorded, a repeat; use --withdraw to take it back)")
        _record_item_event(rt, s, sub, "adopt", lv, k, on, by, note, publication, issue_no)
        from mailbot.reports.wording import issue_label

        where = f"（{issue_label(publication, issue_no)}）" if publication else ""
        return Recorded(f"已记录：{sub.receipt} {level_name(rt, 'adopt', lv)}采用{where} {fmt_points(pts)} 分",
                        sub.receipt, sub.unit_id, pts)


def instruct(rt: Runtime, receipt: str, level: str, kind: str | None = None, date: date | str | None = None,
             note: str | None = None, by: str = "cli", withdraw: bool = False,
             session: Session | None = None) -> Recorded:
    """Record (or withdraw) a leader's instruction; several at one level on one item count once."""
    with _session(rt, session) as s:
        sub = find_submission(s, receipt)
        lv = normalize_level(rt, "instruct", level)
        k = normalize_kind(rt, "instruct", kind)
        if withdraw:
            on = parse_date(rt, date) if date else None
            return _withdraw(rt, s, sub, "instruct", lv, k, on, by, note)
        _require_accepted(sub, "an instruction")
        on = parse_date(rt, date)
        _check_on(sub, on, rt.settings.tz)
        pts = _points(rt, "instruct", lv, k, sub.category)
        same = [e for e in standing(s, sub) if e.kind == "instruct" and e.level == lv]
        _record_item_event(rt, s, sub, "instruct", lv, k, on, by, note)
        extra = ""
        if same and rt.scheme.instruction_once_per_level:
            extra = "（同级批示只计一次，按分值最高者计）"
        return Recorded(f"已记录：{sub.receipt} {level_name(rt, 'instruct', lv)}批示 {fmt_points(pts)} 分{extra}",
                        sub.receipt, sub.unit_id, pts)


def commission(rt: Runtime, receipt: str, level: str, by: str = "cli", withdraw: bool = False,
               date: date | str | None = None, note: str | None = None,
               session: Session | None = None) -> Recorded:
    """Mark (or unmark) an item as answering a commissioned request (约稿) at a level."""
    with _session(rt, session) as s:
        sub = find_submission(s, receipt)
        lv = normalize_level(rt, "commission", level)
        if withdraw:
            return _withdraw(rt, s, sub, "commission", lv, None, None, by, note)
        _require_accepted(sub, "a commission")
        on = parse_date(rt, date)
        _check_on(sub, on, rt.settings.tz)
        pts = _points(rt, "commission", lv, None, sub.category)
        if any(e.kind == "commission" and e.level == lv for e in standing(s, sub)):
            raise UsageError(f"{sub.receipt} 的{level_name(rt, 'commission', lv)}约稿已记录过 (already recorded, a repeat)")
        _record_item_event(rt, s, sub, "commission", lv, None, on, by, note)
        return Recorded(f"已记录：{sub.receipt} {level_name(rt, 'commission', lv)}约稿 {fmt_points(pts)} 分",
                        sub.receipt, sub.unit_id, pts)


def adjust(rt: Runtime, unit: str, points: float | str, reason: str, date: date | str | None = None,
           by: str = "cli", session: Session | None = None) -> Recorded:
    """A manual adjustment of a unit's score (transport 基础工作/报送工作 parts, penalties)."""
    unit = names.unit_id(rt, unit)
    try:
        pts = float(points)
    except (TypeError, ValueError):
        raise UsageError(f"bad points {points!r}: give a number such as 40 or -5") from None
    if pts != pts or pts in (float("inf"), float("-inf")):
        raise UsageError(f"bad points {points!r}: give a number such as 40 or -5")
    if not (reason or "").strip():
        raise UsageError("an adjustment needs a reason (--reason)")
    on = parse_date(rt, date)
    with _session(rt, session) as s:
        ledger_rows.adjust(s, unit, pts, on, reason.strip(), by)
        name = rt.units.get(unit).name  # type: ignore[union-attr]
        return Recorded(f"已记录：{name} 调整 {fmt_points(pts)} 分（{reason.strip()}）", None, unit, pts)


def set_category(rt: Runtime, receipt: str, category_id: str, by: str = "cli",
                 session: Session | None = None) -> Recorded:
    """Correct an item's category; adoption points that depend on it are re-scored."""
    cat = names.category_id(rt, category_id)
    cnames = rt.category_names
    with _session(rt, session) as s:
        sub = find_submission(s, receipt)
        old = sub.category
        s.add(CategoryCorrection(submission_id=sub.id, old_category=old, category=cat, corrected_by=by))
        sub.category, sub.category_by = cat, by
        s.flush()
        moves = ledger_rows.rescore_rows(rt.scheme, s, standing(s, sub), by=by, category=cat)
        delta = sum(m["delta"] for m in moves)
        more = f"，得分调整 {fmt_points(delta)} 分" if delta else ""
        return Recorded(f"已记录：{sub.receipt} 类别 {cnames.get(old or '', old or '未分类')} → {cnames[cat]}{more}",
                        sub.receipt, sub.unit_id, delta)
