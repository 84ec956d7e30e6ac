"""read_message: raw RFC 822 bytes -> ReadMail.

Every text part is re-decoded from its bytes with the charset ladder
(charsets.py).  mail-parser is not used for text: version 4.8 turns a whole
gb2312 body into U+FFFD when it meets one GBK-only character.
"""

from __future__ import annotations

import re
from email.message import Message

from mailbot.reading.headers import (
    decode_header,
    header_date,
    header_text,
    message_ids,
    parse_addresses,
    received_date,
)
from mailbot.reading.mime_tree import MimeWalker, charset_hint
from mailbot.reading.model import ReadingLimits, ReadMail, Unreadable
from mailbot.reading.parsing import defect_notes, has_mail_headers, parse_bytes, salvage
from mailbot.reading.quoting import split_body
from mailbot.text import is_forward_subject

_COVER_FORWARD = re.compile(r"附件|转发|转给|请阅|请审|请查收|forward", re.I)


def read_message(raw: bytes, limits: ReadingLimits = ReadingLimits()) -> ReadMail:
    """Read one raw mail; bad mail gives notes in defects, never an exception.

    Raises Unreadable only when the bytes hold no mail at all (empty, no headers).
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):  # a caller's bug, not bad mail
        raise TypeError(f"read_message needs bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    raw = raw.lstrip(b"\r\n\t ")
    if not raw:
        raise Unreadable("empty message")
    message, notes = parse_bytes(raw)
    if not has_mail_headers(message):
        salvaged = salvage(raw)
        if salvaged is None:
            raise Unreadable("not a mail: no mail headers found")
        message, notes = parse_bytes(salvaged)
        notes.insert(0, "text before the mail headers skipped")
        if not has_mail_headers(message):
            raise Unreadable("not a mail: no mail headers found")
    mail = _read(message, limits, 0)
    mail.defects.extend(notes)
    return mail


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _read(message: Message, limits: ReadingLimits, depth: int) -> ReadMail:
    """ReadMail of a parsed message; depth counts attached messages around it."""
    defects: list[str] = []
    headers: dict[str, str] = {}
    hint = charset_hint(message)
    for name, value in message.raw_items():
        key = name.strip().lower()
        if key in headers:
            continue
        text = decode_header(str(value), hint)
        if len(text) > limits.max_header_chars:
            defects.append(f"{key} header truncated from {len(text)} chars")
            text = text[: limits.max_header_chars]
        headers[key] = text
    subject = headers.get("subject", "")
    senders = (parse_addresses(header_text(message, "from"), hint)
               or parse_addresses(header_text(message, "sender"), hint))
    sender_name, sender = senders[0] if senders else ("", "")
    ids = message_ids(header_text(message, "message-id"))
    replies = message_ids(header_text(message, "in-reply-to"))

    reader = MimeWalker(limits, depth, hint, _read)
    texts = reader.walk(message)
    body = "\n\n".join(t.strip("\n") for t in texts if t.strip())
    parts = split_body(body, subject)
    body_text, quoted, forwarded = parts.body, parts.quoted, parts.forwarded
    forwarded_subject = parts.forwarded_subject
    if reader.forwards and not (parts.forwarded and parts.marker):  # no forwarded text found inline
        own = re.sub(r"\s+", "", body_text)
        cover = len(own) <= 200 and _COVER_FORWARD.search(own) is not None
        if not own or cover or (is_forward_subject(subject) and len(own) <= 200):
            inner = reader.forwards[0]
            forwarded = True
            forwarded_subject = inner.forwarded_subject or inner.subject or None
            body_text = inner.body_text if len(own) <= 40 or cover else body_text + "\n\n" + inner.body_text
            quoted = "\n\n".join(q for q in (quoted, inner.quoted_text) if q)
    return ReadMail(
        message_id=ids[0] if ids else None,
        subject=subject[: limits.max_header_chars],
        sender=sender[: limits.max_header_chars],
        sender_name=sender_name[: limits.max_header_chars],
        to=[addr for _name, addr in parse_addresses(header_text(message, "to"), hint) if addr],
        date=header_date(header_text(message, "date")),
        received_at=received_date(message),
        in_reply_to=replies[0] if replies else None,
        references=message_ids(header_text(message, "references")),
        headers=headers,
        body_text=body_text,
        quoted_text=quoted,
        signature=parts.signature,
        forwarded=forwarded,
        forwarded_subject=forwarded_subject[: limits.max_header_chars] if forwarded_subject else None,
        attachments=reader.attachments,
        charsets=reader.charsets,
        repaired=reader.repaired,
        defects=_dedupe(defects + defect_notes(message) + reader.defects),
    )
