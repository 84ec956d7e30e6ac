"""Real servers for tests: Dovecot IMAP, a cutting TCP proxy, an SMTP server, PostgreSQL.

Needs only ``apt-get install -y dovecot-imapd`` (which brings ``openssl``) and the pip test
extras. Dovecot runs from a throw-away config on free loopback ports, so a system Dovecot
on port 143 does not matter. Works as root (login processes run as ``dovenull``, mail as
``nobody``) and as an ordinary user (everything runs as that user).
"""

from __future__ import annotations

from .dovecot import PASSWORD, CuttingProxy, DovecotServer, ImapAccount
from .net import HOST, free_port, make_self_signed_cert, wait_for_port
from .postgres import PG_HOST, PG_PORT, pg_database, postgres_listening
from .smtp import ReceivedMail, SmtpServer, StallingServer

__all__ = [
    "HOST", "PASSWORD", "PG_HOST", "PG_PORT",
    "CuttingProxy", "DovecotServer", "ImapAccount", "ReceivedMail", "SmtpServer", "StallingServer",
    "free_port", "make_self_signed_cert", "pg_database", "postgres_listening", "wait_for_port",
]
