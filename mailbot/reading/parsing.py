"""Bytes to an email.message.Message, as forgiving as possible.

The compat32 policy never raises on broken MIME and keeps raw 8-bit header
bytes as surrogate escapes, so they can be decoded properly later.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser

MAIL_HEADERS = {
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
    "FirstHeaderLineIsContinuationDefect": "first header line is a continuation line",
    "MisplacedEnvelopeHeaderDefect": "envelope 'From ' line among the headers",
    "InvalidMultipartContentTransferEncodingDefect": "multipart with a content transfer encoding",
}
_HEADER_LINE = re.compile(
    rb"^(return-path|received|from|to|subject|date|message-id|mime-version|delivered-to|content-type)[ \t]*:", re.I
)
_SPACED_COLON = re.compile(rb"^([A-Za-z][A-Za-z0-9-]*)[ \t]+:")


def parse_bytes(raw: bytes) -> tuple[Message, list[str]]:
    """The parsed message and notes; hostile nesting that breaks the parser keeps the headers."""
    try:
        return email.message_from_bytes(raw, policy=policy.compat32), []
    except RecursionError:
        message = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        message.set_payload("")  # raw MIME syntax is no text anyone wrote
        return message, ["MIME structure too deep to parse: body not read"]


def has_mail_headers(message: Message) -> bool:
    """At least one header that mail has (From, Subject, Received, ...)."""
    return any(key.strip().lower() in MAIL_HEADERS for key, _ in message.raw_items())


def salvage(raw: bytes) -> bytes | None:
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


def defect_notes(message: Message) -> list[str]:
    """Short notes for the parser's MIME defects, over all parts."""
    notes: list[str] = []
    for part in message.walk():
        for defect in getattr(part, "defects", []):
            name = type(defect).__name__
            notes.append(_DEFECT_NOTES.get(name, name))
    return notes
