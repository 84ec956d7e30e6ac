"""One message, two phases: the only place that catches a stage's outcome.

The raw bytes are archived before anything else happens. Then every stage's ``read`` runs
outside any transaction (reading the mail, extracting attachments, screening, attributing,
classifying: seconds for a big attachment), and only then one short transaction runs every
stage's ``run``, which holds the database writes alone. A message that fails is kept raw,
recorded ``quarantined`` with its error and the full traceback, and does not stop the others.

Exactly once: a message is keyed on (mailbox, UIDVALIDITY, key). The same message seen under
another key of the same mailbox (a UIDVALIDITY change, a re-delivery) is recognised only when
its Message-ID **and** its content hash both agree; a different mail that reuses a Message-ID
is a new message. Another mailbox's copy (a mail CC'd to two offices) is that mailbox's own;
files fed in by ``ingest`` count as the office's own mailbox (see ``same_message``).

Many messages at once (a poll, a back-fill) go through ``pipeline.group``: the same two
phases, a group of messages written in one transaction.
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime

from sqlalchemy import or_, select

from mailbot import backfill
from mailbot.db.models import Message, Submission
from mailbot.pipeline import archive, record
from mailbot.pipeline.group import KnownKeys, done_keys, process_batch
from mailbot.pipeline.intake import Intake
from mailbot.pipeline.phases import (
    FILES,
    MAX_TRACEBACK,
    Outcome,
    Result,
    header_facts,
    read_stages,
    reason_of,
    write_stages,
)
from mailbot.runtime import Runtime
from mailbot.sources.base import SourceMessage

log = logging.getLogger("mailbot.pipeline")

__all__ = ["FILES", "KnownKeys", "Outcome", "Result", "done_keys", "header_facts", "is_done", "process", "process_batch",
           "read_stages", "retry", "same_message", "write_stages"]


def is_done(rt: Runtime, src: SourceMessage) -> bool:
    """Whether this source key was recorded before (used by sources to skip fetching)."""
    with rt.db.session() as s:
        return s.scalar(select(Message.id).where(Message.mailbox == src.mailbox, Message.uidvalidity == src.uidvalidity,
                                                 Message.source_key == src.key)) is not None


def process(rt: Runtime, src: SourceMessage, backfill_before: datetime | None = None) -> Result:
    """One message: archive, read (no transaction), then record (one short transaction).

    Mail received before ``backfill_before`` is back-filled: recorded and scored, not answered.
    """
    return process_batch(rt, [src], backfill_before)[0]


def retry(rt: Runtime, message_pk: int) -> Result:
    """Re-run a quarantined message from its archived bytes, by the same two phases.

    The caller holds the poll lock (``polling.retry``), so a retry never races a poll.
    """
    with rt.db.session() as s:
        msg = s.get(Message, message_pk)
        if msg is None or msg.status != "quarantined":
            return Result(Outcome.KNOWN, message_pk)
        s.expunge(msg)
    src = SourceMessage(msg.mailbox, msg.source_key, archive.load_raw(msg.raw_path), msg.arrived_at, msg.uidvalidity)
    quiet = None if msg.mailbox.startswith(FILES) else backfill.cutoff(rt, msg.mailbox)
    try:
        return _run(rt, Intake(source=src, message=msg, backfill_before=quiet))
    except Exception:  # noqa: BLE001
        return _quarantine(rt, src, None, message_pk)


def _run(rt: Runtime, intake: Intake) -> Result:
    """The read phase, then the write transaction. Raises on any unexpected error."""
    ignored = read_stages(rt, intake)
    retrying = intake.message.id is not None
    with rt.db.transaction(durable=False) as s:
        intake.session = s
        if retrying:
            msg = s.get(Message, intake.message.id)
            assert msg is not None
            for sub in s.scalars(select(Submission).where(Submission.message_pk == msg.id)):
                s.delete(sub)
            msg.status, msg.error, msg.traceback, msg.attempts = "processed", None, None, msg.attempts + 1
            msg.message_id, msg.reading = intake.message.message_id, intake.message.reading
            intake.message = msg
        else:
            s.add(intake.message)
        s.flush()
        statuses = write_stages(rt, intake, ignored)
        return Result(Outcome.NEW, intake.message.id, statuses, backfilled=intake.backfill)


def _quarantine(rt: Runtime, src: SourceMessage, base: dict | None, message_pk: int | None) -> Result:
    """Record the failure in hand (called from an ``except`` block): one line and the traceback."""
    import sys

    exc = sys.exc_info()[1]
    assert exc is not None
    reason = reason_of(exc)
    trace = "".join(traceback.format_exception(exc))[-MAX_TRACEBACK:]
    log.warning("message %s (%s): quarantined: %s", base["message_id"] if base else message_pk, src.key, reason)
    log.debug("quarantine traceback:\n%s", trace)
    with rt.db.transaction(durable=False) as s:
        if message_pk is not None:
            msg = s.get(Message, message_pk)
            assert msg is not None
            msg.error, msg.traceback, msg.attempts = reason, trace, msg.attempts + 1
            return Result(Outcome.QUARANTINED, message_pk, ["quarantined"], reason)
        assert base is not None
        msg = Message(status="quarantined", error=reason, traceback=trace, **base)
        s.add(msg)
        s.flush()
        record.quarantined(rt, s, msg, src.raw, reason)
        return Result(Outcome.QUARANTINED, msg.id, ["quarantined"], reason)


def same_message(s, mailbox: str, message_id: str | None, body_hash: str) -> int | None:
    """The earlier record of this very message: Message-ID and content hash both agree.

    Without a Message-ID, the content hash alone (of mail that had none either). Looked up in the
    same mailbox, and among files fed in by ``ingest`` (a back-fill of the same office's mail);
    another IMAP or Maildir mailbox is another office's, whose copy of a CC'd mail is its own.
    """
    q = select(Message.id).where(Message.status != "repeat", Message.body_hash == body_hash)
    if not mailbox.startswith(FILES):
        q = q.where(or_(Message.mailbox == mailbox, Message.mailbox.like(FILES + "%")))
    q = q.where(Message.message_id == message_id) if message_id else q.where(Message.message_id.is_(None))
    return s.scalar(q.order_by(Message.id).limit(1))
