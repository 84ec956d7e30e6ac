"""Mails as they would go out, built but not sent: ``--preview DIR`` and the samples.

Two ways in. ``rehearse(rt, DIR)`` wraps any command that sends mail: the command runs as
usual inside ``Database.rehearsal`` (records, outbox rows, its bookkeeping), the mail it
queued is written out, and then all of it is rolled back, so the preview is exactly what the
command would send and nothing is recorded or sent. A report that builds ``Outgoing`` mails
without queueing them (the 通报) can also write them with ``write_preview``.

Each mail becomes ``NN-kind-name.eml`` (what would be sent), ``.html`` (its HTML part, to open
in a browser) and its attachments (the ``.xlsx``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailbot.mail.render import Rendered


@dataclass
class Outgoing:
    """One mail a report would queue: what the outbox needs, nothing sent yet."""

    kind: str
    key: str
    recipients: list[str]
    mail: Rendered
    attachments: list[dict[str, Any]] = field(default_factory=list)
    name: str = ""  # a short file name for previews, e.g. the unit id


def queue_all(rt, mails: list[Outgoing]) -> int:
    """Queue each mail (its dedupe key keeps a second run from queueing it again); how many were new."""
    from mailbot.mail import outbox

    n = 0
    with rt.db.transaction() as s:
        for m in mails:
            if outbox.queue(s, kind=m.kind, key=m.key, recipients=m.recipients, mail=m.mail,
                            attachments=m.attachments, now=rt.clock.now()):
                n += 1
    return n


def _safe(name: str) -> str:
    return re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", name).strip("_") or "mail"


def write_preview(rt, mails: list[Outgoing], folder: Path) -> list[Path]:
    """Write each mail as ``NN-kind-name.eml`` and ``.html``, and copy its attachments; send nothing."""
    from mailbot.db.models import OutboxMail

    now = rt.clock.now()
    rows = [(OutboxMail(id=i, kind=m.kind, dedupe_key=m.key, recipients=m.recipients, subject=m.mail.subject,
                        body_text=m.mail.text, body_html=m.mail.html, attachments=m.attachments,
                        created_at=now, next_attempt_at=now, attempts=0, failed=False), m.name)
            for i, m in enumerate(mails, start=1)]
    return write_rows(rt, rows, folder)


def write_rows(rt, rows: list[tuple[Any, str]], folder: Path) -> list[Path]:
    """Write outbox rows (each with a short name for its file) as they would be sent."""
    from mailbot.mail.compose import compose

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for i, (row, name) in enumerate(rows, start=1):
        stem = f"{i:02d}-{_safe(row.kind)}" + (f"-{_safe(name)}" if name else "")
        msg = compose(row, rt.settings.outgoing.from_, rt.settings.tz)
        eml = folder / f"{stem}.eml"
        eml.write_bytes(bytes(msg))
        written.append(eml)
        if row.body_html:
            html = folder / f"{stem}.html"
            html.write_text(row.body_html, encoding="utf-8")
            written.append(html)
        for a in row.attachments or []:
            target = folder / f"{stem}-{a['filename']}"
            shutil.copyfile(a["path"], target)
            written.append(target)
    return written


@dataclass
class Rehearsal:
    """What a rehearsed command would have sent: filled in when the ``rehearse`` block ends."""

    folder: Path
    mails: int = 0
    paths: list[Path] = field(default_factory=list)

    def line(self) -> str:
        if not self.mails:
            return f"预览：没有要发送的邮件（未写入 {self.folder}，未发送，未记录）"
        return f"预览：{self.mails} 封邮件（{len(self.paths)} 个文件）写入 {self.folder}（未发送，未记录）"


@contextmanager
def rehearse(rt, folder: Path) -> Iterator[Rehearsal]:
    """Run the block as usual, write the mail it queued into ``folder``, then undo everything.

    Nothing is sent either way: ``outbox.flush`` does nothing while the database rehearses.
    """
    from sqlalchemy import func, select

    from mailbot.db.models import OutboxMail

    result = Rehearsal(folder)
    with rt.db.rehearsal():
        with rt.db.session() as s:
            last = s.scalar(select(func.max(OutboxMail.id))) or 0
        yield result
        with rt.db.session() as s:
            rows = list(s.scalars(select(OutboxMail).where(OutboxMail.id > last).order_by(OutboxMail.id)))
            named = [(r, _name_of(r)) for r in rows]
            result.mails = len(rows)
            result.paths = write_rows(rt, named, folder) if rows else []


def _name_of(row) -> str:
    """A short file name: the part of the dedupe key after its kind (``receipt:20260203-0001``)."""
    key = row.dedupe_key or ""
    return key.split(":", 1)[1] if ":" in key else key
