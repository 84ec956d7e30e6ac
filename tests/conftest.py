"""Shared fixtures: real Dovecot, SMTP and PostgreSQL servers on loopback (see tests/servers/)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# `pytest` (unlike `python -m pytest`) does not put the checkout on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.shared_corpus import corpus_dir
from tests import dbs
from tests.servers import (
    DovecotServer,
    ImapAccount,
    SmtpServer,
    pg_database,
    postgres_listening,
)


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    """One Dovecot for the whole session; tests get their own user via ``dovecot``."""
    if shutil.which("dovecot") is None and not os.path.exists("/usr/sbin/dovecot"):
        pytest.fail("dovecot is not installed (apt-get install -y dovecot-imapd)")
    server = DovecotServer().start()
    yield server
    server.stop()


@pytest.fixture
def dovecot(dovecot_server: DovecotServer) -> Iterator[ImapAccount]:
    """A fresh, empty mail account (password ``secret``) on the session's Dovecot.

    Helpers: ``append(raw, folder, internaldate)``, ``uids(folder)``, ``flags(uid)``,
    ``uidvalidity()``, ``reset_uidvalidity()``, ``kill_connections()``, ``proxy()``,
    ``session_log()``; ``host``/``port`` (plain IMAP), ``server.tls_port``/``server.ca_file``.
    """
    account = dovecot_server.add_account()
    yield account
    account.close_proxies()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback: ``.messages`` (mail_from, rcpt_tos, content bytes),
    ``.refuse_next(n, reply="451 ...")`` to refuse the next n messages.
    For TLS use ``SmtpServer(tls="starttls"|"implicit").start()`` (CA in ``.ca_file``)."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL of a fresh PostgreSQL database, dropped afterwards."""
    if not postgres_listening():
        pytest.skip("no PostgreSQL listening on 127.0.0.1:5432")
    with pg_database() as url:
        yield url


# Modules of pure logic: they open no database, so they run once, not once per backend.
NO_DATABASE = {
    "test_bulletin_split", "test_classify", "test_reading_corpus", "test_reading_message", "test_reading_noise", "test_reading_quoting",
    "test_reading_robustness", "test_reading_support", "test_render", "test_resubmission", "test_scoring_calendar",
    "test_scoring_ledger", "test_scoring_quotas", "test_scoring_rankings", "test_scoring_schemes", "test_sources_files",
    "test_sources_imap", "test_sources_servers", "test_units",
}
# Modules whose module-scoped fixtures choose the backend themselves (params over dbs.BACKENDS).
OWN_BACKEND = {"test_demo", "test_message_identity"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): cannot run on PostgreSQL; the reason says why")
    config.addinivalue_line("markers", "postgresql_only(reason): about PostgreSQL itself (locks, schemas)")
    config.addinivalue_line("markers", "needs_corpus: reads ../shared/corpus (or $MAILBOT_SHARED/corpus); "
                                       "skipped, saying so, on a machine without it")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Outside this workspace ``../shared`` may be absent: its tests are skipped with the reason."""
    if item.get_closest_marker("needs_corpus") and not corpus_dir().is_dir():
        pytest.skip(f"the shared corpus is not here ({corpus_dir()}; set MAILBOT_SHARED to its folder)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that may touch a database runs on each backend (ids ``[sqlite]``/``[postgresql]``)."""
    if "db_backend" not in metafunc.fixturenames:
        return
    if metafunc.module.__name__.rsplit(".", 1)[-1] in NO_DATABASE | OWN_BACKEND:
        return
    backends = list(dbs.BACKENDS)
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = ["sqlite"]
    if metafunc.definition.get_closest_marker("postgresql_only"):
        backends = ["postgresql"]
    metafunc.parametrize("db_backend", backends, indirect=True, scope="function")


@pytest.fixture(autouse=True)
def db_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The database backend of this run of the test; helpers get URLs from ``tests.dbs.url_for``.

    Every engine the test opened is disposed before its throw-away database is dropped, so no
    pooled connection is left to be collected half-dead."""
    from mailbot.db.session import Database

    name = getattr(request, "param", "sqlite")
    if name == "postgresql" and not postgres_listening():
        pytest.skip("no PostgreSQL listening on 127.0.0.1:5432")
    opened: list[Database] = []
    original_init = Database.__init__

    def tracking_init(self: Database, *args: object, **kw: object) -> None:
        original_init(self, *args, **kw)  # type: ignore[arg-type]
        opened.append(self)

    monkeypatch.setattr(Database, "__init__", tracking_init)
    with dbs.use(name):
        try:
            yield name
        finally:
            for db in opened:
                db.engine.dispose()
