"""Receipt numbers (回执号): ``20260203-0007`` is the 7th item of that local day, never given twice.

Each day has a counter row; taking a number increments it inside the caller's transaction, so
the row stays locked until that transaction ends (PostgreSQL row lock; SQLite locks the whole
database for a write). Two processes can never hand out the same number, and a rolled-back
message gives its number back. With several offices in one PostgreSQL database each office
has its own schema, so its own counters.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, bindparam, cast, func, literal, select, update
from sqlalchemy.orm import Session

from mailbot.db.models import ReceiptCounter, Submission


def _insert(session: Session) -> Any:
    """INSERT with ON CONFLICT, which both dialects spell the same way."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(ReceiptCounter)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(ReceiptCounter)


def next_receipt(session: Session, local_day: date | datetime) -> str:
    """The next receipt number of ``local_day`` (a local date, or an aware local datetime)."""
    day = f"{local_day:%Y%m%d}"
    n = _take(session, day)
    if n is None:
        # First use of a day: start from the highest number already given out that day (older
        # data). The range reads only that day's receipts through the receipt's unique index (a
        # LIKE alone scans every item of the year); the LIKE keeps the match exact whatever the
        # collation. Numbers past 9999 ("-10000") sort inside the range too.
        highest = func.coalesce(func.max(cast(func.substr(Submission.receipt, 10), Integer)), 0)
        session.execute(_insert(session).from_select(
            ["day", "last"], select(literal(day), highest).where(
                Submission.receipt >= f"{day}-0000", Submission.receipt <= f"{day}-9999",
                Submission.receipt.like(f"{day}-%"))
        ).on_conflict_do_nothing(index_elements=["day"]))
        n = _take(session, day)
        assert n is not None
    return f"{day}-{n:04d}"


# Built once; run on the session's connection (a Core statement: the ORM's bulk-update machinery
# costs more than the statement itself, once per item).
_TAKE = (update(ReceiptCounter).where(ReceiptCounter.day == bindparam("the_day"))
         .values(last=ReceiptCounter.last + 1).returning(ReceiptCounter.last))


def _take(session: Session, day: str) -> int | None:
    """Increment the day's counter (its row stays locked until the transaction ends); None when
    the day has no counter row yet."""
    return session.connection().execute(_TAKE, {"the_day": day}).scalar_one_or_none()
