"""Stage: write the submissions, their receipt numbers and the points for submitting."""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import parseaddr

from sqlalchemy.orm import Session

from mailbot import ledger_rows, resubmission
from mailbot.db.models import Message, ScoreEvent, Submission
from mailbot.pipeline.intake import Intake, Item
from mailbot.receipts import next_receipt
from mailbot.runtime import Runtime


def _new_submission(rt: Runtime, intake: Intake, item: Item) -> Submission:
    mail = intake.mail
    assert mail is not None and intake.received_at is not None
    local = intake.received_at.astimezone(rt.settings.tz)
    sub = Submission(
        receipt=next_receipt(intake.session, local), message_pk=intake.message.id, part=item.part,
        message_id=intake.message.message_id, status=item.status, status_reason=item.status_reason,
        unit_id=intake.unit_id, unit_via=intake.unit_via, sender=mail.sender, sender_name=mail.sender_name,
        received_at=intake.received_at, subject=item.subject[:2000], text=item.text, category=item.category,
        category_confidence=item.confidence, category_reasons=item.reasons, fingerprint=item.fingerprint,
        text_digest=resubmission.text_digest_hex(item.fingerprint) if item.fingerprint else None,
        attachments=item.attachments, notes=item.notes,
        duplicate_of=item.duplicate_of.id if item.duplicate_of is not None else None,
        correction=item.status == "duplicate" and item.correction,
    )
    intake.session.add(sub)  # written with its ledger row at the next flush (one round of the ORM, not two)
    return sub


def run(rt: Runtime, intake: Intake) -> None:
    for item in intake.items:
        sub = _new_submission(rt, intake, item)
        intake.submissions.append(sub)
        if sub.status == "accepted":
            credit_submission(rt, intake.session, sub)
        elif sub.status == "duplicate" and item.correction and item.duplicate_of is not None:
            original = item.duplicate_of
            original.text = sub.text
            original.notes = [*(original.notes or []), f"已按更正稿（回执号 {sub.receipt}）更新正文"]


def credit_submission(rt: Runtime, session: Session, sub: Submission, by: str = "system") -> ScoreEvent:
    """The ledger row for submitting an item (报送), at the points the scheme in force gives."""
    return ledger_rows.credit(session, sub, "submit", rt.scheme.points("submit"),
                              sub.received_at.astimezone(rt.settings.tz).date(), by, flush=False)


# Mail handled by a stage as something other than an item: the prefix of its row's reference.
NOT_ITEMS = {"command": "cmd", "query": "query"}


def ignored(rt: Runtime, intake: Intake, reason: str) -> None:
    """An ignored message still gets one row, so the office can see what was set aside and why."""
    mail = intake.mail
    received = intake.received_at or intake.source.arrived_at or (mail.date if mail else None) or rt.clock.now()
    local = received.astimezone(rt.settings.tz)
    # An office command or a unit's 查询 is answered by its own reply, never a receipt: it takes no
    # number from the day's receipt counter (the office's numbers stay one per item, without gaps).
    tag = NOT_ITEMS.get(intake.handled_by or "")
    receipt = f"{tag}-{local:%Y%m%d}-{intake.message.id}" if tag else next_receipt(intake.session, local)
    sub = Submission(
        receipt=receipt, message_pk=intake.message.id,
        message_id=intake.message.message_id, status="ignored", status_reason=reason,
        sender=mail.sender if mail else "", sender_name=mail.sender_name if mail else "", received_at=received,
        subject=(mail.subject if mail else "")[:2000], text=(mail.body_text if mail else "")[:20000],
    )
    intake.session.add(sub)
    intake.session.flush()
    intake.submissions = [sub]


def quarantined(rt: Runtime, session: Session, msg: Message, raw: bytes, reason: str) -> Submission:
    """Best-effort row for a message that failed: what the headers say, nothing more."""
    subject, sender, when = "", "", None
    try:
        h = BytesHeaderParser(policy=default_policy).parsebytes(raw[:200_000])
        subject = str(h.get("Subject", "") or "")[:500]
        sender = parseaddr(str(h.get("From", "") or ""))[1].lower()
        when = h["Date"].datetime if h.get("Date") else None
    except Exception:  # noqa: BLE001 - the headers themselves may be the problem
        pass
    when = msg.arrived_at or (when if when and when.tzinfo else None) or rt.clock.now()
    sub = Submission(receipt=next_receipt(session, when.astimezone(rt.settings.tz)), message_pk=msg.id,
                     message_id=msg.message_id, status="quarantined", status_reason=reason, sender=sender,
                     received_at=when, subject=re.sub(r"\s+", " ", subject))
    session.add(sub)
    session.flush()
    return sub
