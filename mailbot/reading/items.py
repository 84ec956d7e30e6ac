"""Which attachments are items, and which text is only a cover note."""

from __future__ import annotations

from mailbot.reading.model import Attachment, ReadMail

_ITEM_EXTENSIONS = (".docx", ".doc", ".wps", ".pdf", ".txt", ".rtf", ".wpt", ".dotx")
_MIN_ITEM_CHARS = 10


def is_item_attachment(attachment: Attachment) -> bool:
    """A document with readable text (docx/doc/wps/pdf/txt), not an image, page or forwarded mail."""
    if attachment.is_image or not attachment.text:
        return False
    name = attachment.filename.lower()
    if not (name.endswith(_ITEM_EXTENSIONS) or attachment.content_type == "text/plain"):
        return False
    return len("".join(attachment.text.split())) >= _MIN_ITEM_CHARS


def split_cover_and_items(mail: ReadMail) -> tuple[str, list[Attachment]]:
    """(cover text, item attachments) of a mail.

    The natural reading is one submission per item attachment: an officer who
    attaches three .docx files has sent three items, and the body is the cover
    note ("请查收附件", the 报送单位/签发人 block).  With no item attachment the
    list is empty and the body itself is the item (cover text is then the body).
    The lead decides how to use it; attachments whose text could not be read
    (encrypted PDF, .doc without extractor) are not items here but keep their note.
    """
    items = [a for a in mail.attachments if is_item_attachment(a)]
    return mail.body_text, items
