"""One message, one transaction: the only place that catches a stage's outcome.

Exactly once: a message is keyed on (mailbox, UIDVALIDITY, key); Message-ID and a body hash
are back-stops for the same message seen under another key (a UIDVALIDITY change, a back-fill
of mail already polled). The raw bytes are archived before anything else happens; a message
that fails is kept raw, recorded ``quarantined`` with its error, and does not stop the others.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import select

from mailbot import backfill
from mailbot.db.models import Message, Submission
from mailbot.errors import Ignore, Quarantine
from mailbot.pipeline import archive, record
from mailbot.pipeline.intake import Intake
from mailbot.pipeline.stages import STAGES
from mailbot.runtime import Runtime
from mailbot.sources.base import SourceMessage

log = logging.getLogger("mailbot.pipeline")


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
    """Message-ID and body hash without a full parse (so even unparseable mail gets them)."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
        mid = str(headers.get("Message-ID", "") or "").strip()
    except Exception:  # noqa: BLE001 - anything odd: no Message-ID
        mid = ""
    m = re.search(r"<([^<>\s]+)>", mid)
    mid = (m.group(1) if m else mid.strip("<> \t")) or None
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
    """Run one message through every stage inside one transaction.

    Mail received before ``backfill_before`` is back-filled: recorded and scored, not answered.
    """
    if is_done(rt, src):
        return Result(Outcome.KNOWN)
    sha, path = archive.store_raw(rt, src.raw)  # before anything else: never lose the bytes
    message_id, body_hash = _header_facts(src.raw)
    base = dict(mailbox=src.mailbox, uidvalidity=src.uidvalidity, source_key=src.key, message_id=message_id,
                body_hash=body_hash, raw_sha256=sha, raw_path=str(path), arrived_at=src.arrived_at)
    try:
        with rt.db.transaction() as s:
            earlier = _earlier_copy(s, message_id, body_hash)
            if earlier is not None:
                msg = Message(status="repeat", repeat_of=earlier, **base)
                s.add(msg)
                s.flush()
                log.info("message %s: repeat of message #%s (%s), not recorded again", message_id, earlier, src.key)
                return Result(Outcome.REPEAT, msg.id)
            msg = Message(status="processed", **base)
            s.add(msg)
            s.flush()
            intake = Intake(source=src, session=s, message=msg, backfill_before=backfill_before)
            statuses = run_stages(rt, intake)
            return Result(Outcome.NEW, msg.id, statuses, backfilled=intake.backfill)
    except Exception as exc:  # noqa: BLE001 - one bad message never stops the others
        reason = str(exc) if isinstance(exc, Quarantine) else f"{type(exc).__name__}: {exc}"
        reason = reason.splitlines()[0][:500] if reason else type(exc).__name__
        log.warning("message %s (%s): quarantined: %s", message_id, src.key, reason)
        log.debug("quarantine traceback", exc_info=True)
        with rt.db.transaction() as s:
            msg = Message(status="quarantined", error=reason, **base)
            s.add(msg)
            s.flush()
            record.quarantined(rt, s, msg, src.raw, reason)
            return Result(Outcome.QUARANTINED, msg.id, ["quarantined"], reason)


def run_stages(rt: Runtime, intake: Intake) -> list[str]:
    """The stages in order; an ``Ignore`` records the message as ignored and stops."""
    try:
        for stage in STAGES:
            log.debug("message %s: stage %s", intake.message.message_id, stage.__name__.rsplit(".", 1)[-1])
            stage.run(rt, intake)
    except Ignore as why:
        record.ignored(rt, intake, str(why))
        log.info("message %s: ignored: %s", intake.message.message_id, why)
    return [s.status for s in intake.submissions]


def _earlier_copy(s, message_id: str | None, body_hash: str) -> int | None:
    q = select(Message.id).where(Message.status != "repeat")
    q = q.where(Message.message_id == message_id) if message_id else q.where(Message.body_hash == body_hash,
                                                                               Message.message_id.is_(None))
    return s.scalar(q.order_by(Message.id).limit(1))


def retry(rt: Runtime, message_pk: int) -> Result:
    """Re-run a quarantined message from its archived bytes."""
    with rt.db.transaction() as s:
        msg = s.get(Message, message_pk)
        if msg is None or msg.status != "quarantined":
            return Result(Outcome.KNOWN, message_pk)
        raw = archive.load_raw(msg.raw_path)
        src = SourceMessage(msg.mailbox, msg.source_key, raw, msg.arrived_at, msg.uidvalidity)
        quiet = backfill.cutoff(rt, msg.mailbox, s) if not msg.mailbox.startswith("file:") else None
    try:
        with rt.db.transaction() as s:
            msg = s.get(Message, message_pk)
            for sub in s.scalars(select(Submission).where(Submission.message_pk == msg.id)):
                s.delete(sub)
            s.flush()
            msg.status, msg.error, msg.attempts = "processed", None, msg.attempts + 1
            intake = Intake(source=src, session=s, message=msg, backfill_before=quiet)
            statuses = run_stages(rt, intake)
            return Result(Outcome.NEW, msg.id, statuses, backfilled=intake.backfill)
    except Exception as exc:  # noqa: BLE001
        reason = (str(exc) or type(exc).__name__).splitlines()[0][:500]
        with rt.db.transaction() as s:
            msg = s.get(Message, message_pk)
            msg.error, msg.attempts = reason, msg.attempts + 1
        return Result(Outcome.QUARANTINED, message_pk, ["quarantined"], reason)
