"""What is an item: the body, or each document attached under a cover note.

Counting rule: when the body is only a cover note (“请查收附件”, a short line) the item is the
attached document; when such a mail carries several documents with text, each is one item
(one submission and one receipt number each), which is how the seeds count 信息 (条).
Otherwise the body is the one item, whatever is attached to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Generic, Protocol, TypeVar

# Bodies that only point at the attachment: "请查收附件", "见附件", "详见附件" ...
_COVER_WORDS = re.compile(r"附件|查收|见附|详见|附后|附上|附文|请审|请阅|报送|上报|呈报|attach", re.I)
COVER_MAX_CHARS = 200  # a cover note with one of the words above is at most this long
SHORT_BODY_CHARS = 40  # a body this short is a cover note whatever it says
DOCUMENT_EXTENSIONS = (".docx", ".doc", ".wps", ".pdf", ".txt", ".rtf", ".wpt", ".dotx")
MIN_DOCUMENT_CHARS = 10
_SPACE = re.compile(r"\s+")


class Document(Protocol):
    """What the rule needs of an attachment (``reading.Attachment`` has it)."""

    filename: str
    content_type: str
    text: str | None
    is_image: bool


D = TypeVar("D", bound=Document)


@dataclass(frozen=True)
class ItemSource(Generic[D]):
    """One item of a mail: ``document`` is None when the item is the body."""

    part: int  # 0: the mail's only item; 1, 2, …: one of several documents
    title: str | None  # the document's own title when there are several; None: the mail's subject
    text: str
    document: D | None = None


def is_item_document(attachment: Document) -> bool:
    """A document with readable text (docx/doc/wps/pdf/txt), not an image, page or forwarded mail."""
    if attachment.is_image or not attachment.text:
        return False
    name = attachment.filename.lower()
    if not (name.endswith(DOCUMENT_EXTENSIONS) or attachment.content_type == "text/plain"):
        return False
    return len(_SPACE.sub("", attachment.text)) >= MIN_DOCUMENT_CHARS


def is_cover_note(body: str) -> bool:
    """True when the body only points at the attachments ("请查收附件", a short line)."""
    own = _SPACE.sub("", body or "")
    if len(own) <= SHORT_BODY_CHARS:
        return True
    return len(own) <= COVER_MAX_CHARS and bool(_COVER_WORDS.search(own))


def document_title(text: str, filename: str) -> str:
    """A document's title: its first line when that reads as one (4–60 characters), else the file name."""
    for line in text.splitlines():
        line = line.strip()
        if 4 <= len(line) <= 60:
            return line
        if line:
            break
    return PurePath(filename).stem


# A heading is no sentence or clause: it does not end like one. A salutation ends with a colon.
_CLAUSE_END = tuple("。，,；;：:、！!？?…")
_SALUTATION = re.compile(r"^.{1,40}[：:]$")
_DATE_LINE = re.compile(r"^[\d\s年月日时分号:：.\-/（）()星期周一二三四五六日天上下午]+$")
HEADING_PARAGRAPH_CHARS = 60  # a heading stands above a paragraph at least this long


def heading_line(text: str) -> str | None:
    """The heading the text opens with, if it has one: after any salutation lines (“王老师：”), a
    line of 4–60 characters that does not end like a sentence or clause, above a paragraph of
    at least 60 characters. None otherwise: a short chat line over short lines is no heading."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    while lines and _SALUTATION.match(lines[0]):
        lines = lines[1:]
    if len(lines) < 2:
        return None
    head, following = lines[0], lines[1]
    if not 4 <= len(head) <= 60 or head.endswith(_CLAUSE_END) or _DATE_LINE.match(head):
        return None
    return head if len(_SPACE.sub("", following)) >= HEADING_PARAGRAPH_CHARS else None


def split_items(body: str, attachments: Sequence[D]) -> list[ItemSource[D]]:
    """The items of a mail with this body and these attachments (see the module's rule)."""
    documents = [a for a in attachments if is_item_document(a)]
    if documents and is_cover_note(body):
        if len(documents) == 1:
            return [ItemSource(0, None, (documents[0].text or "").strip(), documents[0])]
        return [ItemSource(i, document_title(a.text or "", a.filename), (a.text or "").strip(), a)
                for i, a in enumerate(documents, start=1)]
    return [ItemSource(0, None, (body or "").strip())]
