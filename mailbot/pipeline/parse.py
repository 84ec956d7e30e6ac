"""Stage: raw bytes -> trusted text (mailbot.reading), the received time, and the items in it.

What an item is (the body, or each document under a cover note) is ``mailbot.text.items``.
"""

from __future__ import annotations

from mailbot.db.models import StoredAttachment
from mailbot.errors import Quarantine
from mailbot.pipeline import archive
from mailbot.pipeline.intake import Intake, Item
from mailbot.reading import ReadMail, Unreadable, read_message
from mailbot.runtime import Runtime
from mailbot.text import heading_line, strip_reply_prefixes


def item_title(mail: ReadMail, text: str) -> str:
    """The item's title: the subject; for a forward, the forwarded message's own title.

    A forward (“转发: 会议信息初稿”) is titled by what it forwards: the heading its text opens
    with (“吉林市召开2026年全市卫生健康工作会议”), else the forwarded message's own subject,
    else the subject without its 转发:/Fwd: prefixes. A 【更正】 on the outer subject is kept,
    so the correction is still seen as one.
    """
    if not mail.forwarded:
        return mail.subject
    from mailbot.resubmission import is_correction

    outer = strip_reply_prefixes(mail.subject, tags=True) or mail.subject
    title = heading_line(text) or strip_reply_prefixes(mail.forwarded_subject or "", tags=True) or outer
    if is_correction(outer) and not is_correction(title):
        return outer
    return title


def split_items(mail: ReadMail) -> list[Item]:
    """One ``Item`` per item of the mail, each with the attachments it carries and their notes."""
    stored = [dict(filename=a.filename, sha256=a.sha256, size=len(a.data), content_type=a.content_type,
                   note=a.note, is_image=a.is_image) for a in mail.attachments]
    notes = [f"附件 {a.filename}: {a.note}" for a in mail.attachments if a.note]
    out = []
    for source in mail.items():
        if source.part == 0:
            out.append(Item(0, item_title(mail, source.text), source.text, stored, notes))
        else:
            assert source.document is not None and source.title is not None
            sha = source.document.sha256
            out.append(Item(source.part, source.title, source.text,
                            [s for s in stored if s["sha256"] == sha or s["is_image"]], notes))
    return out


def read(rt: Runtime, intake: Intake) -> None:
    """Read the mail and store its attachments' bytes (files, like the raw archive: no transaction)."""
    ahead = intake.prepared
    if ahead is not None and ahead.unreadable is not None:
        raise Quarantine(f"cannot be read as mail: {ahead.unreadable}")
    try:
        mail = ahead.mail if ahead is not None and ahead.mail is not None else read_message(intake.source.raw)
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
    if ahead is not None:  # what the read-ahead worker found for the same items (same title, same text)
        for item, facts in zip(intake.items, ahead.items, strict=False):
            if item.subject == facts.subject and item.text == facts.text:
                item.category, item.confidence, item.reasons = facts.category, facts.confidence, list(facts.reasons)
                item.fingerprint, item.prepared = facts.fingerprint, True


def run(rt: Runtime, intake: Intake) -> None:
    """The attachments' rows."""
    for row in intake.stored:
        if intake.session.get(StoredAttachment, row.sha256) is None:
            intake.session.add(row)
