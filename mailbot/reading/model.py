"""What reading a mail produces: ReadMail, Attachment, ReadingLimits, Unreadable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mailbot.text import ItemSource, split_items


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
    # A forward's own message's subject (its Subject:/主题: line, or the attached message's), as written.
    forwarded_subject: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    charsets: list[tuple[str, str]] = field(default_factory=list)  # per text part: (declared, used)
    repaired: bool = False
    defects: list[str] = field(default_factory=list)

    def items(self) -> list[ItemSource[Attachment]]:
        """The items of this mail, by the one rule (``mailbot.text.items``)."""
        return split_items(self.body_text, self.attachments)

    def item_text(self) -> str:
        """What the mail carries as items: the body, or its documents' text under a cover note."""
        return "\n\n".join(item.text for item in self.items())
