"""Local-date periods as UTC instants, for querying ``received_at``."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailbot.scoring.calendar import Period


def bounds(period: Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC for a period of inclusive local dates."""
    start = datetime.combine(period.start, time(0), tz).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end
