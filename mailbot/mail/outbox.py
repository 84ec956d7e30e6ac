"""The outbox: every mail is a row first; one sender sends it (``mailbot/mail/sender.py``).

Stages, reports and commands only ``queue``. ``dedupe_key`` (e.g. ``receipt:20260203-0007``)
makes queueing idempotent, so a re-run never queues the same mail twice, and the row's
Message-ID is fixed here, so a copy re-sent after a crash is recognisably the same mail.
``flush`` wakes the one sender: safe to call from any process at any time, because the
sender claims each row atomically before it talks to the server.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.db.models import OutboxMail
from mailbot.mail.render import Rendered

if TYPE_CHECKING:
    from mailbot.mail.sender import SendResult
    from mailbot.mail.transport import Transport
    from mailbot.runtime import Runtime


def new_message_id(session: Session, kind: str) -> str:
    """A fresh Message-ID (without the angle brackets) on the sending address's domain."""
    domain = session.info.get("mail_domain") or "mailbot.invalid"
    return f"mailbot.{kind}.{uuid.uuid4().hex}@{domain}"


def queue(session: Session, *, kind: str, key: str, recipients: list[str], mail: Rendered,
          in_reply_to: str | None = None, references: str | None = None, submission_id: int | None = None,
          attachments: list[dict[str, Any]] | None = None, now=None,
          cc: list[str] | None = None) -> OutboxMail | None:
    """Add a mail to the outbox unless one with the same key is there already.

    ``kind``: receipt | alert | digest | reminder | reply | tally | notice (free text, shown in
    logs and ``X-Mailbot-Kind``). ``in_reply_to``: the Message-ID (no brackets) answered.
    ``attachments``: ``[{"filename", "path", "content_type"}]``, read when the mail is sent.
    ``cc``: copy recipients (Cc:), e.g. the office on a 零报送 notice.
    Returns the new row, or None when nothing was queued (no recipient, or the key is taken).
    """
    recipients = [r for r in dict.fromkeys(r.strip() for r in recipients) if r]
    if not recipients:
        return None
    existing = session.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == key))
    if existing is not None:
        return None
    row = OutboxMail(kind=kind, dedupe_key=key, recipients=recipients, subject=mail.subject, body_text=mail.text,
                     body_html=mail.html, in_reply_to=in_reply_to, references=references,
                     submission_id=submission_id, attachments=attachments or [],
                     message_id=new_message_id(session, kind),
                     cc=[c for c in dict.fromkeys(c.strip() for c in cc or []) if c and c not in recipients] or None)
    if now is not None:
        row.created_at = row.next_attempt_at = now
    session.add(row)
    session.flush()
    return row


FLUSH_ROUNDS = 40  # a flush sends at most this many rounds of ``limit`` mails (20,000 by default)


def flush(rt: Runtime, transport: Transport | None = None, limit: int = 500) -> SendResult:
    """Wake the one sender: send what is due now (see ``mailbot.mail.sender.deliver``), in rounds
    of ``limit`` mails until less than a round is due (a back-fill's thousands of receipts go
    out now, not 500 a poll), each recipient's hourly cap still holding.

    While the database rehearses (``--preview``) nothing is sent, whoever asks.
    """
    from mailbot.mail.sender import SendResult, deliver

    total = SendResult()
    if rt.db.rehearsing:
        return total
    for _ in range(FLUSH_ROUNDS):
        done = deliver(rt, transport, limit=limit)
        total.sent, total.deferred, total.failed = (total.sent + done.sent, total.deferred + done.deferred,
                                                    total.failed + done.failed)
        total.busy, total.server_down = total.busy or done.busy, total.server_down or done.server_down
        if done.busy or done.server_down or done.sent + done.deferred + done.failed < limit:
            break
    return total


KIND_NAMES = {"receipt": "回执", "alert": "紧急提醒", "digest": "周报", "reminder": "催报", "reply": "命令回复",
              "tally": "通报", "notice": "通知"}


def failures(session: Session, start, end) -> list[dict[str, Any]]:
    """Mail given up on (or refused for some recipients) between ``start`` and ``end``, oldest first."""
    rows = session.scalars(select(OutboxMail).where(OutboxMail.failed_at >= start, OutboxMail.failed_at < end)
                           .order_by(OutboxMail.failed_at, OutboxMail.id))
    return [{"id": r.id, "kind": r.kind, "kind_name": KIND_NAMES.get(r.kind, r.kind), "recipients": list(r.recipients),
             "subject": r.subject, "reason": r.last_error or "", "attempts": r.attempts, "failed_at": r.failed_at,
             "delivered_to_others": r.sent_at is not None} for r in rows]
