"""Stage: raw bytes -> trusted text (mailbot.reading), the received time, and the items in it.

Counting rule: when the body is only a cover note (“请查收附件”) the item is the attachment;
when such a mail carries several document attachments with text, each is one item (one
submission and one receipt number each), which is how the seeds count 信息 (条).
"""

from __future__ import annotations

from pathlib import Path

from mailbot.db.models import StoredAttachment
from mailbot.errors import Quarantine
from mailbot.pipeline import archive
from mailbot.pipeline.intake import Intake, Item
from mailbot.reading import ReadMail, Unreadable, is_item_attachment, read_message
from mailbot.runtime import Runtime


def _title(text: str, filename: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if 4 <= len(line) <= 60:
            return line
        if line:
            break
    return Path(filename).stem


def split_items(mail: ReadMail) -> list[Item]:
    stored = [dict(filename=a.filename, sha256=a.sha256, size=len(a.data), content_type=a.content_type,
                   note=a.note, is_image=a.is_image) for a in mail.attachments]
    notes = [f"附件 {a.filename}: {a.note}" for a in mail.attachments if a.note]
    docs = [a for a in mail.attachments if is_item_attachment(a)]
    body = mail.body_text.strip()
    if docs and mail.is_cover_note():
        if len(docs) == 1:
            return [Item(0, mail.subject, (docs[0].text or "").strip(), stored, notes)]
        return [Item(i, _title(a.text or "", a.filename), (a.text or "").strip(),
                     [s for s in stored if s["sha256"] == a.sha256 or s["is_image"]], notes)
                for i, a in enumerate(docs, start=1)]
    return [Item(0, mail.subject, body, stored, notes)]


def read(rt: Runtime, intake: Intake) -> None:
    """Read the mail and store its attachments' bytes (files, like the raw archive: no transaction)."""
    try:
        mail = read_message(intake.source.raw)
    except Unreadable as e:
        raise Quarantine(f"cannot be read as mail: {e}") from None
    intake.mail = mail
    intake.message.message_id = intake.message.message_id or mail.message_id
    intake.message.reading = {"charsets": [list(c) for c in mail.charsets], "repaired": mail.repaired,
                              "defects": list(mail.defects)[:20]}
    intake.received_at = intake.source.arrived_at or mail.received_at or mail.date or rt.clock.now()
    intake.stored = []
    for a in {a.sha256: a for a in mail.attachments}.values():
        sha, path = archive.store_attachment(rt, a.data, a.sha256)
        intake.stored.append(StoredAttachment(sha256=sha, size=len(a.data), content_type=a.content_type,
                                              path=str(path)))
    intake.items = split_items(mail)


def run(rt: Runtime, intake: Intake) -> None:
    """The attachments' rows."""
    for row in intake.stored:
        if intake.session.get(StoredAttachment, row.sha256) is None:
            intake.session.add(row)
