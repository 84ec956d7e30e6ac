"""Switching a mailbox on: mail that was there before is back-filled, not answered.

A real office mailbox holds years of mail. The first poll of a mailbox records the moment
(``mailboxes.switched_on_at``); everything received before it is recorded, attributed,
classified and scored for its own period, but gets no receipt, no alert and no reply.
``[source] backfill_before`` sets that moment explicitly instead (a date is its local midnight).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy.orm import Session

from mailbot.db.models import MailboxState
from mailbot.runtime import Runtime


def configured(rt: Runtime) -> datetime | None:
    """``[source] backfill_before`` as an aware moment, or None when not set."""
    value = rt.settings.source.backfill_before
    if value is None:
        return None
    if not isinstance(value, datetime):
        assert isinstance(value, date)
        value = datetime.combine(value, time.min)
    return value if value.tzinfo else value.replace(tzinfo=rt.settings.tz)


def switch_on(rt: Runtime, session: Session, mailbox: str) -> tuple[MailboxState, bool]:
    """The mailbox's state, created now on its first poll; and whether this is that first poll."""
    state = session.get(MailboxState, mailbox)
    if state is not None:
        return state, False
    state = MailboxState(mailbox=mailbox, switched_on_at=rt.clock.now(), backfilled=0)
    session.add(state)
    session.flush()
    return state, True


def cutoff(rt: Runtime, mailbox: str, session: Session | None = None) -> datetime | None:
    """Mail of ``mailbox`` received before this is back-filled (None: the mailbox was never polled)."""
    explicit = configured(rt)
    if explicit is not None:
        return explicit
    if session is None:
        with rt.db.session() as s:
            state = s.get(MailboxState, mailbox)
    else:
        state = session.get(MailboxState, mailbox)
    return state.switched_on_at if state is not None else None


def count(rt: Runtime, mailbox: str, n: int) -> None:
    """Add ``n`` back-filled messages to the mailbox's record."""
    if not n:
        return
    with rt.db.transaction() as s:
        state = s.get(MailboxState, mailbox)
        if state is not None:
            state.backfilled += n
