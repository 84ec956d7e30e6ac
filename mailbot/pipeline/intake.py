"""What the stages pass along for one message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from mailbot.db.models import Message, Submission
from mailbot.sources.base import SourceMessage
from mailbot.text import Segmented, segment

if TYPE_CHECKING:
    from mailbot.pipeline.prepare import Prepared
    from mailbot.reading import ReadMail


@dataclass
class Item:
    """One item found in a message: the body, or one attachment when the body is a cover note."""

    part: int
    subject: str
    text: str
    attachments: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    category: str | None = None
    confidence: float | None = None
    reasons: list[str] = field(default_factory=list)
    status: str = "accepted"
    status_reason: str | None = None
    duplicate_of: Submission | None = None
    correction: bool = False
    fingerprint: str | None = None
    prepared: bool = False  # category and fingerprint worked out ahead (``pipeline.prepare``)
    _segmented: Segmented | None = field(default=None, repr=False, compare=False)

    def segmented(self) -> Segmented:
        """The text's comparable form and jieba words, segmented once and shared by the
        classify and dedupe stages."""
        if self._segmented is None:
            self._segmented = segment(self.text)
        return self._segmented


@dataclass
class Intake:
    """The message in hand, filled in stage by stage: ``read`` phase first, then ``run`` in one transaction."""

    source: SourceMessage
    message: Message
    session: Session = None  # type: ignore[assignment]  # set for the write phase (stages' ``run``) only
    mail: ReadMail | None = None
    received_at: datetime | None = None
    unit_id: str | None = None
    unit_via: str | None = None
    items: list[Item] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    # "command" (an office command) or "query" (a unit's 查询): answered in the write phase, not a submission
    handled_by: str | None = None
    stored: list[Any] = field(default_factory=list)
    answer: Any = None  # what a query is answered with, worked out in the read phase  # StoredAttachment rows to add in the write phase
    # Mail received before this moment is back-filled: recorded and scored, never answered.
    backfill_before: datetime | None = None
    prepared: Prepared | None = None  # read ahead by the worker process (``pipeline.prepare``)

    @property
    def backfill(self) -> bool:
        """Old mail found when a mailbox is switched on: no receipt, alert or reply for it."""
        return (self.backfill_before is not None and self.received_at is not None
                and self.received_at < self.backfill_before)
