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
    _refuse: list[str] = field(default_factory=list)
    _controller: object = None
    _tmp: str | None = None

    def refuse_next(self, count: int = 1,
                    reply: str = "451 4.3.0 Temporary failure, please try again later") -> None:
        """Answer the next *count* messages' DATA with *reply* (4xx or 5xx) instead."""
        self._refuse.extend([reply] * count)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd hook
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
