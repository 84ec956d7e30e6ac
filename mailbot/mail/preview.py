"""Mails as they would go out, built but not queued: for ``--preview DIR`` and the samples.

A report builds a list of ``Outgoing`` mails; the command either queues them in the outbox
or, with ``--preview DIR``, writes each as ``.eml`` (exactly what would be sent), ``.html``
(its HTML part, to open in a browser) and its attachments (the ``.xlsx``), and sends nothing.
"""

from __future__ import annotations

import re
import shutil
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
    from mailbot.mail.compose import compose

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    now = rt.clock.now()
    for i, m in enumerate(mails, start=1):
        stem = f"{i:02d}-{_safe(m.kind)}" + (f"-{_safe(m.name)}" if m.name else "")
        row = OutboxMail(id=i, kind=m.kind, dedupe_key=m.key, recipients=m.recipients, subject=m.mail.subject,
                         body_text=m.mail.text, body_html=m.mail.html, attachments=m.attachments,
                         created_at=now, next_attempt_at=now, attempts=0, failed=False)
        msg = compose(row, rt.settings.outgoing.from_, rt.settings.tz)
        eml = folder / f"{stem}.eml"
        eml.write_bytes(bytes(msg))
        written.append(eml)
        if m.mail.html:
            html = folder / f"{stem}.html"
            html.write_text(m.mail.html, encoding="utf-8")
            written.append(html)
        for a in m.attachments:
            target = folder / f"{stem}-{a['filename']}"
            shutil.copyfile(a["path"], target)
            written.append(target)
    return written
