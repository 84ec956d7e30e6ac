"""Settings of what mailbot does on its own schedule: the digest, 催报 reminders, adoption
notices and the 通报 (part of ``Settings``; ``mailbot.config`` re-exports them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ScheduleSettings(_Strict):
    digest_weekday: Weekday = "mon"
    digest_time: str = "08:30"
    remind_weekday: Weekday = "fri"
    remind_time: str = "09:00"
    tally_time: str = "09:00"
    # The quarter's 通报 goes to the office as a draft first; it is released to the units this
    # many days later (on the next working day) unless the office holds it. 0 = only by hand.
    tally_release_days: int = Field(3, ge=0)


class RemindSettings(_Strict):
    """The 催报 policy: when a unit behind its quota is mailed, and how firmly."""

    enabled: bool = True
    # Days to remind on: weekdays ("fri") and/or days of the month (25). Neither given:
    # [schedule] remind_weekday.
    weekdays: list[Weekday] = []
    monthdays: list[int] = []
    # No reminder in the first days of a quota window (everyone is "behind" on 2 January).
    grace_days: int = Field(14, ge=0)
    # Mailed only when the shortfall is at least this many items and this share of the due.
    min_shortfall: int = Field(2, ge=1)
    min_share: float = Field(0.0, ge=0, le=1)
    # At most one reminder per unit in this many days.
    interval_days: int = Field(14, ge=1)
    # A unit still at zero this many weeks into the window, already reminded once, gets the
    # firmer 零报送 notice with the office in copy. 0 = never escalate.
    escalate_after_weeks: int = Field(4, ge=0)
    # Items listed in a reminder (the rest are counted).
    list_items: int = Field(30, ge=0)

    @field_validator("monthdays")
    @classmethod
    def _days(cls, v: list[int]) -> list[int]:
        for d in v:
            if not 1 <= d <= 31:
                raise ValueError(f"day of month {d} is not 1-31")
        return v


class NoticeSettings(_Strict):
    """Adoption notices: the unit's officer hears of an adoption, 批示 or 约稿 the same day."""

    enabled: bool = True
    time: str = "17:30"  # one batched mail per unit per day, sent at this local time


_REPORT_FIELDS = {"period", "year", "n", "office"}


class ReportSettings(_Strict):
    """How the 通报 and the annual assessment are titled, numbered and signed."""

    # {period}: 2026年第一季度; {year}: 2026; {n}: the quarter's (month's) number in the year; {office}
    tally_title: str = "政务信息报送采用情况通报（{period}）"
    tally_number: str = ""  # e.g. "吉卫办信〔{year}〕{n}号" or "第{n}期"; empty: no number
    awards_title: str = "{year}年度政务信息工作考核情况通报"
    awards_number: str = ""
    signature: str = ""  # 落款: the issuing office; default [office] name

    @field_validator("tally_title", "tally_number", "awards_title", "awards_number")
    @classmethod
    def _placeholders(cls, v: str) -> str:
        import string

        try:
            names = {f for _, f, _, _ in string.Formatter().parse(v) if f is not None}
        except ValueError as e:
            raise ValueError(f"{v!r}: {e} (write literal braces as {{{{ and }}}})") from None
        unknown = names - _REPORT_FIELDS
        if unknown:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; valid: "
                             + ", ".join("{" + f + "}" for f in sorted(_REPORT_FIELDS)))
        return v
