"""What every source yields: one raw message and where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SourceMessage:
    """One raw message as a source hands it over.

    ``mailbox`` names the source (``imap:user@host/INBOX``, ``maildir:/path``, ``file``);
    ``uidvalidity``/``uid`` are set for IMAP (0 elsewhere); ``key`` is unique within the
    mailbox (the UID as text for IMAP, the file name for maildir).
    """

    mailbox: str
    key: str
    raw: bytes
    arrived_at: datetime | None = None
    uidvalidity: int = 0
    uid: int = 0
