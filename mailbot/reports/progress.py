"""A unit's progress against its quotas on a date: for receipts, reminders and the tally."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class AcceptedCounts:
    """Accepted items per (unit, category) over one period: every unit's quota count from one query."""

    by_unit_category: dict[tuple[str, str | None], int]
    by_unit: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for (unit, _), n in self.by_unit_category.items():
            self.by_unit[unit] = self.by_unit.get(unit, 0) + n

    def of(self, unit_id: str, category: str | None = None) -> int:
        if category:
            return self.by_unit_category.get((unit_id, category), 0)
        return self.by_unit.get(unit_id, 0)


def accepted_counts(rt: Runtime, session: Session, period: Period) -> AcceptedCounts:
    """``count_accepted`` for every unit and category of ``period`` at once."""
    start, end = bounds(period, rt.settings.tz)
    rows = session.execute(select(Submission.unit_id, Submission.category, func.count(Submission.id))
                           .where(Submission.status == "accepted", Submission.unit_id.is_not(None),
                                  Submission.received_at >= start, Submission.received_at < end)
                           .group_by(Submission.unit_id, Submission.category))
    return AcceptedCounts({(unit or "", category): n for unit, category, n in rows})


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
