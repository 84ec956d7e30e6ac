"""How reports say things in Chinese: periods, dates, issue numbers, status and class names.

The CLI still takes ``2026Q1`` and ``2026-W07``; what a clerk reads says 2026年第一季度 and
2026年第7周（2月9日至15日）. One owner for these words, so the mails, the tables and the
workbook say the same.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from mailbot.scoring.calendar import Period

CN_DIGITS = "〇一二三四五六七八九"
QUARTER_WORDS = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
# Status words of statuses the ledger module may not name yet.
PER_WORDS = {"week": "每周", "month": "每月", "quarter": "每季度", "year": "每年"}

_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_WEEK = re.compile(r"^(\d{4})-[Ww](\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")


def cn_date(d: date | str) -> str:
    """2026-02-09 -> 2026年2月9日."""
    if isinstance(d, str):
        d = date.fromisoformat(d[:10])
    return f"{d.year}年{d.month}月{d.day}日"


def cn_span(start: date | str, end: date | str) -> str:
    """“2026年2月9日至15日”, “2026年3月30日至4月5日”, or with both years when they differ."""
    if isinstance(start, str):
        start = date.fromisoformat(start[:10])
    if isinstance(end, str):
        end = date.fromisoformat(end[:10])
    if start.year != end.year:
        return f"{cn_date(start)}至{cn_date(end)}"
    if start.month != end.month:
        return f"{cn_date(start)}至{end.month}月{end.day}日"
    return f"{cn_date(start)}至{end.day}日"


def period_title(period: Period | dict[str, Any]) -> str:
    """2026Q1 -> 2026年第一季度; 2026-W07 -> 2026年第7周（2月9日至15日）; 2026-03 -> 2026年3月; 2026 -> 2026年度."""
    name, start, end = _parts(period)
    if m := _QUARTER.match(name):
        return f"{m.group(1)}年{QUARTER_WORDS[int(m.group(2))]}"
    if m := _WEEK.match(name):
        span = cn_span(start, end)
        inside = span[len(f"{start.year}年"):] if start.year == end.year else span
        return f"{m.group(1)}年第{int(m.group(2))}周（{inside}）"
    if m := _MONTH.match(name):
        return f"{m.group(1)}年{int(m.group(2))}月"
    if m := _YEAR.match(name):
        return f"{m.group(1)}年度"
    return name


def period_span(period: Period | dict[str, Any]) -> str:
    """The period's dates in words: 2026年1月1日至3月31日."""
    _, start, end = _parts(period)
    return cn_span(start, end)


def period_ordinal(period: Period | dict[str, Any]) -> int:
    """The period's number within its year: a quarter's 1–4, a month's 1–12, a week's ISO number; a year 0."""
    name, _, _ = _parts(period)
    for pattern in (_QUARTER, _WEEK, _MONTH):
        if m := pattern.match(name):
            return int(m.group(2))
    return 0


def _parts(period: Period | dict[str, Any]) -> tuple[str, date, date]:
    if isinstance(period, Period):
        return period.name, period.start, period.end
    return (str(period["name"]), date.fromisoformat(str(period["start"])[:10]),
            date.fromisoformat(str(period["end"])[:10]))


def issue_label(publication: str | None, issue_no: str | int | None) -> str:
    """《卫生信息》第12期 (a bare number becomes 第N期; “2026年第3期” and “第3期” are kept)."""
    pub = (publication or "").strip()
    if pub and not pub.startswith("《"):
        pub = f"《{pub.strip('《》')}》"
    issue = str(issue_no).strip() if issue_no not in (None, "") else ""
    if re.fullmatch(r"\d+", issue):
        issue = f"第{int(issue)}期"
    elif issue and not issue.endswith(("期", "号")):
        issue = f"{issue}期"
    return f"{pub}{issue}"


def quota_words(per: str, count: int, category_name: str | None = None) -> str:
    """{per = "year", count = 50} -> 每年 50 条 (…调研与外地经验类信息)."""
    what = f"{category_name}类信息" if category_name else "信息"
    return f"{PER_WORDS.get(per, per)}{what} {count} 条"


def number(x: Any) -> Any:
    """Whole floats as ints, so 2.0 prints as 2 and Excel gets a number either way."""
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x
