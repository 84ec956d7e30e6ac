"""Polls and back-fills: feed source messages through the pipeline, mark them after commit.

Two polls of one office never run at once, whether from the daemon, a cron ``mailbot poll``
or a second daemon: a file lock in the data folder guards one host, and on PostgreSQL an
advisory lock guards every host sharing the database (released by PostgreSQL when a process
dies). Sending is not done here: ``poll`` queues, then wakes the one sender (``mail/sender.py``).
"""

from __future__ import annotations

import fcntl
import logging
import ssl
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mailbot import backfill
from mailbot.errors import MailbotError
from mailbot.mail import outbox
from mailbot.pipeline import archive, driver
from mailbot.pipeline.prepare import Reader
from mailbot.runtime import Runtime
from mailbot.sources.base import SourceMessage

log = logging.getLogger("mailbot.poll")


@dataclass
class PollReport:
    outcomes: Counter = field(default_factory=Counter)   # new / known / repeat / quarantined
    statuses: Counter = field(default_factory=Counter)   # accepted / duplicate / unassigned / ignored / quarantined
    sent: int = 0
    deferred: int = 0
    backfilled: int = 0  # recorded quietly: older than the mailbox's switch-on
    first_poll: bool = False
    errors: list[tuple[int, str]] = field(default_factory=list)  # (message #, reason) still quarantined

    def line(self) -> str:
        st = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())) or "nothing new"
        extra = []
        if self.backfilled:
            extra.append(f"{self.backfilled} back-filled without receipts")
        if self.outcomes.get("known") or self.outcomes.get("repeat"):
            extra.append(f"{self.outcomes['known'] + self.outcomes['repeat']} seen before")
        if self.sent or self.deferred:
            extra.append(f"{self.sent} mail sent" + (f", {self.deferred} to retry" if self.deferred else ""))
        return f"{self.outcomes['new'] + self.outcomes['quarantined']} new message(s): {st}" + (
            f" ({'; '.join(extra)})" if extra else "")


class PollBusy(MailbotError):
    pass


@contextmanager
def poll_lock(rt: Runtime) -> Iterator[None]:
    """The poll lock; on taking it, left-overs of a killed archive write are swept away."""
    with _file_lock(rt):
        swept = archive.sweep_temp_files(rt)
        if swept:
            log.warning("removed %d unfinished archive file(s) of an interrupted run", swept)
        yield


@contextmanager
def _file_lock(rt: Runtime) -> Iterator[None]:
    rt.settings.data_path.mkdir(parents=True, exist_ok=True)
    path = rt.settings.data_path / "poll.lock"
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PollBusy(f"another poll is running (lock {path}); try again later") from None
        try:
            with rt.db.advisory_lock("poll") as got:
                if not got:
                    raise PollBusy("another poll of this office is running on another host "
                                   "(PostgreSQL advisory lock); try again later")
                yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def make_source(rt: Runtime):
    s = rt.settings.source
    if s.kind == "maildir":
        from mailbot.sources.maildir import MaildirSource

        path = rt.settings.resolve(s.path)
        if not path.exists():
            raise MailbotError(f"source.path {path} does not exist")
        return MaildirSource(path)
    from mailbot.sources.imap import ImapSource

    ctx = None
    if s.tls:
        ctx = ssl.create_default_context(cafile=str(rt.settings.resolve(s.ca_file)) if s.ca_file else None)
    return ImapSource(s.host, s.effective_port, s.username, rt.settings.secret(s.password_env, "source.password_env"),
                      folder=s.folder, tls=s.tls, processed_folder=s.processed_folder, timeout=s.timeout_seconds,
                      batch_size=s.batch_size, batch_bytes=int(s.batch_megabytes * 1024 * 1024), ssl_context=ctx,
                      mark_seen=s.mark_seen)


class Progress:
    """Progress of a long poll: a bar on a terminal, else a log line every ``every`` messages.

    ``total`` is asked lazily (an IMAP source knows it once it has listed the folder).
    """

    def __init__(self, total: Callable[[], int | None], every: int = 100, terminal: bool | None = None,
                 label: str = "poll") -> None:
        self._total = total
        self.every = max(1, every)
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self.label = label
        self.done = 0
        self.ahead = 0  # taken from the source, not done yet (the group read ahead)
        self._bar: Any = None

    def update(self, n: int = 1) -> None:
        self.done += n
        left = self._total()
        total = self.done + self.ahead + left if left is not None else None
        if self.terminal:
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(total=total, initial=self.done - n, unit="封", desc=self.label, leave=False)
            elif total is not None and self._bar.total != total:
                self._bar.total = total
            self._bar.update(n)
        elif self.done // self.every > (self.done - n) // self.every:  # crossed a multiple (groups come at once)
            log.info("%s: %d of %s message(s) done", self.label, self.done, total if total is not None else "?")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@contextmanager
def unmarked(source) -> Iterator[object]:
    """The source, read as usual but never flagged or moved (``poll --preview``); closed after."""

    class Unmarked:
        def __getattr__(self, name: str):  # everything else (mailbox name, progress) as the source has it
            return getattr(source, name)

        def mark_done(self, _message: SourceMessage) -> None:
            pass

        def mark_done_many(self, _messages: list[SourceMessage]) -> None:
            pass

    try:
        yield Unmarked()
    finally:
        source.close()


GROUP_MESSAGES = 50  # messages written in one transaction (group commit), then flagged on the server
GROUP_BYTES = 32 * 1024 * 1024  # ... or fewer, when their raw bytes reach this


def feed(rt: Runtime, messages: Iterable[SourceMessage], report: PollReport,
         after_commit: Callable[[list[SourceMessage]], object] | None = None,
         should_stop: Callable[[], bool] = lambda: False, progress=None,
         backfill_before: datetime | None = None) -> None:
    """Run the messages through the pipeline in groups (``driver.process_batch``: read one by
    one, then written in one transaction); ``after_commit`` (flag/move) the messages of a group
    only once the group's commit is on disk. A crash in between leaves them recorded and
    unflagged: the next poll finds them known and flags them.

    From the second group on, the next group is taken from the source and handed to the
    read-ahead worker (``pipeline.prepare``) before the current one is written, so the two
    processes work at once. A stop request finishes the messages already taken."""
    source = iter(messages)
    stopping = False

    def take() -> list[SourceMessage]:
        nonlocal stopping
        group: list[SourceMessage] = []
        size = 0
        while not stopping and len(group) < GROUP_MESSAGES and size < GROUP_BYTES:
            src = next(source, None)
            if src is None:
                break
            group.append(src)
            size += len(src.raw)
            if should_stop():
                log.info("stop requested: finishing the messages in hand")
                stopping = True
        return group

    def write(group: list[SourceMessage], ahead: int) -> None:
        results = driver.process_batch(rt, group, backfill_before, reader)
        for result in results:
            report.outcomes[result.outcome] += 1
            report.statuses.update(result.statuses)
            report.backfilled += result.backfilled
        if after_commit is not None:
            after_commit(group)  # committed (or recorded earlier): safe to flag or move
        if progress is not None:
            if isinstance(progress, Progress):
                progress.ahead = ahead
            progress.update(len(group))

    reader = Reader(rt)
    try:
        current = take()
        while current:
            following = take()
            if following:  # a long run: the worker reads these while the current group is written
                known = driver.done_keys(rt, following)
                reader.submit([m for m in following if (m.mailbox, m.uidvalidity, m.key) not in known])
            write(current, len(following))
            current = following
    except BaseException:
        rt.db.sync()  # what is recorded stays; the next poll flags it
        raise
    finally:
        reader.close()


def _marker(source) -> Callable[[list[SourceMessage]], object]:
    """How a group of done messages is flagged at the source: all at once where it can."""
    many = getattr(source, "mark_done_many", None)
    if many is not None:
        return many
    return lambda group: [source.mark_done(m) for m in group]


def poll(rt: Runtime, source=None, should_stop: Callable[[], bool] = lambda: False, send: bool = True,
         progress: bool | Any | None = None) -> PollReport:
    """One poll of the configured source and one flush of the outbox.

    On the mailbox's first poll (or per ``[source] backfill_before``) mail received before the
    switch-on is back-filled: recorded and scored without receipts or alerts. ``progress``:
    None = a bar on a terminal, log lines otherwise; False = silent; or the caller's own object
    with ``update(n)`` and ``close()`` (``benchmarks/ingest.py`` stamps completions with it).
    """
    report = PollReport()
    with poll_lock(rt):
        own = source is None
        source = source or make_source(rt)
        with rt.db.transaction() as s:
            _state, report.first_poll = backfill.switch_on(rt, s, source.mailbox)
        quiet = backfill.cutoff(rt, source.mailbox)
        if report.first_poll:
            log.info("first poll of %s: mail received before %s is back-filled without receipts or alerts",
                     source.mailbox, quiet.isoformat() if quiet else "-")
        bar: Any = None
        if progress is not None and not isinstance(progress, bool):
            bar = progress
        elif progress is not False:
            bar = Progress(lambda: getattr(source, "pending", None), rt.settings.source.progress_every,
                           terminal=None if progress is None else progress)
        try:
            feed(rt, source.fetch_new(driver.KnownKeys(rt)), report, after_commit=_marker(source),
                 should_stop=should_stop, progress=bar, backfill_before=quiet)
        finally:
            if bar is not None:
                bar.close()
            if own:
                source.close()
        backfill.count(rt, source.mailbox, report.backfilled)
    if send:
        flushed = outbox.flush(rt)
        report.sent, report.deferred = flushed.sent, flushed.deferred
    return report


def retry(rt: Runtime, receipts: tuple[str, ...] | list[str] = (), send: bool = True) -> PollReport:
    """Re-run quarantined messages (all, or those of the given receipts) under the poll lock.

    The same driver path as a poll: read first, then one short write transaction.
    """
    from sqlalchemy import select

    from mailbot.db.models import Message, Submission
    from mailbot.errors import UsageError

    report = PollReport()
    with poll_lock(rt):
        with rt.db.session() as s:
            q = select(Message.id).where(Message.status == "quarantined")
            if receipts:
                q = q.join(Submission, Submission.message_pk == Message.id).where(Submission.receipt.in_(receipts))
            ids = list(s.scalars(q.order_by(Message.id)))
        if receipts and not ids:
            raise UsageError(f"no quarantined message has receipt {', '.join(receipts)}")
        for pk in ids:
            result = driver.retry(rt, pk)
            report.outcomes[result.outcome] += 1
            report.statuses.update(result.statuses)
            if result.outcome == driver.Outcome.QUARANTINED:
                report.errors.append((pk, result.error or ""))
        rt.db.sync()
    if send:
        flushed = outbox.flush(rt)
        report.sent, report.deferred = flushed.sent, flushed.deferred
    return report


def ingest(rt: Runtime, paths: list[Path], show_progress: bool = False, send: bool = True) -> PollReport:
    """Run files (``.eml``, folders, Maildirs, mbox) through the same pipeline."""
    from mailbot.sources.files import count_paths, iter_paths

    for p in paths:
        if not Path(p).exists():
            raise MailbotError(f"{p}: no such file or folder")
    report = PollReport()
    bar = None
    if show_progress:
        from tqdm import tqdm

        bar = tqdm(total=count_paths(paths), unit="封", desc="ingest", leave=False)
    try:
        with poll_lock(rt):
            feed(rt, iter_paths(paths), report, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    if send:
        flushed = outbox.flush(rt)
        report.sent, report.deferred = flushed.sent, flushed.deferred
    return report
