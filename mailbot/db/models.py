"""The tables. Schema changes go through migrations (``mailbot/db/migrations``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Timestamps come from the runtime's clock (tests run at any date): ``Database`` fills the
# columns marked here when a row is inserted ("insert") or changed ("update"), see db/session.py.
STAMP_INSERT = {"stamp": "insert"}
STAMP_UPDATE = {"stamp": "update"}


class UtcDateTime(TypeDecorator):
    """Aware datetimes stored as UTC; SQLite forgets the offset, so we put it back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012 - SQLAlchemy's own hook


class Unit(Base):
    """A member unit (成员单位), synced from the config on every start."""

    __tablename__ = "units"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    class_id: Mapped[str] = mapped_column(String(64))
    aliases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Officer(Base):
    """An information officer (信息员): an address that speaks for a unit."""

    __tablename__ = "officers"
    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(200), default="")


class Message(Base):
    """Every raw message seen, once per (mailbox, UIDVALIDITY, key), whatever became of it."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("mailbox", "uidvalidity", "source_key", name="uq_message_source"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    source_key: Mapped[str] = mapped_column(String(500))
    message_id: Mapped[str | None] = mapped_column(String(500), index=True)
    body_hash: Mapped[str] = mapped_column(String(64), index=True)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    raw_path: Mapped[str] = mapped_column(String(1000))
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # processed | quarantined | repeat (the same message seen again under another key)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    traceback: Mapped[str | None] = mapped_column(Text)  # a quarantined message's full traceback (``retry --show``)
    repeat_of: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    # How the text was read: charsets declared and used per part, whether decoding needed repair, defects.
    reading: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)
    attempts: Mapped[int] = mapped_column(Integer, default=1)


class Submission(Base):
    """One item (信息) as recorded: what the office counts, scores and answers."""

    __tablename__ = "submissions"
    # The dedupe stage's look-ups: a unit's items in the near-duplicate window.
    __table_args__ = (Index("ix_submissions_unit_received", "unit_id", "received_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt: Mapped[str] = mapped_column(String(40), unique=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    part: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    unit_via: Mapped[str | None] = mapped_column(String(20))
    sender: Mapped[str] = mapped_column(String(320), default="")
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(40))
    category_confidence: Mapped[float | None] = mapped_column(Float)
    category_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    category_by: Mapped[str | None] = mapped_column(String(320))  # None = classifier; else who corrected
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    # A duplicate that is the unit's 更正 of ``duplicate_of`` (its text replaced the original's).
    correction: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    fingerprint: Mapped[str | None] = mapped_column(Text)
    # Hex digest of the normalized text (the fingerprint's text_digest): exact resends by index.
    text_digest: Mapped[str | None] = mapped_column(String(32), index=True)
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_UPDATE)

    events: Mapped[list[ScoreEvent]] = relationship(back_populates="submission", order_by="ScoreEvent.id")


class ScoreEvent(Base):
    """The score ledger: one row per scoring event; reversals are rows too, never deletes."""

    __tablename__ = "score_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    officer: Mapped[str | None] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(20))  # submit | adopt | instruct | commission | adjust
    level: Mapped[str | None] = mapped_column(String(40))
    sub_kind: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(40))  # the item's category when the event was scored
    points: Mapped[float] = mapped_column(Float)
    occurred: Mapped[date] = mapped_column(Date, index=True)
    publication: Mapped[str | None] = mapped_column(String(200))
    issue_no: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    reverses: Mapped[int | None] = mapped_column(ForeignKey("score_events.id"))
    recorded_by: Mapped[str] = mapped_column(String(320), default="system")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)

    submission: Mapped[Submission | None] = relationship(back_populates="events")


class CategoryCorrection(Base):
    """The office's correction of a category: shown in reports and used in the next retrain."""

    __tablename__ = "category_corrections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    old_category: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40))
    corrected_by: Mapped[str] = mapped_column(String(320))
    corrected_at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)


class StoredAttachment(Base):
    """An attachment's bytes, stored once by content hash."""

    __tablename__ = "attachments"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(1000))


class OutboxMail(Base):
    """A mail to send: a row first, then sent; ``dedupe_key`` keeps it from being queued twice.

    ``message_id`` is fixed when the row is queued, so a copy re-sent after a crash is the same
    mail to its recipient. A sender claims the row (``claimed_at``/``claimed_by``) before it talks
    to the server; a claim older than the stale limit belongs to a sender that died.
    """

    __tablename__ = "outbox"
    # ix_outbox_kind_created: receipts of the last hour (acknowledge.over_sender_limit).
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),
                      Index("ix_outbox_kind_created", "kind", "created_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # receipt | alert | digest | reminder | reply | tally
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    recipients: Mapped[list[Any]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    in_reply_to: Mapped[str | None] = mapped_column(String(500))
    references: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"filename", "path", "content_type"}]
    cc: Mapped[list[Any] | None] = mapped_column(JSON)  # copy recipients (Cc:), e.g. the office on a 零报送 notice
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    message_id: Mapped[str | None] = mapped_column(String(300), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))


class CommandLog(Base):
    """Office commands received by mail, accepted or refused, for the record."""

    __tablename__ = "command_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    sender: Mapped[str] = mapped_column(String(320))
    command: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    accepted: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)


class OfficeRecord(Base):
    """The office this database (PostgreSQL: this schema) belongs to: one row."""

    __tablename__ = "office"
    office_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)


class ReceiptCounter(Base):
    """The last receipt number given out on a local day: taken under a row lock, so never twice."""

    __tablename__ = "receipt_counters"
    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # YYYYMMDD
    last: Mapped[int] = mapped_column(Integer, default=0)


class JobRun(Base):
    """A scheduled job's run for one due time: the unique key lets one process of many run it."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "due", name="uq_job_run"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    due: Mapped[str] = mapped_column(String(40))  # the due time (or period) the run is for
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    runner: Mapped[str] = mapped_column(String(100), default="")
    outcome: Mapped[str | None] = mapped_column(Text)


class MailboxState(Base):
    """A mailbox mailbot reads: when it was switched on, so older mail is back-filled quietly."""

    __tablename__ = "mailboxes"
    mailbox: Mapped[str] = mapped_column(String(500), primary_key=True)
    switched_on_at: Mapped[datetime] = mapped_column(UtcDateTime)
    backfilled: Mapped[int] = mapped_column(Integer, default=0)


class TallyRelease(Base):
    """One step of a quarter's 通报: the draft to the office, a release, a corrected release.

    ``figures`` holds each unit's row as sent, so a later release can say what changed.
    """

    __tablename__ = "tally_releases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(20), index=True)
    step: Mapped[str] = mapped_column(String(20))  # draft | release | hold | unhold
    version: Mapped[int] = mapped_column(Integer, default=0)  # 1 = first release, 2.. = corrections
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    by: Mapped[str] = mapped_column(String(320), default="system")
    at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)
    note: Mapped[str | None] = mapped_column(Text)


class ReminderSent(Base):
    """A 催报 queued to a unit: the policy's memory (interval, escalation)."""

    __tablename__ = "reminders_sent"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(20))  # gentle | zero
    shortfall: Mapped[int] = mapped_column(Integer)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))


class AdoptionNotice(Base):
    """A ledger event (adoption, 批示, 约稿) told to its unit, and in which mail."""

    __tablename__ = "adoption_notices"
    event_id: Mapped[int] = mapped_column(ForeignKey("score_events.id"), primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)


class ItemChange(Base):
    """The office's correction of an item: re-attribution, dismissal (不计), restoration (恢复).

    Who, when and why, the item's status and unit before and after, and the ledger rows the
    change wrote (``events``), so a later change can undo exactly those.
    """

    __tablename__ = "item_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # assign | dismiss | restore
    old_status: Mapped[str | None] = mapped_column(String(20))
    new_status: Mapped[str | None] = mapped_column(String(20))
    old_unit: Mapped[str | None] = mapped_column(String(64))
    new_unit: Mapped[str | None] = mapped_column(String(64))
    old_duplicate_of: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    events: Mapped[list[Any]] = mapped_column(JSON, default=list)
    points: Mapped[float] = mapped_column(Float, default=0)
    by: Mapped[str] = mapped_column(String(320), default="system")
    at: Mapped[datetime] = mapped_column(UtcDateTime, info=STAMP_INSERT)
