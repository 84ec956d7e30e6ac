"""Walk a message's MIME tree: body text chunks, attachments, charsets, notes.

multipart/alternative prefers the plain part unless it is a stub; related,
signed and report parts give their first child as text and keep the rest as
attachments; attached messages (message/rfc822, or .eml sent as
octet-stream) are read through a callback so their text and attachments count.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from email import policy
from email.message import Message

from mailbot.reading.attachments import make_attachment, safe_filename
from mailbot.reading.charsets import decode_bytes
from mailbot.reading.headers import param_text
from mailbot.reading.html_text import html_to_text, looks_like_html
from mailbot.reading.model import Attachment, ReadingLimits, ReadMail
from mailbot.reading.parsing import has_mail_headers, parse_bytes

ReadNested = Callable[[Message, ReadingLimits, int], ReadMail]

_BODY_TYPES = {"text/plain", "text/html", "text/enriched", "text/richtext", "text/x-plain"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=\s]")
_MAX_TREE_DEPTH = 60
_MAX_PARTS = 500


class MimeWalker:
    """Walks one message's MIME tree, collecting text, attachments and notes."""

    def __init__(self, limits: ReadingLimits, depth: int, hint: str | None, read_nested: ReadNested) -> None:
        self.limits = limits
        self.read_nested = read_nested
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
        declared = charset_param(part)
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
        if html or (looks_like_html(text) and part.get_content_type() != "text/plain"):
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
                root = self.walk(children[0], tree_depth + 1, forwards_ok) if children else []
                for child in children[1:]:
                    self._attach(child, tree_depth + 1, forward=False)
                return root
            texts: list[str] = []
            for child in children:
                texts.extend(self.walk(child, tree_depth + 1, forwards_ok))
            return texts
        if ctype.startswith("multipart/"):  # declared multipart, boundary never found
            text = self._decode(part, html=False)
            return [html_to_text(text) if looks_like_html(text) else text]
        filename = part_filename(part, self.hint)
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
            self.attachments.append(make_attachment(part_filename(part, self.hint), ctype, data,
                                                    len(self.attachments) + 1, self.limits))
            return
        if part.is_multipart():
            self.walk(part, tree_depth + 1, forwards_ok=False)
            return
        data = self._payload(part)
        name = part_filename(part, self.hint)
        if name and name.lower().endswith(".eml"):  # a mail sent as application/octet-stream
            inner, _notes = parse_bytes(data)
            if has_mail_headers(inner):
                self._add_nested(inner, data, name, forward)
                return
        index = len(self.attachments) + 1
        self.attachments.append(
            make_attachment(name, ctype, data, index, self.limits, charset_param(part))
        )

    def _nested(self, part: Message, forward: bool) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
        try:
            data = inner.as_bytes(policy=policy.compat32) if inner is not None else part.get_payload(decode=True)
        except Exception:  # noqa: BLE001 - regenerating odd mail can fail; the text still counts
            data = b""
        if not isinstance(data, bytes):
            data = b""
        name = part_filename(part, self.hint)
        if inner is None:
            self.attachments.append(make_attachment(name or "message.eml", "message/rfc822", data,
                                                    len(self.attachments) + 1, self.limits))
            return
        self._add_nested(inner, data, name, forward)

    def _add_nested(self, inner: Message, data: bytes, name: str | None, forward: bool) -> None:
        """Read an attached message; its text joins this mail's, its attachments follow it."""
        if self.depth + 1 > self.limits.max_depth:
            self.defects.append(
                f"attached messages nested deeper than {self.limits.max_depth}: inner one not read")
            self.attachments.append(_plain_attachment(name or "message.eml", data,
                                                      "嵌套过深，未读取 / nested too deep, not read"))
            return
        nested = self.read_nested(inner, self.limits, self.depth + 1)
        self.charsets.extend(nested.charsets)
        self.repaired = self.repaired or nested.repaired
        self.defects.extend(f"attached message: {d}" for d in nested.defects)
        title = name or f"{nested.subject or 'message'}.eml"
        self.attachments.append(_plain_attachment(title, data, None, nested.item_text() or None))
        self.attachments.extend(nested.attachments)
        if forward:
            self.forwards.append(nested)


def _plain_attachment(name: str, data: bytes, note: str | None, text: str | None = None) -> Attachment:
    return Attachment(safe_filename(name, "message/rfc822", 0), "message/rfc822", data,
                      hashlib.sha256(data).hexdigest(), text, note, False)


def charset_param(part: Message) -> str | None:
    """The declared charset of a part, or None."""
    try:
        value = part.get_param("charset")
    except Exception:  # noqa: BLE001
        return None
    if isinstance(value, tuple):
        value = value[2]
    value = str(value or "").strip().strip("\"'")
    return value or None


def part_filename(part: Message, hint: str | None) -> str | None:
    """Content-Disposition filename, else Content-Type name, decoded."""
    return (param_text(part, "filename", "content-disposition", hint)
            or param_text(part, "name", "content-type", hint) or None)


def charset_hint(message: Message) -> str | None:
    """The first charset a text part declares: raw 8-bit headers are usually in it."""
    for part in message.walk():
        if part.get_content_maintype() == "text":
            charset = charset_param(part)
            if charset:
                return charset
    return None
