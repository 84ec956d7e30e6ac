"""Many messages at once: the intake's group commit.

A poll hands over its messages in groups. Each message is
archived and read first, outside any transaction; then the group is written in one transaction
(``Database.group``), each message in a savepoint of its own, so one that fails rolls back alone
and is quarantined, and the group commits once. The source flags the group's messages only
after that commit (``polling.feed``). A unit's 查询 is answered from the records, so the messages
before it in the group are written first and the query is read again after them.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailbot.db.models import Message
from mailbot.pipeline import archive, record
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
from mailbot.pipeline.prepare import Prepared, Reader
from mailbot.runtime import Runtime
from mailbot.sources.base import SourceMessage

log = logging.getLogger("mailbot.pipeline")


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
    ahead = {i: reader.take(sources[i]) if reader is not None else None for i in todo}
    facts = {i: (a.message_id, a.body_hash) if a is not None else header_facts(sources[i].raw) for i, a in ahead.items()}
    earlier = _earlier_copies(rt, [(sources[i].mailbox, *facts[i]) for i in todo])
    group: list[tuple[int, _Read]] = []
    with archive.deferred_sync():  # the archive's fsyncs run while the group is read
        _read_group(rt, sources, todo, facts, earlier, group, backfill_before, ahead)
        _write_group(rt, group, results)
    return [r if r is not None else Result(Outcome.KNOWN) for r in results]


def _read_group(rt: Runtime, sources: list[SourceMessage], todo: list[int], facts: dict[int, tuple[str | None, str]],
                earlier: list[int | None], group: list[tuple[int, _Read]], backfill_before: datetime | None,
                ahead: dict[int, Prepared | None]) -> None:
    """Archive and read each message (a repeat of an earlier message is archived, not read)."""
    for n, i in enumerate(todo):
        src = sources[i]
        prepared = ahead[i]
        sha, path = archive.store_raw(rt, src.raw)  # before anything else: never lose the bytes
        message_id, body_hash = facts[i]
        base = dict(mailbox=src.mailbox, uidvalidity=src.uidvalidity, source_key=src.key, message_id=message_id,
                    body_hash=body_hash, raw_sha256=sha, raw_path=str(path), arrived_at=src.arrived_at)
        item = _Read(src, base, repeat_of=earlier[n], backfill_before=backfill_before, prepared=prepared)
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
    reason = reason_of(exc)
    log.warning("message %s (%s): quarantined: %s", base["message_id"], src.key, reason)
    log.debug("quarantine traceback:\n%s", trace)
    with s.begin_nested():
        msg = Message(status="quarantined", error=reason, traceback=trace[-MAX_TRACEBACK:], **base)
        s.add(msg)
        s.flush()
        record.quarantined(rt, s, msg, src.raw, reason)
    return Result(Outcome.QUARANTINED, msg.id, ["quarantined"], reason)
