"""Storage: SQLAlchemy models, sessions, migrations."""

from mailbot.db.session import Database

__all__ = ["Database"]
