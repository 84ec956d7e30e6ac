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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
    cur.execute("PRAGMA synchronous=FULL")  # every commit on disk; the intake relaxes it (transaction)
    cur.close()


def _sqlite_checkin(dbapi_conn, record) -> None:
    """A connection the intake relaxed goes back to the pool durable again."""
    if record.info.pop("relaxed", False):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()


def wall_clock() -> datetime:
    return datetime.now(UTC)


def _stamp_columns(cls: type) -> list[tuple[str, str]]:
    """(attribute, "create"/"update") of the timestamp columns models.py marks, per class (cached)."""
    found = _STAMPS.get(cls)
    if found is None:
        columns: list[tuple[str, Any]] = list(inspect(cls).columns.items())
        found = _STAMPS[cls] = [(key, column.info["stamp"]) for key, column in columns if column.info.get("stamp")]
    return found


_STAMPS: dict[type, list[tuple[str, str]]] = {}


def _stamp(session: Session, _context: Any, _instances: Any) -> None:
    """Fill the timestamp columns models.py marks, from the session's clock (before each flush)."""
    now = session.info["now"]()
    for obj in session.new:
        for key, _ in _stamp_columns(type(obj)):
            if getattr(obj, key) is None:
                setattr(obj, key, now)
    for obj in session.dirty:
        stamps = [key for key, stamp_kind in _stamp_columns(type(obj)) if stamp_kind == "update"]
        if stamps and session.is_modified(obj):
            for key in stamps:
                setattr(obj, key, now)


class Database:
    """One engine and its session factory, for one office; ``now`` stamps the rows (the runtime's clock)."""

    def __init__(self, url: str, office_id: str = "", mail_domain: str = "",
                 now: Callable[[], datetime] = wall_clock):
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
            event.listen(self.engine, "checkin", _sqlite_checkin)
        else:
            kw: dict = {"pool_pre_ping": True}
            if office_id and url.startswith("postgresql"):
                self.schema = f"mailbot_{office_id}"
                # Set at connection start, before SQLAlchemy or Alembic look at the default schema.
                kw["connect_args"] = {"options": f"-c search_path={self.schema}"}
            self.engine = create_engine(url, **kw)
        # Every session knows its office and the domain of the sending address (for Message-IDs).
        self._info = {"office_id": office_id, "mail_domain": mail_domain, "now": now}
        self._factory = sessionmaker(self.engine, expire_on_commit=False, info=self._info)
        event.listen(self._factory, "before_flush", _stamp)
        self.rehearsing = False
        self._group_engine: Engine | None = None
        self._group_factory: sessionmaker | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self._factory()

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any error.

        ``durable=False`` (the intake's per-message transactions): on SQLite the commit does not
        wait for the disk (WAL with ``synchronous=NORMAL``: it survives the process being killed,
        not a power cut) until ``sync()``, which the poll calls before it flags messages on the
        server. Any other commit on the database (the sender's claim first) syncs it as well.
        See docs/reliability.md.
        """
        with self._factory() as s, s.begin():
            if not durable and self.dialect == "sqlite" and not self.rehearsing:
                conn = s.connection()
                conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                conn.info["relaxed"] = True
            yield s

    def sync(self) -> None:
        """Put every commit so far on disk.

        Commits made with ``transaction(durable=False)`` are durable once this returns. SQLite:
        one synchronous (``FULL``) commit of a one-row write, whose fsync of the write-ahead log
        covers every frame written before it (the log is written in order; frames a checkpoint
        already moved are synced in the database file by that checkpoint). Never by opening the
        files here: closing another descriptor of a database file drops this process's POSIX
        locks on it, and SQLite's with them. A no-op on PostgreSQL, where every commit is durable.
        """
        if self.dialect != "sqlite" or self.rehearsing:
            return
        with self.transaction() as s:
            s.execute(text("UPDATE office SET office_id = office_id"))

    @contextmanager
    def rehearsal(self) -> Iterator[Connection]:
        """Run as usual, then undo: every session opened inside shares one connection whose
        outer transaction is rolled back at the end (their commits become savepoints).

        This is how ``--preview`` shows what a command would send: the command's own code runs
        (records, outbox rows, bookkeeping), the mail is read back, and nothing stays.
        """
        engine = self._rehearsal_engine()
        saved = self._factory
        try:
            with engine.connect() as conn:
                outer = conn.begin()
                self._factory = sessionmaker(bind=conn, join_transaction_mode="create_savepoint",
                                             expire_on_commit=False, info=self._info)
                event.listen(self._factory, "before_flush", _stamp)
                self.rehearsing = True
                try:
                    yield conn
                finally:
                    self._factory, self.rehearsing = saved, False
                    outer.rollback()
        finally:
            if engine is not self.engine:
                engine.dispose()

    def _rehearsal_engine(self) -> Engine:
        """PostgreSQL: the usual engine. SQLite: one whose driver leaves BEGIN and SAVEPOINT to
        SQLAlchemy (the documented pysqlite recipe), or releasing the first savepoint would commit."""
        if self.dialect != "sqlite":
            return self.engine
        return self._savepoint_engine("BEGIN")

    def _savepoint_engine(self, begin_sql: str) -> Engine:
        """A SQLite engine on the same file whose transactions SQLAlchemy begins itself
        (``begin_sql``), so that SAVEPOINTs nest inside them."""
        engine = create_engine(self.url)
        event.listen(engine, "connect", _sqlite_pragmas)

        def no_driver_transactions(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None

        def begin(conn: Connection) -> None:
            conn.exec_driver_sql(begin_sql)

        event.listen(engine, "connect", no_driver_transactions)
        event.listen(engine, "begin", begin)
        return engine

    @contextmanager
    def group(self) -> Iterator[Session]:
        """One transaction for a group of messages (the intake's group commit), each written in
        a savepoint of its own (``session.begin_nested()``): a message that fails rolls back its
        savepoint alone, and the group commits once, durably (SQLite ``synchronous=FULL``: one
        fsync of the log for the group). The caller flags the group's messages at the source only
        after this returns. On SQLite the transaction is ``BEGIN IMMEDIATE`` on a connection of its
        own engine (whose driver leaves BEGIN and SAVEPOINT to SQLAlchemy): the write lock is taken
        at the start, so the group never fails half-way for a lock another writer took meanwhile;
        it holds the lock only while it writes (the messages were read before)."""
        if self.dialect != "sqlite" or self.rehearsing:
            with self.transaction() as s:
                yield s
            return
        if self._group_factory is None:
            self._group_engine = self._savepoint_engine("BEGIN IMMEDIATE")
            self._group_factory = sessionmaker(self._group_engine, expire_on_commit=False, info=self._info)
            event.listen(self._group_factory, "before_flush", _stamp)
        with self._group_factory() as s, s.begin():
            yield s

    def dispose(self) -> None:
        """Close every pooled connection (the end of a run)."""
        if self._group_engine is not None:
            self._group_engine.dispose()
        self.engine.dispose()

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
        """Bring the schema to the newest migration (idempotent), then claim it for this office.

        Alembic (and the Mako and Pygments it loads: half a second) is imported only when the
        stored revision is not the newest one, so everyday commands start fast.
        """
        with self.engine.begin() as conn:
            if self.schema:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            if self.dialect == "postgresql":
                # Two processes starting at once must not both create the tables.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.lock_key("migrate")})
            head = head_revision()
            if head is None or _stored_revision(conn) != head:
                from alembic import command

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


_REVISION = re.compile(r"""^revision\s*=\s*['"]([^'"]+)['"]""", re.M)
_DOWN_REVISION = re.compile(r"""^down_revision\s*=\s*['"]([^'"]+)['"]""", re.M)


def head_revision() -> str | None:
    """The newest migration, read from the version files' ``revision`` lines; None when unclear."""
    revisions, downs = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if m := _REVISION.search(source):
            revisions.add(m.group(1))
        downs.update(_DOWN_REVISION.findall(source))
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None
