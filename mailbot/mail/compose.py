"""Build the MIME message for an outbox row, with loop-prevention headers."""

from __future__ import annotations

from datetime import tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from mailbot.db.models import OutboxMail

AUTO_KINDS = {"receipt": "auto-replied", "reply": "auto-replied"}


def compose(row: OutboxMail, sender: str, tz: tzinfo | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(row.recipients)
    if row.cc:
        msg["Cc"] = ", ".join(row.cc)
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(row.created_at.astimezone(tz) if tz else row.created_at)
    domain = (parseaddr(sender)[1].rpartition("@")[2] or "mailbot.local")
    msg["Message-ID"] = make_msgid(idstring=f"mailbot-{row.id}", domain=domain)
    # RFC 3834: answers are auto-replied, reports auto-generated; ask autoresponders to stay quiet.
    msg["Auto-Submitted"] = AUTO_KINDS.get(row.kind, "auto-generated")
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Mailbot-Kind"] = row.kind
    if row.in_reply_to:
        msg["In-Reply-To"] = f"<{row.in_reply_to}>"
        msg["References"] = row.references or f"<{row.in_reply_to}>"
    msg.set_content(row.body_text, charset="utf-8")
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html", charset="utf-8")
    for a in row.attachments or []:
        data = Path(a["path"]).read_bytes()
        maintype, _, subtype = a.get("content_type", "application/octet-stream").partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=a["filename"])
    return msg
