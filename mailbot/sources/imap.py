"""The IMAP source: new messages of one folder, by UID, with reconnects.

The caller owns the record of what is done (its database): ``fetch_new`` asks it per UID
before downloading anything, and ``mark_done`` is only a courtesy to the mailbox's users
(flag or move), called after the caller's commit.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from mailbot import __version__
from mailbot.errors import MailbotError
from mailbot.sources.base import SourceMessage
from mailbot.sources.imap_batches import batches, chunks

log = logging.getLogger(__name__)

DONE_KEYWORD = "$MailbotDone"

# One poll of a mailbox at a time in this process (two would hand out the same UIDs); keyed by
# mailbox, so polls of other mailboxes are never held up. dict.setdefault is atomic in CPython.
_POLL_LOCKS: dict[str, threading.Lock] = {}

# Errors after which a new connection may succeed: the network, the server hanging up.
_TRANSIENT = (OSError, imaplib.IMAP4.abort, EOFError)


class _Dead(Exception):
    """The connection in hand was closed or replaced (imaplib: "… illegal in state LOGOUT")."""


def _is_dead(exc: BaseException) -> bool:
    return "illegal in state" in str(exc)


class SourceError(MailbotError):
    """The source cannot be read (bad login, unknown folder, server gone): one clear line."""


class ImapSource:
    """New messages of one IMAP folder.

    TLS with certificate checks by default (``ssl_context`` to trust a private CA);
    ``tls=False`` only for loopback or test servers. Every network call has ``timeout``.
    Lost connections are re-opened with exponential back-off, at most ``max_attempts``
    times in a row; ``sleep`` is injectable so tests do not wait.
    """

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        folder: str = "INBOX",
        tls: bool = True,
        processed_folder: str | None = None,
        timeout: float = 30.0,
        batch_size: int = 50,
        batch_bytes: int = 16 * 1024 * 1024,
        ssl_context: ssl.SSLContext | None = None,
        client_id: dict[str, str] | None = None,
        max_attempts: int = 5,
        backoff: float = 2.0,
        max_backoff: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        mark_seen: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.folder = folder
        self.tls = tls
        self.processed_folder = processed_folder
        self.timeout = timeout
        self.batch_size = max(1, batch_size)
        self.batch_bytes = max(1, batch_bytes)  # bodies per FETCH are capped by size too (RFC822.SIZE)
        self.largest_fetch = 0  # most body bytes one FETCH brought, for logs and tests
        self._marks_paused = False  # the server stayed away while marking: the next poll catches up
        self.ssl_context = ssl_context
        self.client_id = client_id or {"name": "mailbot", "version": __version__}
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self.mark_seen = mark_seen  # False: the clerk's unread markers are left alone
        self.pending = 0  # messages of the current pass still to be downloaded (for progress)
        self.mailbox = f"imap:{username}@{host}/{folder}"
        self._client: IMAPClient | None = None
        self._uidvalidity = 0
        self._keywords_allowed = False
        self._processed_ready = False
        self.reconnects = 0  # connections opened after a failure, for logs and tests

    # ------------------------------------------------------------ connection

    def _open(self) -> IMAPClient:
        """Connect, log in, send ID, select the folder. Raises SourceError for hard failures."""
        where = f"{self.host}:{self.port}"
        context = self.ssl_context or (ssl.create_default_context() if self.tls else None)
        try:
            client = IMAPClient(self.host, port=self.port, ssl=self.tls, ssl_context=context,
                                timeout=self.timeout)
        except ssl.SSLCertVerificationError as exc:
            raise SourceError(f"IMAP {where}: TLS certificate not trusted: "
                              f"{exc.verify_message}") from exc
        client.normalise_times = False  # keep INTERNALDATE's own offset
        try:
            client.login(self.username, self._password)
            # RFC 2971 ID: NetEase (163/126) refuses SELECT ("Unsafe Login") without it.
            if client.has_capability("ID"):
                client.id_(self.client_id)
            selected = client.select_folder(self.folder, readonly=False)
        except LoginError as exc:
            _logout(client)
            raise SourceError(f"IMAP {where}: login refused for {self.username}: "
                              f"{_text(exc)}") from exc
        except imaplib.IMAP4.abort:
            _logout(client)
            raise
        except IMAPClientError as exc:
            _logout(client)
            raise SourceError(f"IMAP {where}: cannot open folder {self.folder!r}: "
                              f"{_text(exc)}") from exc
        self._uidvalidity = int(selected[b"UIDVALIDITY"])
        self._keywords_allowed = b"\\*" in selected.get(b"PERMANENTFLAGS", ())
        return client

    def _connect(self) -> IMAPClient:
        """Open a connection, retrying transient failures with back-off."""
        for attempt in range(self.max_attempts):
            try:
                self._client = self._open()
                return self._client
            except _TRANSIENT as exc:
                if attempt + 1 == self.max_attempts:
                    raise SourceError(
                        f"IMAP {self.host}:{self.port}: cannot connect after "
                        f"{self.max_attempts} attempts: {_text(exc)}") from exc
                delay = self._delay(attempt)
                log.warning("imap connect to %s:%s failed (%s); retrying in %.0fs",
                            self.host, self.port, _text(exc), delay)
                self._sleep(delay)
        raise AssertionError("unreachable")

    def _delay(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * 2 ** attempt)

    def _selected(self) -> IMAPClient:
        """The live connection with the folder freshly selected (new mail, UIDVALIDITY)."""
        if self._client is None:
            return self._connect()
        selected = self._client.select_folder(self.folder, readonly=False)
        self._uidvalidity = int(selected[b"UIDVALIDITY"])
        return self._client

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _logout(client)

    # ------------------------------------------------------------ reading

    def fetch_new(self, is_done: Callable[[SourceMessage], bool]) -> Iterator[SourceMessage]:
        """Yield the folder's messages the caller has not done yet, oldest UID first.

        ``is_done`` gets a SourceMessage with ``raw=b""`` (mailbox, key, uidvalidity, uid
        set) and answers whether that message is already recorded; only the bodies of the
        others are downloaded (``BODY.PEEK[]``, so \\Seen is not set). ``arrived_at`` is the
        INTERNALDATE, timezone-aware. The caller should record each message before asking
        for the next: if the connection drops mid-batch, this reconnects, asks ``is_done``
        again and carries on; a UID is never yielded twice in one call. After a UIDVALIDITY
        change every message comes again under the new UIDVALIDITY. Messages the caller
        has done but that lack the done mark (a crash between commit and ``mark_done``)
        are marked on the way.
        Raises SourceError when the server stays unreachable or refuses login or folder.
        """
        lock = _POLL_LOCKS.setdefault(self.mailbox, threading.Lock())
        if not lock.acquire(blocking=False):
            raise SourceError(f"another poll of {self.mailbox} is already running in this process")
        try:
            yielded: set[tuple[int, int]] = set()
            failures = 0
            while True:
                before = len(yielded)
                try:
                    yield from self._fetch_pass(is_done, yielded)
                    return
                except _Dead:
                    continue  # marking re-opened the connection: carry on with the new one
                except _TRANSIENT as exc:
                    self._drop()
                    failures = 1 if len(yielded) > before else failures + 1
                    if failures >= self.max_attempts:
                        raise SourceError(f"IMAP {self.host}:{self.port}: connection keeps "
                                          f"failing: {_text(exc)}") from exc
                    self.reconnects += 1
                    delay = self._delay(failures - 1)
                    log.warning("imap connection lost during poll (%s); reconnecting in %.0fs",
                                _text(exc), delay)
                    self._sleep(delay)
                except IMAPClientError as exc:  # a NO/BAD answer: retrying will not help
                    self._drop()
                    if _is_dead(exc):  # the connection died under us: reconnect as for a network error
                        failures += 1
                        if failures >= self.max_attempts:
                            raise SourceError(f"IMAP {self.host}:{self.port}: connection keeps "
                                              f"failing: {_text(exc)}") from exc
                        self.reconnects += 1
                        continue
                    raise SourceError(f"IMAP {self.mailbox}: {_text(exc)}") from exc
        finally:
            lock.release()

    def _fetch_pass(self, is_done: Callable[[SourceMessage], bool],
                    yielded: set[tuple[int, int]]) -> Iterator[SourceMessage]:
        client = self._selected()
        uidvalidity = self._uidvalidity
        todo: list[int] = []
        done: list[int] = []
        for uid in sorted(client.search("ALL")):
            if (uidvalidity, uid) in yielded:
                continue
            (done if is_done(self._message(uidvalidity, uid)) else todo).append(uid)
        self._catch_up(client, uidvalidity, done)
        self.pending = len(todo)
        self._marks_paused = False
        sizes = self._sizes(client, todo)
        for batch in batches(todo, sizes, self.batch_size, self.batch_bytes):
            if id(self._client) != id(client):  # (id: keeps mypy from narrowing client to Optional)
                raise _Dead("the connection was re-opened while marking")
            fetched = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            self.largest_fetch = max(self.largest_fetch, sum(len(d.get(b"BODY[]") or b"") for d in fetched.values()))
            for uid in batch:
                data = fetched.get(uid)
                if data is None or b"BODY[]" not in data:
                    continue  # expunged meanwhile
                yielded.add((uidvalidity, uid))
                self.pending -= 1
                yield self._message(uidvalidity, uid, bytes(data[b"BODY[]"]),
                                    _aware(data.get(b"INTERNALDATE")))

    def _sizes(self, client: IMAPClient, uids: list[int]) -> dict[int, int]:
        """RFC822.SIZE of each UID (a small FETCH), so bodies can be fetched in capped batches."""
        sizes: dict[int, int] = {}
        for chunk in chunks(uids, 500):
            for uid, data in client.fetch(chunk, ["RFC822.SIZE"]).items():
                sizes[uid] = int(data.get(b"RFC822.SIZE") or 0)
        return sizes

    def _catch_up(self, client: IMAPClient, uidvalidity: int, done: list[int]) -> None:
        """Mark messages recorded earlier but never marked (a crash between commit and flag)."""
        if not done:
            return
        if not self.processed_folder:
            if not self._keywords_allowed:
                return
            unmarked = set(client.search(["NOT", "KEYWORD", DONE_KEYWORD]))
            done = [uid for uid in done if uid in unmarked]
        for chunk in chunks(done, 500):
            self.mark_done_many([self._message(uidvalidity, uid) for uid in chunk])

    def _message(self, uidvalidity: int, uid: int, raw: bytes = b"",
                 arrived_at: datetime | None = None) -> SourceMessage:
        return SourceMessage(self.mailbox, str(uid), raw, arrived_at, uidvalidity, uid)

    # ------------------------------------------------------------ after success

    def mark_done(self, msg: SourceMessage) -> bool:
        """Flag ($MailbotDone, and \\Seen only with ``mark_seen``) or move; only after your commit.

        Failures are logged and return False: the caller's database is the record.
        """
        return self.mark_done_many([msg])

    def mark_done_many(self, messages: list[SourceMessage]) -> bool:
        """``mark_done`` for a group of messages at once: one STORE (or MOVE) for their UIDs. A
        flag per message costs a command each, and more on a big Maildir folder."""
        if self._marks_paused or not messages:
            return False
        for attempt in range(2):  # a dead idle connection gets one fresh try, without back-off
            try:
                client = self._client or self._reopen()
                stale = [m.uid for m in messages if m.uidvalidity != self._uidvalidity]
                if stale:
                    log.warning("imap %s: UIDVALIDITY changed, not marking uid %s",
                                self.mailbox, ", ".join(map(str, stale)))
                uids = [m.uid for m in messages if m.uidvalidity == self._uidvalidity]
                if not uids:
                    return False
                if self.processed_folder:
                    self._move(client, uids)
                else:
                    flags: list[str | bytes] = [b"\\Seen"] if self.mark_seen else []
                    if self._keywords_allowed:
                        flags.append(DONE_KEYWORD)
                    if flags:
                        client.add_flags(uids, flags)
                return not stale
            except _TRANSIENT as exc:
                self._drop()
                if attempt == 0:
                    continue
                error: Exception = exc
            except IMAPClientError as exc:
                self._drop()
                if _is_dead(exc) and attempt == 0:
                    continue
                error = exc
            except SourceError as exc:
                error = exc
            break
        # Marking is a courtesy: give up for this poll rather than wait per message; the next
        # poll marks what is recorded but unmarked (``_catch_up``).
        self._marks_paused = self._client is None
        log.warning("imap %s: could not mark uid %s done: %s", self.mailbox,
                    ", ".join(str(m.uid) for m in messages), _text(error))
        return False

    def _reopen(self) -> IMAPClient:
        """One new connection at once (no back-off): used between messages."""
        self.reconnects += 1
        self._client = self._open()
        return self._client

    def _move(self, client: IMAPClient, uids: list[int]) -> None:
        target = self.processed_folder
        assert target is not None
        if not self._processed_ready:
            if not client.folder_exists(target):
                client.create_folder(target)
                client.subscribe_folder(target)
            self._processed_ready = True
        if client.has_capability("MOVE"):
            client.move(uids, target)
            return
        client.copy(uids, target)
        client.add_flags(uids, [b"\\Deleted"])
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)  # only ours, not what a clerk marked deleted
        else:
            client.expunge()

    # ------------------------------------------------------------ lifetime

    def close(self) -> None:
        self._drop()

    def __enter__(self) -> ImapSource:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _text(exc: BaseException) -> str:
    """One line from an imaplib/imapclient error (they often carry bytes)."""
    arg = exc.args[0] if exc.args else exc
    if isinstance(arg, bytes):
        arg = arg.decode("utf-8", "replace")
    text = str(arg) or type(exc).__name__
    return " ".join(text.split())


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except (TimeoutError, IMAPClientError, OSError):
        with contextlib.suppress(IMAPClientError, OSError):
            client.shutdown()
