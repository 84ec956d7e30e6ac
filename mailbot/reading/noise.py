"""noise_reason: is this mail something other than a submission?

Auto-replies (RFC 3834 and vendor headers, 自动回复 subjects), bounces and
delivery reports, the office's or bot's own mail, and mailing-list mail.
"""

from __future__ import annotations

import re

from mailbot.reading.model import ReadMail
from mailbot.text import strip_reply_prefixes

# Matched after the reply/forward prefixes (mailbot.text.strip_reply_prefixes).
_PREFIX = r"^[\[【(（]?\s*"
_AUTO_SUBJECT = re.compile(
    _PREFIX + r"(自动回复|自動回覆|自动答复|自動回复|自动应答|auto[- ]?reply|automatic reply|autoreply|auto[- ]?response|"
    r"out of (the )?office|休假(中|通知)?|不在办公室|外出)\s*([\]】)）:：\-]|$)",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    _PREFIX + r"(退信|系统退信|系統退信|邮件退回|投递失败|未送达|无法投递)|系统退信|"
    r"undeliver(ed|able)|delivery status notification|delivery (has )?failed|delivery failure|"
    r"mail delivery failed|returned mail|failure notice|non[- ]?delivery",
    re.I,
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")


def noise_reason(mail: ReadMail, own_addresses: set[str]) -> str | None:
    """A short English reason when the mail is not a submission, else None."""
    h = mail.headers
    own = {a.strip().lower() for a in own_addresses if a}
    if mail.sender and mail.sender in own:
        return f"mail from own address {mail.sender}"
    auto = h.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"auto-submitted: {auto.split(';')[0]}"
    for name in ("x-autoreply", "x-autorespond", "x-auto-response-suppress"):
        if h.get(name, "").strip():
            return f"auto-reply header {name}"
    if h.get("precedence", "").strip().lower() == "auto_reply":
        return "auto-reply (precedence auto_reply)"
    content_type = h.get("content-type", "").lower()
    if content_type.startswith("multipart/report"):
        return "delivery status report"
    local = mail.sender.split("@", 1)[0]
    if local in _BOUNCE_SENDERS:
        return f"bounce from {mail.sender}"
    subject = strip_reply_prefixes(mail.subject)
    if _AUTO_SUBJECT.search(subject):
        return "auto-reply subject"
    if _BOUNCE_SUBJECT.search(subject):
        return "bounce subject"
    if h.get("list-id", "").strip():
        return "mailing list (List-Id)"
    if h.get("list-unsubscribe", "").strip() and h.get("precedence", "").strip().lower() in ("bulk", "list", "junk"):
        return "bulk mail (List-Unsubscribe and Precedence)"
    return None
