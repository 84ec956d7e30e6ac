"""Throw-away PostgreSQL databases on the server at 127.0.0.1:5432."""

from __future__ import annotations

import contextlib
import secrets
import socket
from collections.abc import Iterator

PG_HOST, PG_PORT = "127.0.0.1", 5432


def postgres_listening() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def pg_database(user: str = "postgres", maintenance_db: str = "postgres") -> Iterator[str]:
    """A fresh, empty database; yields its SQLAlchemy URL and drops it afterwards."""
    import psycopg

    name = f"mailbot_test_{secrets.token_hex(6)}"
    admin = f"host={PG_HOST} port={PG_PORT} user={user} dbname={maintenance_db}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
