"""Recognising our own mail when it comes back: replies, forwards, bounces, echoes.

Every mail we send carries a Message-ID made by ``mail/compose.py`` (``…mailbot…@<our domain>``)
and an ``X-Mailbot-Kind`` header; both travel inside bounces and forwards. The subjects of our
mails start with a bracketed marker (``【回执】`` …), which replies keep behind their prefix.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

# The markers our templates put first in a subject (templates/*/subject.j2). Not 【紧急】: units title
# their own urgent items so (the alert goes to the office only), and a unit forwarding one is submitting it.
OUR_SUBJECT_MARKERS = ("回执", "催报", "通报", "已办理", "未办理", "信息周报", "查询结果", "零报送", "采用通知")
# Of those, the ones no unit titles an item with: our subject unchanged is our mail echoed back.
OWN_ONLY_MARKERS = frozenset({"回执", "催报", "已办理", "未办理", "信息周报", "查询结果"})
_MARKER = re.compile(r"^\s*[【\[［〔]\s*(" + "|".join(OUR_SUBJECT_MARKERS) + r")\s*[】\]］〕]")
_KIND_HEADER = re.compile(rb"^X-Mailbot-Kind:[ \t]*([\w-]+)", re.M | re.I)
_ANGLE_ID = re.compile(r"<([^<>\s@]+@[^<>\s]+)>")


def our_domain(from_address: str) -> str:
    return parseaddr(from_address)[1].rpartition("@")[2].lower() or "mailbot.invalid"


def is_ours(message_id: str, domain: str) -> bool:
    """A Message-ID made by ``compose`` for our sending domain."""
    local, _, dom = message_id.strip("<> ").rpartition("@")
    return dom.lower() == domain and "mailbot" in local


def sent_message_id(session, message_ids: list[str]) -> str | None:
    """The first of ``message_ids`` that an outbox row of ours carries (its Message-ID is fixed when queued)."""
    from sqlalchemy import select

    from mailbot.db.models import OutboxMail

    ids = [m.strip("<> ") for m in message_ids if m.strip("<> ")][:50]
    if not ids:
        return None
    return session.scalar(select(OutboxMail.message_id).where(OutboxMail.message_id.in_(ids)).limit(1))


def referenced_ids(in_reply_to: str | None, references: list[str] | None) -> list[str]:
    ids = []
    for value in [in_reply_to or "", *(references or [])]:
        ids.extend(_ANGLE_ID.findall(value) or ([value.strip("<> ")] if value.strip() else []))
    return ids


def our_marker(subject: str) -> str | None:
    """The marker of ours a subject starts with (``回执`` for ``【回执】已收到…``), else None."""
    m = _MARKER.match(subject or "")
    return m.group(1) if m else None


def carried_kind(raw_body: bytes) -> str | None:
    """The ``X-Mailbot-Kind`` of a mail of ours carried inside this one (bounce, forward as attachment)."""
    m = _KIND_HEADER.search(raw_body)
    return m.group(1).decode("ascii", "replace") if m else None
