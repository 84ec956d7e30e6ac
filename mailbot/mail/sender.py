"""The one sender: the only code that hands mail to a transport.

Every process may call ``deliver`` (the daemon every minute and after its jobs, ``poll``,
``ingest`` and the commands that send); it is safe because:

- one sender runs per office at a time (a PostgreSQL advisory lock, else a file lock in
  ``data_dir``): a second caller leaves its mail queued for the running one;
- before it talks to the server, the sender **claims** the row with one conditional UPDATE
  (``sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < stale)``), checked by rowcount; a
  row is never sent by two senders, even if the lock is lost;
- a claim older than the stale limit belongs to a sender that died; only then is the row sent
  again, with the same Message-ID (the one unavoidable double: killed between the server's 250
  and the commit of ``sent_at``).

A row that cannot be composed, or that the server refuses for good (5xx), is marked failed
with its reason and never blocks the queue; the office sees it in the next digest. A server
that is down or silent stops the pass after one try: the mail waits, nothing is counted
against it. No address gets more than ``[outgoing] max_per_recipient_hour`` mails an hour.
"""

from __future__ import annotations

import fcntl
import logging
import os
import smtplib
import socket
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from mailbot.db import rowcount
from mailbot.db.models import OutboxMail
from mailbot.mail.compose import compose
from mailbot.mail.transport import ServerUnavailable, Transport, make_transport
from mailbot.runtime import Runtime

log = logging.getLogger("mailbot.sender")

RUNNER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class SendResult:
    sent: int = 0
    deferred: int = 0      # will be tried again (temporary failure, or over a recipient's cap)
    failed: int = 0        # given up: reason kept on the row, shown in the digest
    busy: bool = False     # another sender of this office is running: it will send what is queued
    server_down: str | None = None  # the pass stopped: the SMTP server could not be reached


def stale_after(rt: Runtime) -> timedelta:
    """How old a claim must be before its sender is taken for dead (well past any live session)."""
    out = rt.settings.outgoing
    return timedelta(seconds=max(600.0, 3 * (out.session_timeout_seconds + out.timeout_seconds)))


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


@contextmanager
def sender_lock(rt: Runtime) -> Iterator[bool]:
    """One sender per office: the advisory lock on PostgreSQL (across hosts), a file lock on SQLite."""
    if rt.db.dialect == "postgresql":
        with rt.db.advisory_lock("send") as got:
            yield got
        return
    rt.settings.data_path.mkdir(parents=True, exist_ok=True)
    with open(rt.settings.data_path / "send.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def claim(rt: Runtime, row_id: int, now: datetime, runner: str = RUNNER) -> bool:
    """Take a row for sending; True for exactly one of any number of concurrent callers."""
    with rt.db.transaction() as s:
        res = s.execute(update(OutboxMail).where(
            OutboxMail.id == row_id, OutboxMail.sent_at.is_(None), OutboxMail.failed.is_(False),
            or_(OutboxMail.claimed_at.is_(None), OutboxMail.claimed_at < now - stale_after(rt)),
        ).values(claimed_at=now, claimed_by=runner).execution_options(synchronize_session=False))
        return rowcount(res) == 1


def _finish(rt: Runtime, row_id: int, runner: str, **values) -> None:
    """Record the outcome of a claimed row and release the claim."""
    with rt.db.transaction() as s:
        s.execute(update(OutboxMail).where(OutboxMail.id == row_id, OutboxMail.claimed_by == runner)
                  .values(claimed_at=None, **values).execution_options(synchronize_session=False))


class _Caps:
    """Mails per recipient in the last hour (sent or in flight), to keep each under the cap."""

    def __init__(self, rt: Runtime, now: datetime):
        self.limit = rt.settings.outgoing.max_per_recipient_hour
        self.since = now - timedelta(hours=1)
        self.count: Counter[str] = Counter()
        self.oldest: dict[str, datetime] = {}
        if not self.limit:
            return
        with rt.db.session() as s:
            for recipients, at in s.execute(select(OutboxMail.recipients, OutboxMail.sent_at)
                                            .where(OutboxMail.sent_at >= self.since).order_by(OutboxMail.sent_at)):
                self._add(recipients, at)

    def _add(self, recipients, at: datetime) -> None:
        for r in recipients or []:
            key = r.strip().lower()
            self.count[key] += 1
            self.oldest.setdefault(key, at)

    def wait_until(self, recipients) -> datetime | None:
        """None when the row may go now; else when the first of its recipients has room again."""
        if not self.limit:
            return None
        full = [r.strip().lower() for r in recipients or [] if self.count[r.strip().lower()] >= self.limit]
        if not full:
            return None
        return max(self.oldest[r] for r in full) + timedelta(hours=1)

    def sent(self, recipients, at: datetime) -> None:
        if self.limit:
            self._add(recipients, at)


def _is_permanent(e: Exception) -> bool:
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in e.recipients.values()]
        return bool(codes) and all(500 <= c < 600 for c in codes)
    code = getattr(e, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def _due(rt: Runtime, now: datetime, limit: int, skip: set[int]) -> list[int]:
    with rt.db.session() as s:
        q = (select(OutboxMail.id).where(OutboxMail.sent_at.is_(None), OutboxMail.failed.is_(False),
                                         OutboxMail.next_attempt_at <= now,
                                         or_(OutboxMail.claimed_at.is_(None),
                                             OutboxMail.claimed_at < now - stale_after(rt)))
             .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit + len(skip)))
        return [i for i in s.scalars(q) if i not in skip][:limit]


def deliver(rt: Runtime, transport: Transport | None = None, limit: int = 500) -> SendResult:
    """Send what is due now, as the office's one sender; returns what happened."""
    result = SendResult()
    with sender_lock(rt) as mine:
        if not mine:
            result.busy = True
            log.info("another sender of this office is running; it sends what is queued")
            return result
        own = transport is None
        transport = transport or make_transport(rt.settings)
        try:
            _pass(rt, transport, limit, result)
        finally:
            if own:
                transport.close()
    return result


def _pass(rt: Runtime, transport: Transport, limit: int, result: SendResult) -> None:
    now = rt.clock.now()
    caps = _Caps(rt, now)
    done: set[int] = set()
    # Rows queued while we send (a poll, a command) are picked up before the pass ends.
    while len(done) < limit and (due := _due(rt, now, limit - len(done), done)):
        for row_id in due:
            done.add(row_id)
            if not _send_one(rt, transport, row_id, caps, result):
                return
        now = rt.clock.now()


def _send_one(rt: Runtime, transport: Transport, row_id: int, caps: _Caps, result: SendResult) -> bool:
    """One row: claim, compose, send, record. False when the pass must stop (server down)."""
    now = rt.clock.now()
    with rt.db.session() as s:
        recipients = list(s.scalar(select(OutboxMail.recipients).where(OutboxMail.id == row_id)) or [])
    if (later := caps.wait_until(recipients)) is not None:
        with rt.db.transaction() as s:
            s.execute(update(OutboxMail).where(OutboxMail.id == row_id, OutboxMail.sent_at.is_(None),
                                               OutboxMail.claimed_at.is_(None))
                      .values(next_attempt_at=later).execution_options(synchronize_session=False))
        result.deferred += 1
        log.warning("outbox #%s to %s waits until %s: %s mails an hour reached", row_id, ", ".join(recipients),
                    later.astimezone(rt.settings.tz).strftime("%H:%M"), caps.limit)
        return True
    if not claim(rt, row_id, now):
        return True  # another sender has it, or it was sent meanwhile
    with rt.db.session() as s:
        row = s.get(OutboxMail, row_id)
        assert row is not None
        s.expunge(row)
    label = f"outbox #{row.id} ({row.kind}) to {', '.join(row.recipients)}"
    try:
        msg = compose(row, rt.settings.outgoing.from_, rt.settings.tz)
    except Exception as e:  # noqa: BLE001 - a row that cannot be built must not block the queue
        reason = f"cannot be composed: {type(e).__name__}: {e}"[:1000]
        _finish(rt, row_id, RUNNER, failed=True, failed_at=rt.clock.now(), last_error=reason)
        result.failed += 1
        log.error("%s failed for good: %s", label, reason)
        return True
    try:
        refused = transport.send(msg, list(row.recipients) + list(row.cc or []), f"{row.id:06d}-{row.kind}")
    except ServerUnavailable as e:
        _finish(rt, row_id, RUNNER)  # nothing was handed over: the row waits, no attempt counted
        result.server_down = str(e)
        result.deferred += 1
        log.error("sending stopped, mail stays queued: %s", e)
        return False
    except (smtplib.SMTPException, OSError) as e:
        attempts = row.attempts + 1
        reason = f"{type(e).__name__}: {e}"[:1000]
        if _is_permanent(e) or attempts >= rt.settings.outgoing.max_attempts:
            _finish(rt, row_id, RUNNER, attempts=attempts, failed=True, failed_at=rt.clock.now(), last_error=reason)
            result.failed += 1
            log.error("%s failed for good: %s", label, reason)
        else:
            _finish(rt, row_id, RUNNER, attempts=attempts, last_error=reason,
                    next_attempt_at=rt.clock.now() + _backoff(attempts))
            result.deferred += 1
            log.warning("%s: will retry: %s", label, reason)
        return True
    sent_at = rt.clock.now()
    values: dict = {"attempts": row.attempts + 1, "sent_at": sent_at, "last_error": None}
    if refused:  # delivered to some; the others refused it: the office hears of it in the digest
        values["last_error"] = "refused for " + "; ".join(
            f"{addr} ({code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text})"
            for addr, (code, text) in refused.items())[:1000]
        values["failed_at"] = sent_at
        log.error("%s: %s", label, values["last_error"])
    _finish(rt, row_id, RUNNER, **values)
    caps.sent(row.recipients, sent_at)
    result.sent += 1
    log.info("%s sent", label)
    return True
