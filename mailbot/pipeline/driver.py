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

Group commit (``process_batch``): a poll hands over its messages in groups. Each message is
archived and read first, outside any transaction; then the group is written in one transaction
(``Database.group``), each message in a savepoint of its own, so one that fails rolls back alone
and is quarantined, and the group commits once. The source flags the group's messages only
after that commit (``polling.feed``). A unit's 查询 is answered from the records, so the messages
before it in the group are written first and the query is read again after them.
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
from sqlalchemy.orm import Session

from mailbot import backfill
from mailbot.db.models import Message, Submission
from mailbot.errors import Ignore, Quarantine
from mailbot.pipeline import archive, record
from mailbot.pipeline.intake import Intake
from mailbot.pipeline.prepare import Prepared, Reader
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


class KnownKeys:
    """``is_done`` for a source's listing pass: the recorded keys of a (mailbox, UIDVALIDITY)
    are read in one query the first time it is asked about, not one query per message. Use one
    per pass: keys recorded after it was read are not in it (a source never yields a key twice
    in one pass)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._keys: dict[tuple[str, int], set[str]] = {}

    def __call__(self, src: SourceMessage) -> bool:
        where = (src.mailbox, src.uidvalidity)
        keys = self._keys.get(where)
        if keys is None:
            with self.rt.db.session() as s:
                keys = set(s.scalars(select(Message.source_key).where(Message.mailbox == src.mailbox,
                                                                      Message.uidvalidity == src.uidvalidity)))
            self._keys[where] = keys
        return src.key in keys


def done_keys(rt: Runtime, sources: list[SourceMessage]) -> set[tuple[str, int, str]]:
    """Which of these (mailbox, UIDVALIDITY, key) were recorded before: one query per mailbox."""
    found: set[tuple[str, int, str]] = set()
    by_box: dict[tuple[str, int], list[str]] = {}
    for src in sources:
        by_box.setdefault((src.mailbox, src.uidvalidity), []).append(src.key)
    with rt.db.session() as s:
        for (mailbox, uidvalidity), keys in by_box.items():
            q = select(Message.source_key).where(Message.mailbox == mailbox, Message.uidvalidity == uidvalidity,
                                                 Message.source_key.in_(keys))
            found.update((mailbox, uidvalidity, key) for key in s.scalars(q))
    return found


def process(rt: Runtime, src: SourceMessage, backfill_before: datetime | None = None) -> Result:
    """One message: archive, read (no transaction), then record (one short transaction).

    Mail received before ``backfill_before`` is back-filled: recorded and scored, not answered.
    """
    return process_batch(rt, [src], backfill_before)[0]


@dataclass
class _Read:
    """A message archived and read, waiting for its group's transaction."""

    src: SourceMessage
    base: dict
    intake: Intake | None = None        # None: a repeat (not read)
    repeat_of: int | None = None        # the earlier message's id, when it was recorded before this group
    repeat_in_group: int | None = None  # the index in the group of the earlier copy of this very message
    ignored: str | None = None          # a stage's ``Ignore`` reason
    error: BaseException | None = None  # a read stage failed: quarantined with this
    trace: str = ""
    backfill_before: datetime | None = None
    prepared: Prepared | None = None    # read ahead by the worker process


def process_batch(rt: Runtime, sources: list[SourceMessage], backfill_before: datetime | None = None,
                  reader: Reader | None = None) -> list[Result]:
    """A group of messages: archived and read one by one, then written in one transaction (a
    savepoint each). Returns one result per source, in order. ``reader``: the read-ahead worker
    the messages were handed to (``pipeline.prepare``), if any."""
    results: list[Result | None] = [None] * len(sources)
    done = done_keys(rt, sources)
    todo: list[int] = []
    seen: set[tuple[str, int, str]] = set()
    for i, src in enumerate(sources):
        key = (src.mailbox, src.uidvalidity, src.key)
        if key in done or key in seen:  # recorded before, or twice in this group (the same file given twice)
            results[i] = Result(Outcome.KNOWN)
        else:
            seen.add(key)
            todo.append(i)
    facts = {i: _header_facts(sources[i].raw) for i in todo}
    earlier = _earlier_copies(rt, [(sources[i].mailbox, *facts[i]) for i in todo])
    group: list[tuple[int, _Read]] = []
    with archive.deferred_sync():  # the archive's fsyncs run while the group is read
        _read_group(rt, sources, todo, facts, earlier, group, backfill_before, reader)
        _write_group(rt, group, results)
    return [r if r is not None else Result(Outcome.KNOWN) for r in results]


def _read_group(rt: Runtime, sources: list[SourceMessage], todo: list[int], facts: dict[int, tuple[str | None, str]],
                earlier: list[int | None], group: list[tuple[int, _Read]], backfill_before: datetime | None,
                reader: Reader | None) -> None:
    """Archive and read each message (a repeat of an earlier message is archived, not read)."""
    for n, i in enumerate(todo):
        src = sources[i]
        sha, path = archive.store_raw(rt, src.raw)  # before anything else: never lose the bytes
        message_id, body_hash = facts[i]
        base = dict(mailbox=src.mailbox, uidvalidity=src.uidvalidity, source_key=src.key, message_id=message_id,
                    body_hash=body_hash, raw_sha256=sha, raw_path=str(path), arrived_at=src.arrived_at)
        item = _Read(src, base, repeat_of=earlier[n], backfill_before=backfill_before,
                     prepared=reader.take(src) if reader is not None else None)
        if item.repeat_of is None:
            item.repeat_in_group = next((k for k, (_, other) in enumerate(group)
                                         if _same_copy(src.mailbox, message_id, body_hash, other)), None)
        if item.repeat_of is None and item.repeat_in_group is None:
            _read(rt, item, backfill_before)
        group.append((i, item))


def _same_copy(mailbox: str, message_id: str | None, body_hash: str, other: _Read) -> bool:
    """Whether ``other`` (earlier in the group) is this very message (``same_message``'s rule)."""
    return (other.base["body_hash"] == body_hash and other.base["message_id"] == message_id
            and other.repeat_of is None and other.repeat_in_group is None
            and (mailbox.startswith(FILES) or other.src.mailbox == mailbox or other.src.mailbox.startswith(FILES)))


def _earlier_copies(rt: Runtime, facts: list[tuple[str, str | None, str]]) -> list[int | None]:
    """For each (mailbox, Message-ID, content hash): the earlier record of this very message, by
    ``same_message``'s rule, in one query for the group."""
    if not facts:
        return []
    with rt.db.session() as s:
        rows = s.execute(select(Message.id, Message.mailbox, Message.message_id, Message.body_hash)
                         .where(Message.status != "repeat", Message.body_hash.in_(sorted({f[2] for f in facts})))
                         .order_by(Message.id)).all()
    out: list[int | None] = []
    for mailbox, message_id, body_hash in facts:
        out.append(next((row.id for row in rows if row.body_hash == body_hash and row.message_id == message_id
                         and (mailbox.startswith(FILES) or row.mailbox == mailbox or row.mailbox.startswith(FILES))),
                        None))
    return out


def _read(rt: Runtime, item: _Read, backfill_before: datetime | None) -> None:
    """The read phase of one message; a failure is kept for the write phase to quarantine."""
    item.intake = Intake(source=item.src, message=Message(status="processed", **item.base),
                         backfill_before=backfill_before, prepared=item.prepared)
    item.ignored = item.error = None
    try:
        item.ignored = read_stages(rt, item.intake)
    except Exception as exc:  # noqa: BLE001 - one bad message never stops the others
        item.error, item.trace = exc, "".join(traceback.format_exception(exc))


def _write_group(rt: Runtime, group: list[tuple[int, _Read]], results: list[Result | None]) -> None:
    """Write the group in one transaction, each message in a savepoint of its own.

    A unit's 查询 is answered from the records, which its read phase saw before the messages
    ahead of it in the group were written: the transaction commits before it, and it is read
    again and written in the next one.
    """
    ids: dict[int, int] = {}  # index in the group -> id of the message recorded for it
    k = 0
    while k < len(group):
        with rt.db.group() as s:
            first = k
            while k < len(group):
                i, item = group[k]
                if _is_query(item) and k > 0:
                    if k > first:
                        break  # commit what came before it
                    _read(rt, item, item.backfill_before)
                if item.repeat_in_group is not None:
                    item.repeat_of = ids.get(item.repeat_in_group)
                    if item.repeat_of is None:  # the first copy was not recorded: this one takes its place
                        item.repeat_in_group = None
                        _read(rt, item, item.backfill_before)
                result = results[i] = _write_one(rt, s, item)
                if result.message_pk is not None and result.outcome in (Outcome.NEW, Outcome.QUARANTINED):
                    ids[k] = result.message_pk
                k += 1
            archive.settle()  # every file the group's records point at is on disk before it commits


def _is_query(item: _Read) -> bool:
    return item.intake is not None and item.intake.handled_by == "query"


def _write_one(rt: Runtime, s: Session, item: _Read) -> Result:
    src, base = item.src, item.base
    if item.error is not None:
        return _quarantine_in(rt, s, src, base, item.error, item.trace)
    try:
        if item.repeat_of is not None:
            with s.begin_nested():
                msg = Message(status="repeat", repeat_of=item.repeat_of, **base)
                s.add(msg)
                s.flush()
            log.info("message %s: repeat of message #%s (%s), not recorded again", base["message_id"],
                     item.repeat_of, src.key)
            return Result(Outcome.REPEAT, msg.id)
        intake = item.intake
        assert intake is not None
        with s.begin_nested():
            intake.session = s
            s.add(intake.message)
            s.flush()
            statuses = write_stages(rt, intake, item.ignored)
        return Result(Outcome.NEW, intake.message.id, statuses, backfilled=intake.backfill)
    except IntegrityError as exc:
        known = s.scalar(select(Message.id).where(Message.mailbox == src.mailbox,
                                                  Message.uidvalidity == src.uidvalidity,
                                                  Message.source_key == src.key))
        if known is not None:  # another process recorded this very key meanwhile
            return Result(Outcome.KNOWN)
        return _quarantine_in(rt, s, src, base, exc, "".join(traceback.format_exception(exc)))
    except Exception as exc:  # noqa: BLE001 - one bad message never stops the others
        return _quarantine_in(rt, s, src, base, exc, "".join(traceback.format_exception(exc)))


def _quarantine_in(rt: Runtime, s: Session, src: SourceMessage, base: dict, exc: BaseException, trace: str) -> Result:
    """Record a message that failed, in its own savepoint of the group: one line and the traceback."""
    reason = _reason(exc)
    log.warning("message %s (%s): quarantined: %s", base["message_id"], src.key, reason)
    log.debug("quarantine traceback:\n%s", trace)
    with s.begin_nested():
        msg = Message(status="quarantined", error=reason, traceback=trace[-MAX_TRACEBACK:], **base)
        s.add(msg)
        s.flush()
        record.quarantined(rt, s, msg, src.raw, reason)
    return Result(Outcome.QUARANTINED, msg.id, ["quarantined"], reason)


def _reason(exc: BaseException) -> str:
    reason = str(exc) if isinstance(exc, Quarantine) else f"{type(exc).__name__}: {exc}"
    return (reason.splitlines() or [type(exc).__name__])[0][:500]


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
    reason = _reason(exc)
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
