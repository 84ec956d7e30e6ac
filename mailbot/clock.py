"""One injectable source of time, so schedules and periods can be tested at any date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


class Clock:
    """``now()`` as an aware datetime; pass ``fixed`` (or a function) in tests."""

    def __init__(self, tz: ZoneInfo | str = "Asia/Shanghai", fixed: datetime | Callable[[], datetime] | None = None):
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._fixed = fixed

    def now(self) -> datetime:
        if self._fixed is None:
            return datetime.now(UTC).astimezone(self.tz)
        value = self._fixed() if callable(self._fixed) else self._fixed
        return value.astimezone(self.tz)

    def today(self):
        return self.now().date()
