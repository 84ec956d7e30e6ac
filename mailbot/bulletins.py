"""Adoptions recorded from a published issue (刊物): ``mailbot bulletin`` and the mail command 刊物.

The issue is read (``bulletin.split``), split into articles, and each article matched to the
counted items received before the issue date within the publication's window
(``bulletin.match``). Certain matches are recorded as adoptions at the publication's level, with
the publication and issue on the ledger row (so the adoption notices and the 通报 name them);
doubtful ones are listed with their candidates and the one-line command that confirms them;
articles with no candidate are listed. An item already credited for this issue is not credited
again, so the same issue can be brought in twice; ``withdraw`` reverses an issue's adoptions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot import records
from mailbot.bulletin.match import Credit, Matcher, Source
from mailbot.bulletin.split import Article, issue_date, read_issue, split_issue
from mailbot.db.models import ScoreEvent, Submission
from mailbot.errors import UsageError
from mailbot.publications import find_publication, plain_name
from mailbot.reports.wording import issue_label
from mailbot.runtime import Runtime

DEFAULT_WINDOW = 90  # days, for a publication not in [[publications]]
CN = "一二三四五六七八九十"


@dataclass
class ArticleOutcome:
    article: Article
    recorded: list[tuple[Credit, str]] = field(default_factory=list)  # (credit, the ledger's line)
    already: list[Credit] = field(default_factory=list)
    refused: list[tuple[Credit, str]] = field(default_factory=list)
    doubtful: list[Credit] = field(default_factory=list)


@dataclass
class BulletinReport:
    label: str  # 《吉林卫生信息》第12期
    level: str
    level_name: str
    on: date
    dry_run: bool = False
    articles: list[ArticleOutcome] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    note: str | None = None  # a reading note (pages cut, broken file)
    name: str = ""  # the publication as stored on the ledger rows
    issue_no: str = ""

    @property
    def recorded(self) -> int:
        return sum(len(a.recorded) for a in self.articles)

    def summary(self) -> str:
        if self.withdrawn and not self.articles:
            return f"{self.label}：撤销采用 {len(self.withdrawn)} 条"
        doubtful = sum(1 for a in self.articles if a.doubtful and not a.recorded and not a.already)
        unmatched = sum(1 for a in self.articles if not (a.recorded or a.already or a.doubtful or a.refused))
        verb = "将记录" if self.dry_run else "记录"
        return (f"{self.label}（{self.on.isoformat()}）：共 {len(self.articles)} 篇，{verb}{self.level_name}采用 "
                f"{self.recorded} 条，已记录过 {sum(len(a.already) for a in self.articles)} 条，"
                f"需确认 {doubtful} 篇，未找到来稿 {unmatched} 篇" + ("（试运行，未写入）" if self.dry_run else ""))


def resolve(rt: Runtime, publication: str, level: str | None) -> tuple[str, str, str | None, int]:
    """(stored name, level id, kind, window days) of a publication named on the command line or in mail."""
    pub = find_publication(rt.settings.publications, publication)
    if pub is None and not level:
        known = "、".join(p.title for p in rt.settings.publications) or "（未配置）"
        raise UsageError(f"没有刊物“{publication}”，请在配置 [[publications]] 中登记或给出级别 "
                         f"(unknown publication {publication!r}; configured: {known}; or give --level)")
    lv = records.normalize_level(rt, "adopt", level or (pub.level if pub else ""))
    if pub is None:
        return plain_name(publication), lv, None, DEFAULT_WINDOW
    return plain_name(pub.name), lv, records.normalize_kind(rt, "adopt", pub.kind), pub.window_days


def _issue_no(issue: str) -> str:
    text = "".join(str(issue or "").split())
    if not text:
        raise UsageError("请给出期号，如 12 或 2026年第12期 (give the issue number)")
    return text.removeprefix("第").removesuffix("期") if text.removeprefix("第").removesuffix("期").isdigit() else text


def _candidates(rt: Runtime, s: Session, on: date, window: int) -> list[Source]:
    tz = rt.settings.tz
    start = datetime.combine(on - timedelta(days=window), time.min, tz)
    end = datetime.combine(on + timedelta(days=1), time.min, tz)
    rows = s.execute(select(Submission.receipt, Submission.subject, Submission.text, Submission.received_at,
                            Submission.unit_id)
                     .where(Submission.status == "accepted", Submission.received_at >= start,
                            Submission.received_at < end).order_by(Submission.id))
    return [Source(r, subj or "", text or "", at.astimezone(tz).date(), unit) for r, subj, text, at, unit in rows]


def _credited(s: Session, name: str, issue: str) -> list[tuple[ScoreEvent, Submission]]:
    """The standing adoptions recorded from this issue."""
    rows = s.execute(select(ScoreEvent, Submission).join(Submission, Submission.id == ScoreEvent.submission_id)
                     .where(ScoreEvent.kind == "adopt", ScoreEvent.publication == name,
                            ScoreEvent.issue_no == issue).order_by(ScoreEvent.id)).all()
    out = []
    for event, sub in rows:
        if any(e.id == event.id for e in records.standing(s, sub)):
            out.append((event, sub))
    return out


@contextmanager
def _work(rt: Runtime, session: Session | None, dry_run: bool) -> Iterator[Session]:
    """The caller's session (a mail command's), or one of our own: committed at the end, rolled
    back on an error or for a dry run."""
    if session is not None:
        yield session
        return
    with rt.db.session() as s, s.begin():
        yield s
        if dry_run:
            s.rollback()


def import_issue(rt: Runtime, publication: str, issue: str, data: bytes | None = None, filename: str = "",
                 text: str | None = None, level: str | None = None, on: date | str | None = None,
                 dry_run: bool = False, by: str = "cli", session: Session | None = None) -> BulletinReport:
    """Split an issue, match its articles and record the certain adoptions (see the module's doc)."""
    name, lv, kind, window = resolve(rt, publication, level)
    issue_no = _issue_no(issue)
    headings: list[str] = []
    note = None
    if data is not None:
        text, headings, note = read_issue(filename or "issue.bin", data)
    if not (text or "").strip():
        raise UsageError(f"读不出刊物的文字{'：' + note if note else ''} (no text could be read from the issue)")
    articles = split_issue(text or "", headings)
    if not articles:
        raise UsageError("未能从刊物中分出文章（no articles found in the issue: is it the whole issue?)")
    printed = issue_date(text or "")  # the masthead's date, unless the clerk gave one
    day = records.parse_date(rt, on or (printed if printed and printed <= rt.clock.today() else None), "issue date")
    report = BulletinReport(issue_label(name, issue_no), lv, records.level_name(rt, "adopt", lv), day, dry_run,
                            note=note, name=name, issue_no=issue_no)
    with _work(rt, session, dry_run) as s:
        matcher = Matcher(_candidates(rt, s, day, window))
        done = {sub.receipt for _, sub in _credited(s, name, issue_no)}
        for article in articles:
            found = matcher.match(article)
            out = ArticleOutcome(article, doubtful=found.doubtful)
            for credit in found.certain:
                if credit.receipt in done:
                    out.already.append(credit)
                    continue
                try:
                    r = records.adopt(rt, credit.receipt, lv, date=day, kind=kind, note=f"{report.label}《{article.title}》",
                                      publication=name, issue_no=issue_no, by=by, session=s)
                except UsageError as e:
                    out.refused.append((credit, str(e)))
                    continue
                done.add(credit.receipt)
                unit = rt.units.get(credit.unit) if credit.unit else None
                line = f"{r.line}，《{credit.subject}》" + (f"（{unit.name}）" if unit else "")
                out.recorded.append((credit, line.replace("已记录", "将记录", 1) if dry_run else line))
            report.articles.append(out)
    return report


def withdraw(rt: Runtime, publication: str, issue: str, by: str = "cli", dry_run: bool = False,
             session: Session | None = None) -> BulletinReport:
    """Reverse every standing adoption recorded from this issue."""
    pub = find_publication(rt.settings.publications, publication)
    name = plain_name(pub.name if pub else publication)
    issue_no = _issue_no(issue)
    label = issue_label(name, issue_no)
    report = BulletinReport(label, "", "", rt.clock.today(), dry_run)
    with _work(rt, session, dry_run) as s:
        for event, sub in _credited(s, name, issue_no):
            rev = records.reverse_event(s, event, by, f"撤销{label}的采用")
            report.withdrawn.append(f"{'将撤销' if dry_run else '已撤销'}：{sub.receipt} "
                                    f"{records.level_name(rt, 'adopt', event.level)}采用（{label}） "
                                    f"{records.fmt_points(rev.points)} 分")
    if not report.withdrawn:
        raise UsageError(f"{label} 没有可撤销的采用记录 (no adoptions recorded from {label})")
    return report


def article_heading(a: Article) -> str:
    number = CN[a.number - 1] if a.number <= len(CN) else str(a.number)
    return f"{number}、《{a.title}》" + (f"（{a.credit}）" if a.credit else "")


def credit_line(c: Credit) -> str:
    return f"{c.receipt}《{c.subject}》相似度 {c.score:.0%}（{c.evidence}）"


def report_lines(report: BulletinReport, mail: bool) -> list[str]:
    """The report as lines: each article with what was recorded, what needs confirming, or nothing found.

    A doubtful candidate comes with the line that confirms it: ``采用 RECEIPT 级别`` by mail, the
    ``mailbot adopt`` command on the command line."""
    lines = [report.summary()] + ([f"（读取说明：{report.note}）"] if report.note else [])
    for out in report.articles:
        lines.append(article_heading(out.article))
        for credit, line in out.recorded:
            lines.append(f"  {line}；相似度 {credit.score:.0%}（{credit.evidence}）")
        for credit in out.already:
            lines.append(f"  已记录过，不重复记录：{credit.receipt}《{credit.subject}》")
        for credit, why in out.refused:
            lines.append(f"  未记录：{credit.receipt}《{credit.subject}》，{why}")
        if out.doubtful and not (out.recorded or out.already):
            lines.append("  需确认（未记录），可能的来稿：")
        elif out.doubtful:
            lines.append("  其他可能的来稿（未记录）：")
        for credit in out.doubtful:
            confirm = (f"采用 {credit.receipt} {report.level_name} {issue_label(report.name, report.issue_no)}" if mail else
                       f"mailbot adopt {credit.receipt} --level {report.level} --date {report.on.isoformat()} "
                       f"--publication {report.name} --issue {report.issue_no}")
            lines.append(f"    {credit_line(credit)}")
            lines.append(f"      确认：{confirm}")
        if not (out.recorded or out.already or out.refused or out.doubtful):
            lines.append("  未找到对应来稿（可能为编辑部自撰或未经邮箱报送）")
    return lines

