"""The 催报 policy (``[remind]``): which units behind their quota are mailed today, and how firmly.

A unit behind is not mailed

* when reminders are off, or (on the daemon's schedule) today is not a reminder day;
* in the grace period at the start of the quota window (on 2 January everyone is "behind");
* when the shortfall is small: fewer than ``min_shortfall`` items, or less than ``min_share``
  of what is due so far (a unit one item behind a weekly rhythm is not nagged);
* when it was reminded less than ``interval_days`` ago.

The first reminder is a gentle note. A unit still at zero ``escalate_after_weeks`` into the
window, and reminded before in it, gets the firmer 零报送 notice with the office in copy.
Every decision carries its reason, which ``remind --dry-run`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.config import RemindSettings
from mailbot.db.models import ReminderSent

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = dict(zip(WEEKDAYS, "一二三四五六日"))


@dataclass
class Decision:
    mail: bool
    level: str | None  # gentle | zero | None
    reason: str


def remind_days(policy: RemindSettings, default_weekday: str) -> tuple[list[str], list[int]]:
    """(weekdays, days of the month) to remind on; neither configured: the schedule's weekday."""
    if not policy.weekdays and not policy.monthdays:
        return [default_weekday], []
    return list(policy.weekdays), list(policy.monthdays)


def is_remind_day(policy: RemindSettings, default_weekday: str, day: date) -> bool:
    weekdays, monthdays = remind_days(policy, default_weekday)
    return WEEKDAYS[day.weekday()] in weekdays or day.day in monthdays


def days_text(policy: RemindSettings, default_weekday: str) -> str:
    weekdays, monthdays = remind_days(policy, default_weekday)
    parts = [f"每周{WEEKDAY_NAMES[w]}" for w in weekdays] + [f"每月 {d} 日" for d in monthdays]
    return "、".join(parts)


def row_passes(policy: RemindSettings, row: dict[str, Any], as_of: date) -> str | None:
    """None when this quota row is worth a reminder; else why not (Chinese, for the office)."""
    start = date.fromisoformat(row["window"]["start"])
    day_n = (as_of - start).days + 1
    if day_n <= policy.grace_days:
        return f"宽限期内（{row['per_name']}第 {day_n} 天，前 {policy.grace_days} 天不催报）"
    if row["shortfall"] < policy.min_shortfall:
        return f"差额 {row['shortfall']} 条，未达催报起点 {policy.min_shortfall} 条"
    if policy.min_share and row["shortfall"] < policy.min_share * row["due"]:
        return f"差额 {row['shortfall']} 条，不足应报数 {row['due']} 条的 {policy.min_share:.0%}"
    return None


def history(session: Session, unit_id: str) -> list[ReminderSent]:
    return list(session.scalars(select(ReminderSent).where(ReminderSent.unit_id == unit_id)
                                .order_by(ReminderSent.as_of, ReminderSent.id)))


def decide(policy: RemindSettings, rows: list[dict[str, Any]], as_of: date, past: list[ReminderSent],
           remind_day: bool = True) -> Decision:
    """Whether one unit (its rows behind on ``as_of``) is mailed, at which level, and why."""
    if not policy.enabled:
        return Decision(False, None, "催报已关闭（[remind] enabled = false）")
    if not remind_day:
        return Decision(False, None, "今天不是催报日")
    reasons = [row_passes(policy, r, as_of) for r in rows]
    worth = [r for r, why in zip(rows, reasons) if why is None]
    if not worth:
        return Decision(False, None, "；".join(dict.fromkeys(why for why in reasons if why)))
    earlier = [p for p in past if p.as_of < as_of]
    if earlier and (as_of - earlier[-1].as_of).days < policy.interval_days:
        return Decision(False, None, f"{earlier[-1].as_of.isoformat()} 已催报，"
                                     f"间隔不足 {policy.interval_days} 天")
    if policy.escalate_after_weeks:
        for r in worth:
            start = date.fromisoformat(r["window"]["start"])
            reminded_in_window = any(p.as_of >= start for p in earlier)
            if (r["submitted"] == 0 and as_of - start >= timedelta(weeks=policy.escalate_after_weeks)
                    and reminded_in_window):
                return Decision(True, "zero", f"{r['per_name']}已过 {policy.escalate_after_weeks} 周仍零报送，"
                                              "发零报送通知并抄送办公室")
    worst = max(worth, key=lambda r: r["shortfall"])
    return Decision(True, "gentle", f"{worst['per_name']}差额 {worst['shortfall']} 条，发催报提醒")
