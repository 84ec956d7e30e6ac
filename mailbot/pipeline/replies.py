"""Stage: a reply to our own mail, a forward or bounce of it, is never a submission nor answered.

Recognised by (1) ``In-Reply-To``/``References`` naming a Message-ID we sent; (2) a subject that
is a reply or forward (回复/答复/Re/RE/AW/回覆/Fw/转发 …, full-width too) of one of our subjects
(【回执】, 【催报】, 【通报】 …), or our subject unchanged (a forwarding rule); (3) our mail carried
inside it (a bounce or forward quoting our headers), or our template's footer in the sender's text.
The reason starts with ``REPLY`` so the office's digest lists these as 单位回复.
"""

from __future__ import annotations

import re

from mailbot.errors import Ignore
from mailbot.mail import sent
from mailbot.pipeline.intake import Intake
from mailbot.runtime import Runtime
from mailbot.text import strip_reply_prefixes

REPLY = "reply to our mail"
_FOOTER = "本邮件由系统自动发送"
_RECEIPT_NO = re.compile(r"(?<!\d)20\d{6}-\d{4}(?!\d)")


def read(rt: Runtime, intake: Intake) -> None:
    reason = reply_reason(rt, intake)
    if reason:
        raise Ignore(f"{REPLY}: {reason}")


def reply_reason(rt: Runtime, intake: Intake) -> str | None:
    mail = intake.mail
    assert mail is not None
    domain = sent.our_domain(rt.settings.outgoing.from_)
    referenced = sent.referenced_ids(mail.in_reply_to, mail.references)
    for mid in referenced:
        if sent.is_ours(mid, domain):
            return f"In-Reply-To/References names our <{mid}>"
    if referenced:
        with rt.db.session() as s:  # mail we sent from another address (the From changed since)
            found = sent.sent_message_id(s, referenced)
        if found:
            return f"In-Reply-To/References names our <{found}>"
    stripped = strip_reply_prefixes(mail.subject).strip()
    marker = sent.our_marker(stripped)
    if marker and stripped != mail.subject.strip():
        return f"subject is a reply to our 【{marker}】"
    if marker in sent.OWN_ONLY_MARKERS:
        return f"subject is our 【{marker}】 unchanged (forwarded or echoed)"
    parts = re.split(rb"\r?\n\r?\n", intake.source.raw, maxsplit=1)
    text = f"{mail.body_text}\n{mail.quoted_text}"
    carried = [parts[1] if len(parts) == 2 else b"", text.encode("utf-8", "replace"),
               *(a.data for a in mail.attachments if a.content_type in ("message/rfc822", "text/rfc822-headers"))]
    kind = next((k for k in map(sent.carried_kind, carried) if k), None)
    if kind:
        return f"carries our {kind} mail (bounce or forward)"
    if any(sent.is_ours(mid, domain) for mid in sent.referenced_ids(None, [text])):
        return "carries our mail's Message-ID (bounce or forward)"
    if _FOOTER in text and _RECEIPT_NO.search(text):  # our footer and one of our receipt numbers
        return "quotes our mail (bounce or forward)"
    return None
