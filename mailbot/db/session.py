"""Engines, sessions and schema upgrades (Alembic, run programmatically).

Several offices may share one PostgreSQL database: each office's tables live in a schema of
its own, ``mailbot_<office id>`` (the connection's ``search_path``), so receipts, the outbox,
``retry`` and every report see only that office's rows without a filter in any query. SQLite
is one office per file. Either way the database remembers which office it belongs to, and a
second office pointed at it by mistake is refused at start.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from mailbot.config import ConfigError

MIGRATIONS = Path(__file__).with_name("migrations")
OFFICE_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class WrongOffice(ConfigError):
    """The database (or schema) already belongs to another office (a configuration mistake: exit 2)."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class Database:
    """One engine and its session factory, for one office."""

    def __init__(self, url: str, office_id: str = "", mail_domain: str = ""):
        if office_id and not OFFICE_ID.match(office_id):
            raise ValueError(f"office id {office_id!r}: use lower-case letters, digits and _ (start with a letter)")
        self.url = url
        self.office_id = office_id
        self.schema: str | None = None
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url)
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            kw: dict = {"pool_pre_ping": True}
            if office_id and url.startswith("postgresql"):
                self.schema = f"mailbot_{office_id}"
                # Set at connection start, before SQLAlchemy or Alembic look at the default schema.
                kw["connect_args"] = {"options": f"-c search_path={self.schema}"}
            self.engine = create_engine(url, **kw)
        # Every session knows its office and the domain of the sending address (for Message-IDs).
        self._factory = sessionmaker(self.engine, expire_on_commit=False,
                                     info={"office_id": office_id, "mail_domain": mail_domain})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self._factory()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any error."""
        with self._factory() as s, s.begin():
            yield s

    def lock_key(self, name: str) -> int:
        """A PostgreSQL advisory-lock key for ``name`` in this office (signed 64-bit)."""
        digest = hashlib.sha256(f"mailbot:{self.schema or 'public'}:{name}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Wait for, and hold for the block, this office's lock ``name``: processes that start at
        once (a daemon and a cron ``poll`` on a new database) take turns creating the tables and
        syncing the units. PostgreSQL: an advisory lock; SQLite: a file lock beside the file."""
        if self.dialect == "postgresql":
            with self.engine.connect() as conn:
                key = self.lock_key(name)
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
            return
        path = self.url.split(":///", 1)[-1]
        if not path or path == ":memory:" or self.dialect != "sqlite":
            yield
            return
        with open(f"{path}.{name}.lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextmanager
    def advisory_lock(self, name: str) -> Iterator[bool]:
        """Try to take a session-level advisory lock (PostgreSQL); yields whether it was taken.

        The lock lives as long as the connection: a process killed with ``kill -9`` drops its
        connection and PostgreSQL releases the lock. On SQLite it yields True (one host only;
        the caller's file lock is the guard there).
        """
        if self.dialect != "postgresql":
            yield True
            return
        with self.engine.connect() as conn:
            # A host that loses power never closes its connection: let the server notice within
            # about a minute (TCP keepalives) and release the lock, not after the default two hours.
            for setting, value in (("tcp_keepalives_idle", 30), ("tcp_keepalives_interval", 10),
                                   ("tcp_keepalives_count", 3)):
                conn.execute(text(f"SET {setting} = {value}"))
            key = self.lock_key(name)
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()

    # -- schema ------------------------------------------------------------------
    def _alembic_config(self, connection: Connection):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = connection
        return cfg

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent), then claim it for this office."""
        from alembic import command

        with self.engine.begin() as conn:
            if self.schema:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            if self.dialect == "postgresql":
                # Two processes starting at once must not both create the tables.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.lock_key("migrate")})
            command.upgrade(self._alembic_config(conn), "head")
            self._claim(conn)

    def _claim(self, conn: Connection) -> None:
        row = conn.execute(text("SELECT office_id FROM office")).first()
        if row is None:
            conn.execute(text("INSERT INTO office (office_id) VALUES (:o)"), {"o": self.office_id})
        elif row[0] != self.office_id:
            where = f"schema {self.schema}" if self.schema else "this database"
            raise WrongOffice(f"{where} belongs to office {row[0] or '(no id)'!r}, not {self.office_id or '(no id)'!r}: "
                              "give each office its own [office] id (PostgreSQL) or its own database file")

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def has_schema(self) -> bool:
        return inspect(self.engine).has_table("messages")
