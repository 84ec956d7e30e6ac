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
"""

from __future__ import annotations

import hashlib
import logging
import re
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from mailbot import backfill
from mailbot.db.models import Message, Submission
from mailbot.errors import Ignore, Quarantine
from mailbot.pipeline import archive, record
from mailbot.pipeline.intake import Intake
from mailbot.pipeline.stages import STAGES
from mailbot.runtime import Runtime
from mailbot.sources.base import SourceMessage

log = logging.getLogger("mailbot.pipeline")

FILES = "file:"  # the mailbox names of ``ingest`` (sources/files.py)
MAX_TRACEBACK = 20_000  # characters kept of a quarantined message's traceback


class Outcome:
    NEW = "new"            # recorded now
    KNOWN = "known"        # this source key was done before
    REPEAT = "repeat"      # the same message under another key
    QUARANTINED = "quarantined"


@dataclass
class Result:
    outcome: str
    message_pk: int | None = None
    statuses: list[str] = field(default_factory=list)
    error: str | None = None
    backfilled: bool = False  # recorded quietly: older than the mailbox's switch-on


def _header_facts(raw: bytes) -> tuple[str | None, str]:
    """Message-ID and content hash without a full parse (so even unparseable mail gets them).

    The content hash covers the body only: relays add ``Received:`` lines and a CC'd copy
    differs in delivery headers, but the body is the message.
    """
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
        header = str(headers.get("Message-ID", "") or "").strip()
    except Exception:  # noqa: BLE001 - anything odd: no Message-ID
        header = ""
    m = re.search(r"<([^<>\s]+)>", header)
    mid = (m.group(1) if m else header.strip("<> \t")) or None
    parts = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
    body = parts[1] if len(parts) == 2 else raw
    body = body.replace(b"\r\n", b"\n").strip()
    return (mid[:500] if mid else None), hashlib.sha256(body).hexdigest()


def is_done(rt: Runtime, src: SourceMessage) -> bool:
    """Whether this source key was recorded before (used by sources to skip fetching)."""
    with rt.db.session() as s:
        return s.scalar(select(Message.id).where(Message.mailbox == src.mailbox, Message.uidvalidity == src.uidvalidity,
                                                 Message.source_key == src.key)) is not None


def process(rt: Runtime, src: SourceMessage, backfill_before: datetime | None = None) -> Result:
    """Archive, read (no transaction), then record (one short transaction).

    Mail received before ``backfill_before`` is back-filled: recorded and scored, not answered.
    """
    if is_done(rt, src):
        return Result(Outcome.KNOWN)
    sha, path = archive.store_raw(rt, src.raw)  # before anything else: never lose the bytes
    message_id, body_hash = _header_facts(src.raw)
    base = dict(mailbox=src.mailbox, uidvalidity=src.uidvalidity, source_key=src.key, message_id=message_id,
                body_hash=body_hash, raw_sha256=sha, raw_path=str(path), arrived_at=src.arrived_at)
    with rt.db.session() as s:
        earlier = same_message(s, src.mailbox, message_id, body_hash)
    try:
        if earlier is not None:
            with rt.db.transaction(durable=False) as s:
                msg = Message(status="repeat", repeat_of=earlier, **base)
                s.add(msg)
                s.flush()
            log.info("message %s: repeat of message #%s (%s), not recorded again", message_id, earlier, src.key)
            return Result(Outcome.REPEAT, msg.id)
        return _run(rt, Intake(source=src, message=Message(status="processed", **base),
                               backfill_before=backfill_before))
    except IntegrityError:
        if is_done(rt, src):  # another process recorded this very key meanwhile
            return Result(Outcome.KNOWN)
        return _quarantine(rt, src, base, None)
    except Exception:  # noqa: BLE001 - one bad message never stops the others
        return _quarantine(rt, src, base, None)


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


def read_stages(rt: Runtime, intake: Intake) -> str | None:
    """Every stage's ``read``, outside any transaction; the reason when one says ``Ignore``.

    A message taken as a command or a query (``intake.handled_by``) skips the rest of reading.
    """
    for stage in STAGES:
        read = getattr(stage, "read", None)
        if read is None:
            continue
        log.debug("message %s: read %s", intake.message.message_id, _name(stage))
        try:
            read(rt, intake)
        except Ignore as why:
            return str(why)
        if intake.handled_by:
            break
    return None


def write_stages(rt: Runtime, intake: Intake, ignored: str | None = None) -> list[str]:
    """Every stage's ``run``, in the transaction; an ``Ignore`` records the message as ignored."""
    try:
        if ignored is not None:
            raise Ignore(ignored)
        for stage in STAGES:
            run = getattr(stage, "run", None)
            if run is not None:
                log.debug("message %s: write %s", intake.message.message_id, _name(stage))
                run(rt, intake)
    except Ignore as why:
        intake.submissions = []
        record.ignored(rt, intake, str(why))
        log.info("message %s: ignored: %s", intake.message.message_id, why)
    return [s.status for s in intake.submissions]


def _name(stage: object) -> str:
    return getattr(stage, "__name__", "?").rsplit(".", 1)[-1]


def _quarantine(rt: Runtime, src: SourceMessage, base: dict | None, message_pk: int | None) -> Result:
    """Record the failure in hand (called from an ``except`` block): one line and the traceback."""
    import sys

    exc = sys.exc_info()[1]
    assert exc is not None
    reason = str(exc) if isinstance(exc, Quarantine) else f"{type(exc).__name__}: {exc}"
    reason = (reason.splitlines() or [type(exc).__name__])[0][:500]
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
