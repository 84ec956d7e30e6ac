"""A unit's progress against its quotas on a date: for receipts, reminders and the tally."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.config import Settings
from mailbot.db.models import Submission
from mailbot.reports.periods import bounds
from mailbot.runtime import Runtime
from mailbot.scoring.calendar import Period
from mailbot.scoring.quotas import Quota, due

PER_NAMES = {"week": "本周", "month": "本月", "quarter": "本季度", "year": "本年度"}


@dataclass
class QuotaProgress:
    per: str
    category: str | None
    count: int
    window: Period
    submitted: int
    due: int

    @property
    def label(self) -> str:
        return PER_NAMES.get(self.per, self.per)


def class_quotas(settings: Settings, class_id: str) -> list[Quota]:
    """The quotas of a class of units, as the config sets them."""
    for c in settings.classes:
        if c.id == class_id:
            return [Quota(q.per, q.count, q.category) for q in c.quotas]
    return []


def count_accepted(rt: Runtime, session: Session, unit_id: str, period: Period, category: str | None = None) -> int:
    start, end = bounds(period, rt.settings.tz)
    q = select(func.count(Submission.id)).where(Submission.unit_id == unit_id, Submission.status == "accepted",
                                                Submission.received_at >= start, Submission.received_at < end)
    if category:
        q = q.where(Submission.category == category)
    return session.scalar(q) or 0


def unit_progress(rt: Runtime, session: Session, unit_id: str, as_of: date) -> list[QuotaProgress]:
    unit = rt.units.get(unit_id)
    if unit is None:
        return []
    out = []
    for quota in class_quotas(rt.settings, unit.class_id):
        owed, window = due(quota, as_of, rt.calendar)
        n = count_accepted(rt, session, unit_id, window, quota.category)
        out.append(QuotaProgress(quota.per, quota.category, quota.count, window, n, owed))
    return out
