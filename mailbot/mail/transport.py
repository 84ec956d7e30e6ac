"""Transports: a real SMTP server, or ``.eml`` files in a folder (the safe demo default).

A transport either delivers one message or raises: ``ServerUnavailable`` when no usable
session could be opened (refused, silent, TLS or login failure: every queued mail waits, the
pass stops), or an ``smtplib`` error about this message (4xx: try later; 5xx: refused for good).
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
import ssl
import threading
import time
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from mailbot.config import Settings

log = logging.getLogger("mailbot.transport")


class ServerUnavailable(Exception):
    """No usable SMTP session: nothing was handed to the server."""


class Transport(Protocol):
    def send(self, msg: EmailMessage, recipients: list[str], name: str) -> dict[str, tuple[int, bytes]]: ...
    def close(self) -> None: ...


class FileTransport:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, msg: EmailMessage, recipients: list[str], name: str) -> dict[str, tuple[int, bytes]]:
        path = self.folder / f"{name}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(msg))
        tmp.replace(path)
        return {}

    def close(self) -> None:
        pass


class _Watchdog:
    """Cuts the connection when a session runs past its deadline, however the server stalls."""

    def __init__(self, seconds: float):
        self.fired = False
        self._conn: smtplib.SMTP | None = None
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def watch(self, conn: smtplib.SMTP) -> _Watchdog:
        self._conn = conn
        if not self._timer.is_alive():
            self._timer.start()
        return self

    def _fire(self) -> None:
        self.fired = True
        sock = getattr(self._conn, "sock", None)
        if sock is not None:
            # The plain socket call also works under TLS; a blocked recv returns at once.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class SmtpTransport:
    """One connection per pass, opened on first use. Every call has a time-out, and each
    message's whole session (connect, greeting, login, envelope, data) a deadline."""

    def __init__(self, settings: Settings):
        self.s = settings.outgoing
        self.password = settings.secret(self.s.password_env, "outgoing.password_env")
        self._conn: smtplib.SMTP | None = None

    def _connect(self, dog: _Watchdog) -> smtplib.SMTP:
        ctx = ssl.create_default_context()
        conn: smtplib.SMTP
        if self.s.tls:
            conn = smtplib.SMTP_SSL(timeout=self.s.timeout_seconds, context=ctx)
        else:
            conn = smtplib.SMTP(timeout=self.s.timeout_seconds)
        dog.watch(conn)
        try:
            code, greeting = conn.connect(self.s.host, self.s.effective_port)
            if code != 220 or dog.fired:  # a greeting cut short by the deadline is no greeting
                raise smtplib.SMTPConnectError(code, greeting)
            if self.s.starttls and not self.s.tls:
                conn.starttls(context=ctx)
            if self.s.username:
                conn.login(self.s.username, self.password)
        except (smtplib.SMTPException, OSError) as e:
            _close_quietly(conn)
            why = "no answer within the session limit" if dog.fired else f"{type(e).__name__}: {e}"
            raise ServerUnavailable(f"SMTP {self.s.host}:{self.s.effective_port}: {why}") from e
        return conn

    def _usable(self) -> bool:
        if self._conn is None:
            return False
        try:  # a server may drop an idle connection between two mails
            return self._conn.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            _close_quietly(self._conn)
            self._conn = None
            return False

    def send(self, msg: EmailMessage, recipients: list[str], name: str) -> dict[str, tuple[int, bytes]]:
        """Hand one message to the server; returns the recipients it refused (when others were taken)."""
        dog = _Watchdog(self.s.session_timeout_seconds)
        started = time.monotonic()
        try:
            if self._conn is not None:
                dog.watch(self._conn)
                self._usable()
            if self._conn is None:
                self._conn = self._connect(dog)
            conn = self._conn
            dog.watch(conn)
            envelope_from = parseaddr(self.s.from_)[1]
            try:
                return conn.send_message(msg, from_addr=envelope_from, to_addrs=recipients)
            except (smtplib.SMTPServerDisconnected, OSError) as e:
                _close_quietly(conn)
                self._conn = None
                if dog.fired:
                    raise smtplib.SMTPServerDisconnected(
                        f"session cut after {time.monotonic() - started:.0f} s "
                        f"(session_timeout_seconds = {self.s.session_timeout_seconds:g})") from e
                raise
        finally:
            dog.cancel()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                _close_quietly(self._conn)
            self._conn = None


def _close_quietly(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        conn.close()


def make_transport(settings: Settings) -> Transport:
    if settings.outgoing.kind == "file":
        return FileTransport(settings.resolve(settings.outgoing.path))
    return SmtpTransport(settings)
