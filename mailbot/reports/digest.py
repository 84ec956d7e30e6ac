"""The office's weekly digest (周报): everything the mailbox received in one ISO week.

``digest_data`` gathers plain, JSON-ready data; ``queue_digest`` renders ``templates/digest/``
and queues one mail to ``[office] emails`` under the key ``digest:{week}``, so the weekly job
and a manual ``mailbot digest`` never send the same week twice.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from mailbot.db.models import CategoryCorrection, OutboxMail, Submission
from mailbot.errors import UsageError
from mailbot.mail import outbox
from mailbot.pipeline.replies import REPLY
from mailbot.reports.periods import bounds
from mailbot.reports.wording import period_title
from mailbot.runtime import Runtime
from mailbot.scoring.calendar import Calendar, Period

log = logging.getLogger("mailbot.digest")

_WEEK = re.compile(r"^\s*\d{4}-[Ww]\d{1,2}\s*$")
UNCATEGORIZED = "未分类"


def parse_week(calendar: Calendar, week_text: str) -> Period:
    """'2026-W07' -> the ISO week (Monday..Sunday, local dates); UsageError otherwise."""
    if not isinstance(week_text, str) or not _WEEK.match(week_text):
        raise UsageError(f"bad week {week_text!r}: use an ISO week like 2026-W07")
    try:
        return calendar.parse(week_text)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def digest_data(rt: Runtime, week_text: str) -> dict[str, Any]:
    """Counts and lists for one ISO week, by received time in ``rt.settings.timezone``."""
    week = parse_week(rt.calendar, week_text)
    tz = rt.settings.tz
    start, end = bounds(week, tz)
    names = rt.category_names
    review_below = rt.settings.classify.review_below

    with rt.db.session() as s:
        subs = list(s.scalars(select(Submission).where(Submission.received_at >= start, Submission.received_at < end)
                              .order_by(Submission.received_at, Submission.id)))
        originals = {x.id: x.receipt for x in subs}
        missing = {x.duplicate_of for x in subs if x.duplicate_of and x.duplicate_of not in originals}
        if missing:
            originals.update(dict(s.execute(select(Submission.id, Submission.receipt)
                                            .where(Submission.id.in_(missing))).all()))
        fixes = s.execute(select(CategoryCorrection, Submission.receipt, Submission.subject, Submission.unit_id)
                          .join(Submission, Submission.id == CategoryCorrection.submission_id)
                          .where(CategoryCorrection.corrected_at >= start, CategoryCorrection.corrected_at < end)
                          .order_by(CategoryCorrection.corrected_at, CategoryCorrection.id)).all()
        # Mail that could not be sent: the week and the days up to its digest (so the next digest shows it).
        failed_mail = [{**f, "at": f["failed_at"].astimezone(tz).strftime("%m-%d %H:%M")}
                       for f in outbox.failures(s, start, min(end + timedelta(days=7), rt.clock.now()))]
        corrections = [{
            "receipt": receipt, "subject": subject, "unit": unit_id, "unit_name": _unit_name(rt, unit_id),
            "old_category": c.old_category, "old_name": names.get(c.old_category or "", c.old_category or UNCATEGORIZED),
            "category": c.category, "name": names.get(c.category, c.category),
            "by": c.corrected_by, "at": c.corrected_at.astimezone(tz).strftime("%m-%d %H:%M"),
        } for c, receipt, subject, unit_id in fixes]

    def base(x: Submission) -> dict[str, Any]:
        local = x.received_at.astimezone(tz)
        return {"receipt": x.receipt, "received_at": local.isoformat(), "received": local.strftime("%m-%d %H:%M"),
                "sender": x.sender, "sender_name": x.sender_name, "subject": x.subject, "unit": x.unit_id,
                "unit_name": _unit_name(rt, x.unit_id), "category": x.category,
                "category_name": names.get(x.category or "", x.category or UNCATEGORIZED),
                "confidence": round(x.category_confidence, 3) if x.category_confidence is not None else None}

    by_status: dict[str, list[Submission]] = {k: [] for k in ("accepted", "duplicate", "unassigned", "ignored",
                                                               "quarantined")}
    for x in subs:
        by_status.setdefault(x.status, []).append(x)
    accepted = by_status["accepted"]

    unit_rows = []
    for u in rt.units:
        unit_rows.append({"unit": u.id, "name": u.name, "class": u.class_id,
                          "accepted": sum(1 for x in accepted if x.unit_id == u.id),
                          "duplicate": sum(1 for x in by_status["duplicate"] if x.unit_id == u.id)})
    category_rows = [{"category": cid, "name": cname, "count": sum(1 for x in accepted if x.category == cid)}
                     for cid, cname in names.items()]
    uncategorized = sum(1 for x in accepted if x.category not in names)
    if uncategorized:
        category_rows.append({"category": None, "name": UNCATEGORIZED, "count": uncategorized})

    # Low confidence: the classifier's own guesses only; once the office has corrected one, it is settled.
    review = [{**base(x), **_doubt(x.category_reasons or [], names)}
              for x in subs if x.status in ("accepted", "unassigned") and x.category_by is None
              and (x.category is None or (x.category_confidence or 0) < review_below)]

    return {
        "week": {"name": week.name, "start": week.start.isoformat(), "end": week.end.isoformat(),
                 "start_cn": _cn_date(week.start), "end_cn": _cn_date(week.end), "title": period_title(week)},
        "office": rt.settings.office.name,
        "review_below": review_below,
        "totals": {"received": len(subs), **{k: len(v) for k, v in by_status.items()}},
        "units": unit_rows,
        "categories": category_rows,
        "accepted": [base(x) for x in accepted],
        "unassigned": [{**base(x), "reason": x.status_reason} for x in by_status["unassigned"]],
        "duplicates": [{**base(x), "duplicate_of": originals.get(x.duplicate_of) if x.duplicate_of else None,
                        "correction": x.correction,
                        "reason": x.status_reason} for x in by_status["duplicate"]],
        "quarantined": [{**base(x), "reason": x.status_reason} for x in by_status["quarantined"]],
        "ignored": [{**base(x), "reason": x.status_reason} for x in by_status["ignored"]],
        # Units' replies to our mail (回执, 催报, 通报 …): not items, but the office should read them.
        "replies": [{**base(x), "unit_name": _unit_name(rt, rt.units.unit_of_address(x.sender)) or x.sender_name,
                     "reason": x.status_reason, "text": (x.text or "")[:200]}
                    for x in by_status["ignored"] if (x.status_reason or "").startswith(REPLY)],
        "review": review,
        "corrections": corrections,
        "failed_mail": failed_mail,
        "zero_units": zero_units(rt, week, unit_rows),
    }


def _doubt(reasons: list[Any], names: dict[str, str]) -> dict[str, Any]:
    """An item in doubt: its two likeliest categories (id, name, probability) and readable reasons."""
    from mailbot.classify.classifier import parse_candidates

    candidates = [{"category": c, "name": names.get(c, c), "p": p} for c, p in parse_candidates(reasons)[:2]]
    shown = [r for r in reasons if isinstance(r, str) and not r.startswith(("候选:", "模型:"))]
    return {"candidates": candidates, "reasons": shown}


def zero_units(rt: Runtime, week: Period, unit_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Units with no counted item this week, listed only when it matters: nothing the week before
    either, or behind their pro-rata quota at the week's end (a unit that reported last week and is
    on track is not named every quiet week)."""
    from datetime import timedelta

    from mailbot.reports.progress import accepted_counts
    from mailbot.reports.remind import shortfalls

    quiet = [r for r in unit_rows if r["accepted"] == 0]
    if not quiet:
        return []
    before = rt.calendar.week_of(week.start - timedelta(days=1))
    behind: dict[str, dict[str, Any]] = {}
    for row in shortfalls(rt, week.end):
        behind.setdefault(row["unit"], row)
    out = []
    with rt.db.session() as s:
        last_week = accepted_counts(rt, s, before)
        for r in quiet:
            reasons = []
            if last_week.of(r["unit"]) == 0:
                reasons.append("连续两周没有计分信息")
            if r["unit"] in behind:
                b = behind[r["unit"]]
                reasons.append(f"落后于{b['per_name']}报送进度（应报 {b['due']} 条，已报 {b['submitted']} 条）")
            if reasons:
                out.append({"unit": r["unit"], "name": r["name"], "class": r["class"], "why": "，".join(reasons)})
    return out


def _unit_name(rt: Runtime, unit_id: str | None) -> str | None:
    u = rt.units.get(unit_id)
    return u.name if u else unit_id


def render_digest(rt: Runtime, data: dict[str, Any]):
    """The digest mail (subject, text, HTML) from ``digest_data``'s result."""
    return rt.renderer.render("digest", d=data, office=rt.settings.office,
                              generated=rt.clock.now().strftime("%Y-%m-%d %H:%M"))


def queue_digest(rt: Runtime, week_text: str) -> OutboxMail | None:
    """Queue the week's digest to the office; None when already queued or no office address."""
    data = digest_data(rt, week_text)
    key = f"digest:{data['week']['name']}"
    if not rt.settings.office.emails:
        log.warning("digest %s not queued: [office] emails is empty", data["week"]["name"])
        return None
    mail = render_digest(rt, data)
    with rt.db.transaction() as s:
        row = outbox.queue(s, kind="digest", key=key, recipients=list(rt.settings.office.emails), mail=mail,
                           now=rt.clock.now())
        if row is None:
            log.info("digest %s already queued", data["week"]["name"])
            return None
        s.expunge(row)
        return row
