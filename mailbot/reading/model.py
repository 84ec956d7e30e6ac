"""What reading a mail produces: ReadMail, Attachment, ReadingLimits, Unreadable."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache


class Unreadable(Exception):
    """Nothing at all can be made of the bytes (empty, or not a mail)."""


@dataclass(frozen=True)
class ReadingLimits:
    max_attachment_bytes: int = 20 * 1024 * 1024
    max_pdf_pages: int = 50
    max_unzipped_bytes: int = 50 * 1024 * 1024  # .docx is a zip: guard against bombs
    # One XML part of a .docx: python-docx needs ~25x its size in memory (8 MB -> ~200 MB); a real
    # item's document.xml is well under 1 MB even with tables.
    max_docx_xml_bytes: int = 8 * 1024 * 1024
    max_seconds_per_attachment: float = 10.0
    max_depth: int = 5  # nested message/rfc822
    max_header_chars: int = 2000  # subject etc. truncated with a defect note


@dataclass
class Attachment:
    filename: str  # safe: no path parts, no control characters
    content_type: str
    data: bytes
    sha256: str
    text: str | None  # extracted text; None for images and unknown kinds
    note: str | None  # why text could not be read, Chinese / English
    is_image: bool


# Bodies that only point at the attachment: "请查收附件", "见附件", "详见附件" ...
_COVER_WORDS = re.compile(r"附件|查收|见附|详见|附后|附上|附文|请审|请阅|报送|上报|呈报|attach", re.I)
_COVER_MAX_CHARS = 200
_SHORT_BODY_CHARS = 40


@lru_cache(maxsize=1)
def _t2s():
    """The OpenCC traditional->simplified converter, built once per process."""
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional Chinese -> simplified, for matching and classification only."""
    if not text or text.isascii():
        return text
    return _t2s().convert(text)


@dataclass
class ReadMail:
    message_id: str | None  # without <>
    subject: str  # decoded, as sent (traditional kept)
    sender: str  # address, lower-case ('' if none)
    sender_name: str
    to: list[str]
    date: datetime | None  # Date: header, tz-aware
    received_at: datetime | None  # date of the newest Received: header, tz-aware
    in_reply_to: str | None
    references: list[str]
    headers: dict[str, str]  # lower-cased name -> decoded value (first occurrence)
    body_text: str  # HTML made readable, history and signature removed; for a forward the forwarded text
    quoted_text: str
    signature: str
    forwarded: bool
    attachments: list[Attachment] = field(default_factory=list)
    charsets: list[tuple[str, str]] = field(default_factory=list)  # per text part: (declared, used)
    repaired: bool = False
    defects: list[str] = field(default_factory=list)

    def text_attachments(self) -> list[Attachment]:
        """Attachments whose text could be read (documents, not images)."""
        return [
            a for a in self.attachments
            if a.text and a.text.strip() and not a.is_image and a.content_type != "message/rfc822"
        ]

    def is_cover_note(self) -> bool:
        """True when the body only points at the attachments ("请查收附件", a short line)."""
        body = re.sub(r"\s+", "", self.body_text)
        if len(body) <= _SHORT_BODY_CHARS:
            return True
        return len(body) <= _COVER_MAX_CHARS and bool(_COVER_WORDS.search(body))

    def item_text(self) -> str:
        """What the item is: the body, or the attachments' text when the body is only a cover note."""
        documents = self.text_attachments()
        if documents and self.is_cover_note():
            return "\n\n".join(a.text.strip() for a in documents if a.text)
        return self.body_text

    def simplified(self, text: str) -> str:
        """Traditional -> simplified (OpenCC), for matching; the converter is cached per process."""
        return to_simplified(text)
