"""Storage: SQLAlchemy models, sessions, migrations."""

from typing import Any

from mailbot.db.session import Database


def rowcount(result: Any) -> int:
    """Rows an UPDATE/DELETE matched (``CursorResult.rowcount``; ``Session.execute`` is typed as ``Result``)."""
    return int(result.rowcount)


__all__ = ["Database", "rowcount"]
