"""The outbox: every mail is a row first, then sent; sent once, retried on failure.

``dedupe_key`` (e.g. ``receipt:20260203-0007``) makes queueing idempotent, so a re-run
never queues the same mail twice; a row is marked sent as soon as the server accepts it.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.db.models import OutboxMail
from mailbot.mail.compose import compose
from mailbot.mail.render import Rendered
from mailbot.mail.transport import Transport, make_transport
from mailbot.runtime import Runtime

log = logging.getLogger("mailbot.outbox")


def queue(session: Session, *, kind: str, key: str, recipients: list[str], mail: Rendered,
          in_reply_to: str | None = None, submission_id: int | None = None,
          attachments: list[dict[str, Any]] | None = None, now=None,
          cc: list[str] | None = None) -> OutboxMail | None:
    """Add a mail to the outbox unless one with the same key is there already (``cc``: Cc: copies)."""
    recipients = [r for r in dict.fromkeys(r.strip() for r in recipients) if r]
    if not recipients:
        return None
    existing = session.scalar(select(OutboxMail).where(OutboxMail.dedupe_key == key))
    if existing is not None:
        return None
    row = OutboxMail(kind=kind, dedupe_key=key, recipients=recipients, subject=mail.subject, body_text=mail.text,
                     body_html=mail.html, in_reply_to=in_reply_to, submission_id=submission_id,
                     attachments=attachments or [],
                     cc=[c for c in dict.fromkeys(c.strip() for c in cc or []) if c and c not in recipients] or None)
    if now is not None:
        row.created_at = row.next_attempt_at = now
    session.add(row)
    session.flush()
    return row


@dataclass
class FlushResult:
    sent: int = 0
    deferred: int = 0
    failed: int = 0


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def flush(rt: Runtime, transport: Transport | None = None, limit: int = 500) -> FlushResult:
    """Send what is due. Temporary failures are retried later with back-off; 5xx give up."""
    result = FlushResult()
    now = rt.clock.now()
    with rt.db.session() as s:
        due = list(s.scalars(select(OutboxMail.id).where(OutboxMail.sent_at.is_(None), OutboxMail.failed.is_(False),
                                                         OutboxMail.next_attempt_at <= now)
                             .order_by(OutboxMail.id).limit(limit)))
    if not due:
        return result
    own = transport is None
    transport = transport or make_transport(rt.settings)
    try:
        for row_id in due:
            with rt.db.transaction() as s:
                row = s.get(OutboxMail, row_id)
                if row is None or row.sent_at is not None:
                    continue
                row.attempts += 1
                try:
                    msg = compose(row, rt.settings.outgoing.from_, rt.settings.tz)
                    transport.send(msg, list(row.recipients) + list(row.cc or []), f"{row.id:06d}-{row.kind}")
                except (smtplib.SMTPException, OSError) as e:
                    permanent = _is_permanent(e)
                    row.last_error = f"{type(e).__name__}: {e}"[:1000]
                    if permanent or row.attempts >= rt.settings.outgoing.max_attempts:
                        row.failed = True
                        result.failed += 1
                        log.error("outbox #%s (%s) to %s failed for good: %s", row.id, row.kind, row.recipients,
                                  row.last_error)
                    else:
                        row.next_attempt_at = now + _backoff(row.attempts)
                        result.deferred += 1
                        log.warning("outbox #%s (%s): will retry: %s", row.id, row.kind, row.last_error)
                    if isinstance(e, (smtplib.SMTPServerDisconnected, OSError)) and not permanent:
                        transport.close()
                    continue
                row.sent_at = rt.clock.now()
                result.sent += 1
                log.info("outbox #%s (%s) sent to %s", row.id, row.kind, ", ".join(row.recipients))
    finally:
        if own:
            transport.close()
    return result


def _is_permanent(e: Exception) -> bool:
    code = getattr(e, "smtp_code", None)
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in e.recipients.values()]
        return bool(codes) and all(500 <= c < 600 for c in codes)
    return isinstance(code, int) and 500 <= code < 600 and not isinstance(e, smtplib.SMTPAuthenticationError)
