"""Build the MIME message for an outbox row, with loop-prevention headers."""

from __future__ import annotations

import re
from datetime import tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from mailbot.db.models import OutboxMail

AUTO_KINDS = {"receipt": "auto-replied", "reply": "auto-replied"}
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """A header value on one line: a sender's subject may carry CR/LF (RFC 2047 can encode them)."""
    return _LINE_BREAKS.sub(" ", text or "").strip()


def message_id_of(row: OutboxMail, sender: str) -> str:
    """The row's Message-ID (fixed when queued; rows from before that get one from their id)."""
    if row.message_id:
        return row.message_id
    domain = parseaddr(sender)[1].rpartition("@")[2] or "mailbot.invalid"
    return f"mailbot.{row.kind}.{row.id}@{domain}"


def compose(row: OutboxMail, sender: str, tz: tzinfo | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(row.recipients)
    if row.cc:
        msg["Cc"] = ", ".join(row.cc)
    msg["Subject"] = one_line(row.subject)
    msg["Date"] = format_datetime(row.created_at.astimezone(tz) if tz else row.created_at)
    msg["Message-ID"] = f"<{message_id_of(row, sender)}>"
    # RFC 3834: answers are auto-replied, reports auto-generated; ask autoresponders to stay quiet.
    msg["Auto-Submitted"] = AUTO_KINDS.get(row.kind, "auto-generated")
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Mailbot-Kind"] = row.kind
    if row.in_reply_to:
        msg["In-Reply-To"] = f"<{one_line(row.in_reply_to)}>"
        msg["References"] = one_line(row.references or "") or f"<{one_line(row.in_reply_to)}>"
    msg.set_content(row.body_text, charset="utf-8")
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html", charset="utf-8")
    for a in row.attachments or []:
        data = Path(a["path"]).read_bytes()
        maintype, _, subtype = a.get("content_type", "application/octet-stream").partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=a["filename"])
    return msg
