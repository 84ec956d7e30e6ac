"""Which database the test in hand runs on: the suite runs once on SQLite and once on PostgreSQL.

``conftest.py`` parametrises every test over ``BACKENDS`` (an autouse ``db_backend`` fixture),
except the modules of pure logic it lists. Helpers that write a config ask ``url_for(folder)``:
on SQLite a file in that folder, on PostgreSQL a fresh throw-away database per folder,
dropped when the test ends. Code under test never knows which it got.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from tests.servers.postgres import pg_database

BACKENDS = ("sqlite", "postgresql")


class Backend:
    def __init__(self, name: str):
        self.name = name
        self._stack = contextlib.ExitStack()
        self._urls: dict[str, str] = {}

    def url_for(self, folder: Path, filename: str = "mailbot.db") -> str:
        """The database URL for a test's folder (the same folder always gets the same database)."""
        if self.name == "sqlite":
            return f"sqlite:///{Path(folder) / filename}"
        key = str(Path(folder).resolve() / filename)
        if key not in self._urls:
            self._urls[key] = self._stack.enter_context(pg_database())
        return self._urls[key]

    def close(self) -> None:
        self._stack.close()


_current = Backend("sqlite")


def current() -> Backend:
    return _current


@contextlib.contextmanager
def use(name: str) -> Iterator[Backend]:
    global _current
    previous, _current = _current, Backend(name)
    try:
        yield _current
    finally:
        _current.close()
        _current = previous


def url_for(folder: Path, filename: str = "mailbot.db") -> str:
    return _current.url_for(folder, filename)
