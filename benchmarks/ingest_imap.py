"""The Dovecot source of ``benchmarks/ingest.py``: a private Dovecot, a fresh account per run.

The server is ``tests/servers/dovecot.py``'s (Maildir storage, plain IMAP on a loopback port,
static password). Delivery writes the N message files straight into the new account's
``Maildir/cur`` (no flags: unread and not done), each file's modification time the message's
arrival (Dovecot's INTERNALDATE for Maildir), named so Dovecot numbers them in arrival order,
owned by the user the mail processes run as; then one IMAP SEARCH through the server makes
Dovecot list and index them. That is delivery, done before the child starts and not measured.
Every run gets its own account, so every measurement starts from an unread, unflagged mailbox.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers.dovecot import DovecotServer, ImapAccount

PASSWORD_ENV = "MAILBOT_BENCH_IMAP_PASSWORD"
# [source] backfill_before for each mode: the generated mail runs from 2026-01-05 for a year.
BACKFILL_BEFORE = {"no-receipts": "2030-01-01",  # all of it before: the back-fill path, no receipts
                   "receipts": "2020-01-01"}     # all of it after: live mail, receipts queued


class Mailboxes:
    """One Dovecot for the whole benchmark run; an account per measurement."""

    def __init__(self) -> None:
        self.server: DovecotServer | None = None

    def start(self) -> DovecotServer:
        if self.server is None:
            self.server = DovecotServer().start()
        return self.server

    def deliver(self, files: list[Path], name: str) -> tuple[ImapAccount, float]:
        """A new account holding ``files`` in its INBOX, listed by Dovecot; and the seconds it took."""
        server = self.start()
        begin = time.perf_counter()
        account = server.add_account(name)
        home = server.root / "home"
        owner = home.stat()  # DovecotServer.start gives home/ to the user mail runs as
        inbox = account.maildir()
        folders = [inbox.parent, inbox, inbox / "cur", inbox / "new", inbox / "tmp"]
        for folder in folders:
            folder.mkdir(exist_ok=True)
            os.chown(folder, owner.st_uid, owner.st_gid)
        for i, path in enumerate(files):
            arrived = path.stat().st_mtime  # build_mail sets it to the message's arrival
            target = inbox / "cur" / f"{int(arrived)}.M{i:06d}P{os.getpid()}.bench:2,"
            shutil.copyfile(path, target)
            os.chown(target, owner.st_uid, owner.st_gid)
            os.utime(target, (arrived, arrived))
        found = len(account.uids())  # SELECT + SEARCH ALL: Dovecot lists and indexes the folder now
        if found != len(files):
            raise SystemExit(f"dovecot lists {found} messages in {name}'s INBOX, {len(files)} were delivered")
        return account, time.perf_counter() - begin

    def remove(self, account: ImapAccount) -> None:
        account.kill_connections()
        shutil.rmtree(account.maildir().parent, ignore_errors=True)  # the home folder

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def source_section(account: ImapAccount, mode: str) -> str:
    """The [source] table of a child's config: this account over plain IMAP on loopback."""
    return (f'[source]\nkind = "imap"\nhost = "{account.host}"\nport = {account.port}\ntls = false\n'
            f'username = "{account.username}"\npassword_env = "{PASSWORD_ENV}"\n'
            f'backfill_before = {BACKFILL_BEFORE[mode]}\n')
