"""An aiosmtpd SMTP server on loopback that keeps what it receives."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .net import HOST, free_port, make_self_signed_cert


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class SmtpServer:
    """An aiosmtpd server on loopback that keeps what it receives in ``messages``.

    ``tls``: None (plain), ``"starttls"`` (offers STARTTLS) or ``"implicit"`` (SMTPS);
    the self-signed certificate to trust is ``ca_file``.
    """

    tls: str | None = None
    host: str = HOST
    port: int = 0
    messages: list[ReceivedMail] = field(default_factory=list)
    refused: int = 0
    ca_file: Path | None = None
    delay: float = 0.0  # seconds to wait before answering DATA (a slow server)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address -> reply, e.g. "550 5.1.1 no such user"
    _refuse: list[str] = field(default_factory=list)
    _controller: object = None
    _tmp: str | None = None

    def refuse_next(self, count: int = 1,
                    reply: str = "451 4.3.0 Temporary failure, please try again later") -> None:
        """Answer the next *count* messages' DATA with *reply* (4xx or 5xx) instead."""
        self._refuse.extend([reply] * count)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # aiosmtpd hook
        if address.lower() in self.refuse_rcpt:
            return self.refuse_rcpt[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd hook
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        if self._refuse:
            self.refused += 1
            return self._refuse.pop(0)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), content))
        return "250 2.0.0 OK"

    def start(self) -> SmtpServer:
        import ssl

        from aiosmtpd.controller import Controller

        self.port = free_port()
        kwargs: dict[str, object] = {}
        if self.tls:
            self._tmp = tempfile.mkdtemp(prefix="mailbot-smtp-")
            self.ca_file, key = Path(self._tmp) / "cert.pem", Path(self._tmp) / "key.pem"
            make_self_signed_cert(self.ca_file, key)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.ca_file, key)
            if self.tls == "starttls":
                kwargs["tls_context"] = context
            elif self.tls == "implicit":
                kwargs["ssl_context"] = context
            else:
                raise ValueError(f"tls must be None, 'starttls' or 'implicit', not {self.tls!r}")
        self._controller = Controller(self, hostname=self.host, port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)


class StallingServer:
    """A TCP server on loopback that accepts connections and never answers (``trickle``: sends
    the greeting one byte at a time, forever), counting the connections it was offered."""

    def __init__(self, trickle: float | None = None):
        import socket
        import threading

        self.trickle = trickle
        self.connections = 0
        self._sock = socket.socket()
        self._sock.bind((HOST, 0))
        self._sock.listen(16)
        self.host, self.port = HOST, self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._held: list = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import threading

        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            self._held.append(conn)
            if self.trickle:
                threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn) -> None:
        # A bounded drip (a few minutes at most), so a broken client cannot hang the test run.
        for _ in range(int(300 / self.trickle)):
            if self._stop.wait(self.trickle):
                return
            try:
                conn.sendall(b"2")
            except OSError:
                return

    def stop(self) -> None:
        self._stop.set()
        for c in self._held:
            c.close()
        self._sock.close()
