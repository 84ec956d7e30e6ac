"""Transports: a real SMTP server, or ``.eml`` files in a folder (the safe demo default)."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from mailbot.config import Settings


class Transport(Protocol):
    def send(self, msg: EmailMessage, recipients: list[str], name: str) -> None: ...
    def close(self) -> None: ...


class FileTransport:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, msg: EmailMessage, recipients: list[str], name: str) -> None:
        path = self.folder / f"{name}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(msg))
        tmp.replace(path)

    def close(self) -> None:
        pass


class SmtpTransport:
    """One connection per flush, opened on first use; every call has a time-out."""

    def __init__(self, settings: Settings):
        self.s = settings.outgoing
        self.password = settings.secret(self.s.password_env, "outgoing.password_env")
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        ctx = ssl.create_default_context()
        if self.s.tls:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.s.host, self.s.effective_port, timeout=self.s.timeout_seconds,
                                                  context=ctx)
        else:
            conn = smtplib.SMTP(self.s.host, self.s.effective_port, timeout=self.s.timeout_seconds)
            if self.s.starttls:
                conn.starttls(context=ctx)
        if self.s.username:
            conn.login(self.s.username, self.password)
        return conn

    def send(self, msg: EmailMessage, recipients: list[str], name: str) -> None:
        if self._conn is None:
            self._conn = self._connect()
        envelope_from = parseaddr(self.s.from_)[1]
        try:
            self._conn.send_message(msg, from_addr=envelope_from, to_addrs=recipients)
        except smtplib.SMTPServerDisconnected:
            self._conn = None
            raise

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._conn.quit()
            self._conn = None


def make_transport(settings: Settings) -> Transport:
    if settings.outgoing.kind == "file":
        return FileTransport(settings.resolve(settings.outgoing.path))
    return SmtpTransport(settings)
