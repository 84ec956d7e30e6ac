"""read_message: raw RFC 822 bytes -> ReadMail.

Parsed with the email package's compat32 policy, the most forgiving one: raw
8-bit headers stay available as bytes, and broken MIME never raises.  Every
text part is re-decoded from its bytes with the charset ladder (mail-parser
turns a gb2312 body with one GBK-only character into U+FFFD, so it is not
used for text).
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser

from mailbot.reading.attachments import make_attachment
from mailbot.reading.charsets import decode_bytes
from mailbot.reading.headers import (
    decode_header, header_text, message_ids, param_text, parse_addresses, parse_date, received_date,
)
from mailbot.reading.html_text import html_to_text, looks_like_html
from mailbot.reading.model import Attachment, ReadingLimits, ReadMail, Unreadable
from mailbot.reading.quoting import is_forward_subject, split_body

_MAIL_HEADERS = {
    "from", "to", "cc", "subject", "date", "message-id", "received", "return-path", "mime-version",
    "content-type", "sender", "reply-to", "delivered-to", "x-mailer", "in-reply-to", "references",
}
_DEFECT_NOTES = {
    "StartBoundaryNotFoundDefect": "multipart without boundary lines: read as text",
    "CloseBoundaryNotFoundDefect": "closing MIME boundary missing (truncated?)",
    "NoBoundaryInMultipartDefect": "multipart without boundary parameter",
    "MultipartInvariantViolationDefect": "multipart type but no subparts",
    "MissingHeaderBodySeparatorDefect": "no blank line after headers",
    "InvalidBase64PaddingDefect": "bad base64 padding",
    "InvalidBase64CharactersDefect": "bad base64 characters",
    "InvalidBase64LengthDefect": "bad base64 length (truncated?)",
}
_BODY_TYPES = {"text/plain", "text/html", "text/enriched", "text/richtext", "text/x-plain"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
_HEADER_LINE = re.compile(
    rb"^(return-path|received|from|to|subject|date|message-id|mime-version|delivered-to|content-type)[ \t]*:", re.I
)
_SPACED_COLON = re.compile(rb"^([A-Za-z][A-Za-z0-9-]*)[ \t]+:")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=\s]")
_COVER_FORWARD = re.compile(r"附件|转发|转给|请阅|请审|请查收|forward", re.I)
_MAX_TREE_DEPTH = 60
_MAX_PARTS = 500


class _Reader:
    """Walks one message's MIME tree, collecting text, attachments and notes."""

    def __init__(self, limits: ReadingLimits, depth: int, hint: str | None = None) -> None:
        self.limits = limits
        self.hint = hint
        self.depth = depth
        self.attachments: list[Attachment] = []
        self.charsets: list[tuple[str, str]] = []
        self.repaired = False
        self.defects: list[str] = []
        self.forwards: list[ReadMail] = []
        self.parts = 0

    # -- text -------------------------------------------------------------
    def _payload(self, part: Message) -> bytes:
        """Decoded payload bytes; a 'base64' body that is plainly not base64 is taken as it is."""
        cte = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
        if cte == "base64" and not part.is_multipart():
            body = getattr(part, "_payload", None)  # raw text: get_payload() would re-decode 8-bit bytes
            if isinstance(body, str):
                sample = body[:4000].encode("ascii", "surrogateescape")
                bad = len(_NOT_BASE64.findall(sample))
                if bad > max(8, len(sample) // 50):
                    self.defects.append("body declared base64 is not base64: read as it is")
                    return body.encode("ascii", "surrogateescape")
        data = part.get_payload(decode=True) or b""
        if not isinstance(data, bytes):
            data = str(data).encode("utf-8", "surrogateescape")
        return data

    def _decode(self, part: Message, html: bool) -> str:
        data = self._payload(part)
        declared = _charset_param(part)
        if html and not declared:
            meta = _META_CHARSET.search(data[:4096])
            declared = meta.group(1).decode("ascii") if meta else None
        decoded = decode_bytes(data, declared)
        self.charsets.append((declared or "", decoded.used))
        if decoded.repaired:
            self.repaired = True
        if decoded.dropped:
            self.defects.append(f"{decoded.dropped} undecodable bytes dropped from a text part")
        text = _CONTROL.sub("", decoded.text.replace("\r\n", "\n").replace("\r", "\n"))
        if html or looks_like_html(text) and part.get_content_type() != "text/plain":
            return html_to_text(text)
        return text

    # -- tree -------------------------------------------------------------
    def walk(self, part: Message, tree_depth: int = 0, forwards_ok: bool = True) -> list[str]:
        """Text chunks of the body found under this part; attachments are collected."""
        self.parts += 1
        if tree_depth > _MAX_TREE_DEPTH or self.parts > _MAX_PARTS:
            self.defects.append("MIME tree too deep or too many parts: rest not read")
            return []
        try:
            return self._walk(part, tree_depth, forwards_ok)
        except Exception as exc:  # noqa: BLE001 - one broken part must not lose the mail
            self.defects.append(f"unreadable MIME part ({type(exc).__name__})")
            return []

    def _walk(self, part: Message, tree_depth: int, forwards_ok: bool) -> list[str]:
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):  # before is_multipart(): its payload is a list
            self._nested(part, forward=forwards_ok)
            return []
        if part.is_multipart():
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            if ctype == "multipart/alternative":
                return self._alternative(children, tree_depth)
            if ctype in ("multipart/related", "multipart/signed", "multipart/report"):
                # root / signed content / human-readable report first; the rest are attachments
                texts = self.walk(children[0], tree_depth + 1, forwards_ok) if children else []
                for child in children[1:]:
                    self._attach(child, tree_depth + 1, forward=False)
                return texts
            texts: list[str] = []
            for child in children:
                texts.extend(self.walk(child, tree_depth + 1, forwards_ok))
            return texts
        if ctype.startswith("multipart/"):  # declared multipart, boundary never found
            text = self._decode(part, html=False)
            return [html_to_text(text) if looks_like_html(text) else text]
        filename = _filename(part, self.hint)
        disposition = (str(part.get("Content-Disposition") or "")).split(";")[0].strip().lower()
        if ctype in _BODY_TYPES and not filename and disposition != "attachment":
            return [self._decode(part, html=ctype == "text/html")]
        self._attach(part, tree_depth, forward=forwards_ok)
        return []

    def _alternative(self, children: list[Message], tree_depth: int) -> list[str]:
        plain = html = other = ""
        for child in children:
            text = "\n\n".join(t for t in self.walk(child, tree_depth + 1) if t.strip())
            ctype = child.get_content_type()
            if ctype == "text/plain" and not plain:
                plain = text
            elif ctype == "text/html" and not html:
                html = text
            elif not other:
                other = text
        rich = html or other
        # A plain alternative that is empty or a stub ("this is an HTML mail") loses to the HTML.
        if plain.strip() and not (len(rich.strip()) > 30 and len(plain.strip()) * 3 < len(rich.strip())):
            return [plain]
        return [rich] if rich.strip() else ([plain] if plain else [])

    def _attach(self, part: Message, tree_depth: int, forward: bool) -> None:
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            self._nested(part, forward=forward)
            return
        if part.is_multipart() and ctype.startswith("message/"):  # delivery-status: header blocks
            data = b"\n".join(sub.as_bytes() for sub in part.get_payload() if isinstance(sub, Message))
            self.attachments.append(make_attachment(_filename(part, self.hint), ctype, data,
                                                    len(self.attachments) + 1, self.limits))
            return
        if part.is_multipart():
            self.walk(part, tree_depth + 1, forwards_ok=False)
            return
        data = self._payload(part)
        name = _filename(part, self.hint)
        if name and name.lower().endswith(".eml"):  # a mail sent as application/octet-stream
            inner, _notes = _parse(data)
            if _has_mail_headers(inner):
                self._add_nested(inner, data, name, forward)
                return
        index = len(self.attachments) + 1
        self.attachments.append(
            make_attachment(name, ctype, data, index, self.limits, _charset_param(part))
        )

    def _nested(self, part: Message, forward: bool) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
        try:
            data = inner.as_bytes(policy=policy.compat32) if inner is not None else (part.get_payload(decode=True) or b"")
        except Exception:  # noqa: BLE001 - regenerating odd mail can fail; the text still counts
            data = b""
        if not isinstance(data, bytes):
            data = b""
        name = _filename(part, self.hint)
        if inner is None:
            self.attachments.append(make_attachment(name or "message.eml", "message/rfc822", data,
                                                    len(self.attachments) + 1, self.limits))
            return
        self._add_nested(inner, data, name, forward)

    def _add_nested(self, inner: Message, data: bytes, name: str | None, forward: bool) -> None:
        """Read an attached message; its text joins this mail's, its attachments follow it."""
        if self.depth + 1 > self.limits.max_depth:
            self.defects.append(f"attached messages nested deeper than {self.limits.max_depth}: inner one not read")
            self.attachments.append(_plain_attachment(name or "message.eml", data,
                                                      "嵌套过深，未读取 / nested too deep, not read"))
            return
        nested = _read(inner, self.limits, self.depth + 1)
        self.charsets.extend(nested.charsets)
        self.repaired = self.repaired or nested.repaired
        self.defects.extend(f"attached message: {d}" for d in nested.defects)
        title = name or f"{nested.subject or 'message'}.eml"
        self.attachments.append(_plain_attachment(title, data, None, nested.item_text() or None))
        self.attachments.extend(nested.attachments)
        if forward:
            self.forwards.append(nested)


def _plain_attachment(name: str, data: bytes, note: str | None, text: str | None = None) -> Attachment:
    import hashlib

    from mailbot.reading.attachments import safe_filename

    return Attachment(safe_filename(name, "message/rfc822", 0), "message/rfc822", data,
                      hashlib.sha256(data).hexdigest(), text, note, False)


def _charset_param(part: Message) -> str | None:
    try:
        value = part.get_param("charset")
    except Exception:  # noqa: BLE001
        return None
    if isinstance(value, tuple):
        value = value[2]
    value = str(value or "").strip().strip("\"'")
    return value or None


def _filename(part: Message, hint: str | None) -> str | None:
    return (param_text(part, "filename", "content-disposition", hint)
            or param_text(part, "name", "content-type", hint) or None)


def _charset_hint(message: Message) -> str | None:
    """The first charset a text part declares: raw 8-bit headers are usually in it."""
    for part in message.walk():
        if part.get_content_maintype() == "text":
            charset = _charset_param(part)
            if charset:
                return charset
    return None


def _defect_notes(message: Message) -> list[str]:
    notes: list[str] = []
    for part in message.walk():
        for defect in getattr(part, "defects", []):
            name = type(defect).__name__
            notes.append(_DEFECT_NOTES.get(name, name))
    return notes


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _read(message: Message, limits: ReadingLimits, depth: int) -> ReadMail:
    defects: list[str] = []
    headers: dict[str, str] = {}
    hint = _charset_hint(message)
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
    senders = parse_addresses(header_text(message, "from"), hint) or parse_addresses(header_text(message, "sender"), hint)
    sender_name, sender = senders[0] if senders else ("", "")
    ids = message_ids(header_text(message, "message-id"))
    replies = message_ids(header_text(message, "in-reply-to"))

    reader = _Reader(limits, depth, hint)
    texts = reader.walk(message)
    body = "\n\n".join(t.strip("\n") for t in texts if t.strip())
    parts = split_body(body, subject)
    body_text, quoted, forwarded = parts.body, parts.quoted, parts.forwarded
    if reader.forwards and not (parts.forwarded and parts.marker):  # no forwarded text found inline
        own = re.sub(r"\s+", "", body_text)
        cover = len(own) <= 200 and _COVER_FORWARD.search(own) is not None
        if not own or cover or (is_forward_subject(subject) and len(own) <= 200):
            inner = reader.forwards[0]
            forwarded = True
            body_text = inner.body_text if len(own) <= 40 or cover else body_text + "\n\n" + inner.body_text
            quoted = "\n\n".join(q for q in (quoted, inner.quoted_text) if q)
    return ReadMail(
        message_id=ids[0] if ids else None,
        subject=subject[: limits.max_header_chars],
        sender=sender[: limits.max_header_chars],
        sender_name=sender_name[: limits.max_header_chars],
        to=[addr for _name, addr in parse_addresses(header_text(message, "to"), hint) if addr],
        date=parse_date(header_text(message, "date")),
        received_at=received_date(message),
        in_reply_to=replies[0] if replies else None,
        references=message_ids(header_text(message, "references")),
        headers=headers,
        body_text=body_text,
        quoted_text=quoted,
        signature=parts.signature,
        forwarded=forwarded,
        attachments=reader.attachments,
        charsets=reader.charsets,
        repaired=reader.repaired,
        defects=_dedupe(defects + _defect_notes(message) + reader.defects),
    )


def read_message(raw: bytes, limits: ReadingLimits = ReadingLimits()) -> ReadMail:
    """Read one raw mail; bad mail gives notes in defects, never an exception.

    Raises Unreadable only when the bytes hold no mail at all (empty, no headers).
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise Unreadable(f"expected bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    raw = raw.lstrip(b"\r\n\t ")
    if not raw:
        raise Unreadable("empty message")
    message, notes = _parse(raw)
    if not _has_mail_headers(message):
        salvaged = _salvage(raw)
        if salvaged is None:
            raise Unreadable("not a mail: no mail headers found")
        message, notes = _parse(salvaged)
        notes.insert(0, "text before the mail headers skipped")
        if not _has_mail_headers(message):
            raise Unreadable("not a mail: no mail headers found")
    mail = _read(message, limits, 0)
    mail.defects.extend(notes)
    return mail


def _parse(raw: bytes) -> tuple[Message, list[str]]:
    try:
        return email.message_from_bytes(raw, policy=policy.compat32), []
    except RecursionError:
        message = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        return message, ["MIME structure too deep to parse: body not read"]


def _has_mail_headers(message: Message) -> bool:
    return any(key.strip().lower() in _MAIL_HEADERS for key, _ in message.raw_items())


def _salvage(raw: bytes) -> bytes | None:
    """Skip junk before the headers (SMTP envelope lines, a cut Received: line).

    Also accepts obsolete "Name  : value" header lines (RFC 822 allowed space before the colon).
    """
    lines = raw.split(b"\n")
    for i, line in enumerate(lines[:100]):
        if _HEADER_LINE.match(line):
            head_end = next((j for j in range(i, len(lines)) if not lines[j].strip(b"\r")), len(lines))
            head = [_SPACED_COLON.sub(rb"\1:", ln) for ln in lines[i:head_end]]
            return b"\n".join(head + lines[head_end:])
    return None
