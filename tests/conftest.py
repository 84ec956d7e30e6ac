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
