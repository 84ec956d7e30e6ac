"""Stage: queue the receipt to the sender, and the urgent alert for an emergency item.

No receipt goes to unassigned, ignored or quarantined mail (no back-scatter to spammers);
a duplicate is answered, so the officer knows it was not counted twice. Back-filled mail
(older than the mailbox's switch-on) is answered by nothing at all.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.db.models import OutboxMail, Submission
from mailbot.mail import outbox
from mailbot.pipeline.intake import Intake
from mailbot.reports.progress import unit_progress
from mailbot.runtime import Runtime

log = logging.getLogger("mailbot.acknowledge")

ANSWERED = {"accepted", "duplicate"}


def receipt_context(rt: Runtime, session: Session, sub: Submission) -> dict:
    unit = rt.units.get(sub.unit_id)
    local = sub.received_at.astimezone(rt.settings.tz)
    original = session.get(Submission, sub.duplicate_of) if sub.duplicate_of else None
    return dict(
        sub=sub, unit=unit, office=rt.settings.office, received=local,
        category_name=rt.category_names.get(sub.category or "", sub.category or "未分类"),
        points=rt.scheme.points("submit") if sub.status == "accepted" else 0,
        progress=unit_progress(rt, session, unit.id, local.date()) if unit else [],
        original=original,
    )


def over_sender_limit(rt: Runtime, session: Session, sender: str) -> bool:
    """Whether ``sender`` already had ``receipts_per_sender_hour`` answers (receipts, query answers)
    in the last hour: the back-stop against a mail loop no header or subject gives away."""
    limit = rt.settings.receipts_per_sender_hour
    if not limit:
        return False
    since = rt.clock.now() - timedelta(hours=1)
    # Counted up to the limit only: a back-fill answering thousands of items stays as fast at the end.
    receipts = (select(OutboxMail.id).join(Submission, Submission.id == OutboxMail.submission_id)
                .where(Submission.sender == sender, OutboxMail.kind == "receipt", OutboxMail.created_at >= since)
                .limit(limit).subquery())
    n = session.scalar(select(func.count()).select_from(receipts)) or 0
    if n >= limit:
        return True
    answers = (select(Submission.id).where(Submission.sender == sender,
                                            Submission.status_reason.like("standing query%answered"),
                                            Submission.received_at >= since).limit(limit - n).subquery())
    n += session.scalar(select(func.count()).select_from(answers)) or 0
    return n >= limit


def run(rt: Runtime, intake: Intake) -> None:
    if not rt.receipts or intake.backfill:
        return
    for sub in intake.submissions:
        if sub.status not in ANSWERED or not sub.unit_id:
            continue
        if over_sender_limit(rt, intake.session, sub.sender):
            sub.notes = [*(sub.notes or []), "回执已达每小时上限（防止邮件循环），本条未发回执"]
            log.warning("no receipt for %s to %s: %s receipts this hour already", sub.receipt, sub.sender,
                        rt.settings.receipts_per_sender_hour)
            continue
        queue_receipt(rt, intake.session, sub)
        if (sub.status == "accepted" and sub.category == "emergency"
                and (sub.category_confidence or 0) >= rt.settings.classify.alert_confidence):
            queue_alert(rt, intake, sub)


def queue_receipt(rt: Runtime, session: Session, sub: Submission) -> None:
    """The receipt for one submission (also used when the office assigns an unassigned item)."""
    mail = rt.renderer.render("receipt", **receipt_context(rt, session, sub))
    outbox.queue(session, kind="receipt", key=f"receipt:{sub.receipt}", recipients=[sub.sender], mail=mail,
                 in_reply_to=sub.message_id, submission_id=sub.id, now=rt.clock.now())


def queue_alert(rt: Runtime, intake: Intake, sub: Submission) -> None:
    now = rt.clock.now()
    minutes = max(0, int((now - sub.received_at).total_seconds() // 60))
    lines = [ln.strip() for ln in (sub.text or "").splitlines() if ln.strip()][:6]
    mail = rt.renderer.render("alert", sub=sub, unit=rt.units.get(sub.unit_id), office=rt.settings.office,
                              received=sub.received_at.astimezone(rt.settings.tz), sent=now, minutes=minutes,
                              first_lines=lines)
    outbox.queue(intake.session, kind="alert", key=f"alert:{sub.receipt}", recipients=rt.settings.office.emails,
                 mail=mail, submission_id=sub.id, now=now)
