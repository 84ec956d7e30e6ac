"""Review before release: a quarter's 通报 goes to the office as a draft, then to the units.

The steps of one period are rows of ``tally_releases``:

* ``draft``: the full table and the workbook to the office, nothing to the units yet.
* ``release`` version 1: each unit its own figures, the office the final table.
* ``release`` version 2, 3 …: after corrections (adoptions recorded late, a re-assigned item),
  each unit whose figures changed gets a 更正 version that says what changed; the others
  get nothing. Each release keeps the figures it sent, so the next one can compare.
* ``hold`` / ``unhold``: the office stops (or resumes) the automatic release.

The office releases by mail (``发布 2026Q1``) or ``tally --period 2026Q1 --send``; or the
daemon releases ``[schedule] tally_release_days`` days after the draft (on a working day),
unless held; ``0`` means only by hand. Every call says what it queued and why not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.db.models import TallyRelease
from mailbot.errors import UsageError
from mailbot.reports.notice_mail import XLSX_TYPE, write_xlsx
from mailbot.reports.tally import parse_period, tally
from mailbot.runtime import Runtime

# The figures a unit is told, in the order a 更正 lists them.
FIGURES = (("submitted", "报送信息", "条"), ("adopted", "被采用", "条"), ("adoptions", "采用次数", "次"),
           ("instructions", "领导批示", "件"), ("commissions", "约稿", "篇"), ("adjustments", "调整", "分"),
           ("score", "得分", "分"),
           ("rank", "同类排名", "名"), ("quota", "应报信息", "条"), ("shortfall", "尚差", "条"))


@dataclass
class ReleaseReport:
    """What one draft/release call did, for the CLI and the office's mail reply."""

    period: str
    step: str
    version: int = 0
    queued: int = 0
    lines: list[str] = field(default_factory=list)  # what was queued
    not_sent: list[str] = field(default_factory=list)  # who was not mailed, and why

    def line(self) -> str:
        parts = [*self.lines]
        if self.not_sent:
            parts.append("未发：" + "；".join(self.not_sent))
        return "；".join(parts) if parts else f"{self.period}：未排队任何邮件"


@contextmanager
def _session(rt: Runtime, session: Session | None) -> Iterator[Session]:
    if session is not None:
        yield session
    else:
        with rt.db.transaction() as s:
            yield s


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k, _, _ in FIGURES}


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed in a unit's figures between two releases, in the 通报's order."""
    out = []
    for key, name, unit in FIGURES:
        if old.get(key) != new.get(key):
            out.append({"key": key, "name": name, "unit": unit, "old": old.get(key), "new": new.get(key),
                        "text": f"{name} {old.get(key)} → {new.get(key)} {unit}" if key != "rank"
                        else f"同类排名 第 {old.get(key)} 名 → 第 {new.get(key)} 名"})
    return out


def history(session: Session, period: str) -> list[TallyRelease]:
    return list(session.scalars(select(TallyRelease).where(TallyRelease.period == period)
                                .order_by(TallyRelease.id)))


def _last(rows: list[TallyRelease], step: str) -> TallyRelease | None:
    found = [r for r in rows if r.step == step]
    return found[-1] if found else None


def held(rows: list[TallyRelease]) -> bool:
    flags = [r for r in rows if r.step in ("hold", "unhold")]
    return bool(flags) and flags[-1].step == "hold"


def is_workday(day: date) -> bool:
    """A working day in China: public holidays (国庆, 春节 …) off, make-up Saturdays (调休) on.

    ``chinese_calendar`` knows the State Council's schedule for the years it ships; for a year
    it does not know yet, Monday to Friday.
    """
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def release_on(rt: Runtime, drafted: date) -> date | None:
    """The day the daemon releases a draft made on ``drafted``: N days on, moved to a working day."""
    days = rt.settings.schedule.tally_release_days
    if not days:
        return None
    day = drafted + timedelta(days=days)
    while not is_workday(day):
        day += timedelta(days=1)
    return day


class _Notice:
    """The 通报 as ``reports.notice`` builds it, rendered for the draft, a release or a 更正."""

    def __init__(self, rt: Runtime, period: str) -> None:
        from mailbot.reports.notice import notice_data
        from mailbot.reports.notice_mail import mail_view

        self.rt = rt
        self.result = tally(rt, period, officers=True)
        self.data = notice_data(rt, period, self.result)
        self.view = mail_view(self.data)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return sorted(self.result["units"], key=lambda r: (r["class"], r["rank"], r["unit"]))

    def unit_mail(self, unit_id: str, correction: dict[str, Any] | None = None):
        from mailbot.reports.notice_mail import unit_view

        return self.rt.renderer.render(
            "tally", audience="unit", d=self.data, v=self.view, u=unit_view(self.data, unit_id),
            unit=self.rt.units.get(unit_id), office=self.rt.settings.office, draft=False, correction=correction,
            release_on=None)

    def office_mail(self, attachment: str, draft: bool = False, correction: dict[str, Any] | None = None,
                    release_day: date | None = None):
        return self.rt.renderer.render(
            "tally", audience="office", d=self.data, v=self.view, u=None, unit=None, office=self.rt.settings.office,
            attachment=attachment, draft=draft, correction=correction, release_on=release_day)

    def workbook(self, name: str) -> list[dict[str, Any]]:
        from mailbot.reports.notice_mail import xlsx_name

        stem = xlsx_name(self.data).removesuffix(".xlsx")
        folder = self.rt.settings.data_path / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        path = write_xlsx(self.rt, self.result, folder / f"{stem}{name}.xlsx")
        return [{"filename": path.name, "path": str(path), "content_type": XLSX_TYPE}]


def draft(rt: Runtime, period_text: str, by: str = "system", session: Session | None = None) -> ReleaseReport:
    """The 通报 to the office for review: the full table and the workbook; the units get nothing yet."""
    from mailbot.mail import outbox

    period = parse_period(rt, period_text)
    notice = _Notice(rt, period.name)
    with _session(rt, session) as s:
        rows = history(s, period.name)
        n = sum(1 for r in rows if r.step == "draft") + 1
        first = _last(rows, "draft") if n > 1 else None
        drafted = first.at.astimezone(rt.settings.tz).date() if first else rt.clock.today()
        released = _last(rows, "release")
        day = release_on(rt, drafted) if released is None else None
        att = notice.workbook(f"（草稿{n}）")
        mail = notice.office_mail(att[0]["filename"], draft=True, release_day=day)
        report = ReleaseReport(period.name, "draft")
        if not rt.settings.office.emails:
            report.not_sent.append("办公室：[office] emails 未设置")
        elif outbox.queue(s, kind="tally", key=f"tally:{period.name}:draft:{n}", recipients=rt.settings.office.emails,
                          mail=mail, attachments=att, now=rt.clock.now()):
            report.queued = 1
            report.lines.append(f"{period.name} 通报草稿已发办公室（第 {n} 稿，附 Excel 表）")
        s.add(TallyRelease(period=period.name, step="draft", version=0,
                           figures={r["unit"]: _figures(r) for r in notice.rows}, by=by,
                           at=rt.clock.now()))
        s.flush()
        if released is not None:
            report.lines.append(f"（第 {released.version} 版已于 {_day(rt, released)} 发布；再发布时只发有变动的单位）")
        elif day is not None:
            report.lines.append(f"如不处理，将于 {day.isoformat()} 自动发布")
        else:
            report.lines.append("不自动发布：请核对后发送“发布 " + period.name + "”")
        return report


def _day(rt: Runtime, row: TallyRelease) -> str:
    return row.at.astimezone(rt.settings.tz).date().isoformat()


def release(rt: Runtime, period_text: str, by: str = "cli", session: Session | None = None) -> ReleaseReport:
    """Send the 通报 to the units (first release), or the 更正 versions of those whose figures changed."""
    from mailbot.mail import outbox

    period = parse_period(rt, period_text)
    notice = _Notice(rt, period.name)
    now = rt.clock.now()
    with _session(rt, session) as s:
        rows = history(s, period.name)
        previous = _last(rows, "release")
        version = (previous.version if previous else 0) + 1
        report = ReleaseReport(period.name, "release", version)
        old = previous.figures if previous else {}
        to_units: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        unchanged = 0
        for row in notice.rows:
            if previous is None:
                to_units.append((row, None))
                continue
            was = old.get(row["unit"])
            diff = changes(was, _figures(row)) if was is not None else changes({}, _figures(row))
            if diff:
                to_units.append((row, {"version": version, "changes": diff, "since": _day(rt, previous)}))
            else:
                unchanged += 1
        if previous is not None and not to_units:
            report.lines.append(f"{period.name} 通报第 {previous.version} 版已于 {_day(rt, previous)} 发布，"
                                "此后各单位数字没有变化，未排队任何邮件")
            return report
        sent_units: list[str] = []
        for row, correction in to_units:
            unit = rt.units.get(row["unit"])
            if unit is None or not unit.emails:
                report.not_sent.append(f"{row['name']}（没有登记邮箱）")
                continue
            key = f"tally:{period.name}:{row['unit']}" + (f":v{version}" if version > 1 else "")
            mail = notice.unit_mail(row["unit"], correction)
            if outbox.queue(s, kind="tally", key=key, recipients=list(unit.emails), mail=mail, now=now):
                report.queued += 1
                sent_units.append(row["name"] + (f"（{'；'.join(c['text'] for c in correction['changes'])}）"
                                                 if correction else ""))
        att = notice.workbook("" if version == 1 else f"（更正第{version}版）")
        office_correction = None
        if previous is not None:
            office_correction = {"version": version, "since": _day(rt, previous),
                                 "units": [{"name": r["name"], "changes": c["changes"]} for r, c in to_units if c]}
        mail = notice.office_mail(att[0]["filename"], correction=office_correction)
        office_queued = bool(rt.settings.office.emails) and outbox.queue(
            s, kind="tally", key=f"tally:{period.name}:office" + (f":v{version}" if version > 1 else ""),
            recipients=rt.settings.office.emails, mail=mail, attachments=att, now=now) is not None
        report.queued += int(office_queued)
        what = "通报" if previous is None else f"通报更正（第 {version} 版）"
        report.lines.append(f"{period.name} {what}：排队 {report.queued} 封"
                            f"（{len(sent_units)} 个单位{'、办公室 1 封' if office_queued else ''}）")
        if previous is not None:
            report.lines.append("更正：" + "；".join(sent_units) if sent_units else "没有单位需要更正")
            report.lines.append(f"其余 {unchanged} 个单位数字未变，不发")
        if not rt.settings.office.emails:
            report.not_sent.append("办公室（[office] emails 未设置）")
        s.add(TallyRelease(period=period.name, step="release", version=version,
                           figures={r["unit"]: _figures(r) for r in notice.rows}, by=by, at=now))
        s.flush()
        return report


def hold(rt: Runtime, period_text: str, on: bool = True, by: str = "cli",
         session: Session | None = None) -> ReleaseReport:
    """Stop (or resume) the automatic release of a period's 通报."""
    period = parse_period(rt, period_text)
    with _session(rt, session) as s:
        rows = history(s, period.name)
        if _last(rows, "release") is not None and on:
            raise UsageError(f"{period.name} 通报已发布，不能暂缓 ({period.name} is already released)")
        s.add(TallyRelease(period=period.name, step="hold" if on else "unhold", by=by, at=rt.clock.now()))
        s.flush()
        report = ReleaseReport(period.name, "hold" if on else "unhold")
        report.lines.append(f"{period.name} 通报暂缓发布，发送“发布 {period.name}”时再发" if on
                            else f"{period.name} 通报恢复按期自动发布")
        return report


def due_for_release(rt: Runtime, today: date) -> list[str]:
    """Periods whose draft is due to go out today: drafted, not held, never released."""
    with rt.db.session() as s:
        periods = list(s.scalars(select(TallyRelease.period).where(TallyRelease.step == "draft").distinct()))
        out = []
        for p in periods:
            rows = history(s, p)
            if _last(rows, "release") is not None or held(rows):
                continue
            first = next(r for r in rows if r.step == "draft")
            day = release_on(rt, first.at.astimezone(rt.settings.tz).date())
            if day is not None and day <= today:
                out.append(p)
    return sorted(out)


def drafted(rt: Runtime, period: str) -> bool:
    with rt.db.session() as s:
        return any(r.step == "draft" for r in history(s, period))
