"""The two phases of one message: every stage's ``read`` (no transaction), then every
stage's ``run`` (in the write transaction); and what a message's processing comes to."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32

from mailbot.errors import Ignore, Quarantine
from mailbot.pipeline import record
from mailbot.pipeline.intake import Intake
from mailbot.pipeline.stages import STAGES
from mailbot.runtime import Runtime

log = logging.getLogger("mailbot.pipeline")

FILES = "file:"  # the mailbox names of ``ingest`` (sources/files.py)
MAX_TRACEBACK = 20_000  # characters kept of a quarantined message's traceback


class Outcome:
    NEW = "new"            # recorded now
    KNOWN = "known"        # this source key was done before
    REPEAT = "repeat"      # the same message under another key
    QUARANTINED = "quarantined"


@dataclass
class Result:
    outcome: str
    message_pk: int | None = None
    statuses: list[str] = field(default_factory=list)
    error: str | None = None
    backfilled: bool = False  # recorded quietly: older than the mailbox's switch-on


def header_facts(raw: bytes) -> tuple[str | None, str]:
    """Message-ID and content hash without a full parse (so even unparseable mail gets them).

    The content hash covers the body only: relays add ``Received:`` lines and a CC'd copy
    differs in delivery headers, but the body is the message.
    """
    parts = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(parts[0] + b"\n\n")
        header = str(headers.get("Message-ID", "") or "").strip()
    except Exception:  # noqa: BLE001 - anything odd: no Message-ID
        header = ""
    m = re.search(r"<([^<>\s]+)>", header)
    mid = (m.group(1) if m else header.strip("<> \t")) or None
    body = parts[1] if len(parts) == 2 else raw
    body = body.replace(b"\r\n", b"\n").strip()
    return (mid[:500] if mid else None), hashlib.sha256(body).hexdigest()


def reason_of(exc: BaseException) -> str:
    reason = str(exc) if isinstance(exc, Quarantine) else f"{type(exc).__name__}: {exc}"
    return (reason.splitlines() or [type(exc).__name__])[0][:500]


def read_stages(rt: Runtime, intake: Intake) -> str | None:
    """Every stage's ``read``, outside any transaction; the reason when one says ``Ignore``.

    A message taken as a command or a query (``intake.handled_by``) skips the rest of reading.
    """
    for stage in STAGES:
        read = getattr(stage, "read", None)
        if read is None:
            continue
        log.debug("message %s: read %s", intake.message.message_id, _name(stage))
        try:
            read(rt, intake)
        except Ignore as why:
            return str(why)
        if intake.handled_by:
            break
    return None


def write_stages(rt: Runtime, intake: Intake, ignored: str | None = None) -> list[str]:
    """Every stage's ``run``, in the transaction; an ``Ignore`` records the message as ignored."""
    try:
        if ignored is not None:
            raise Ignore(ignored)
        for stage in STAGES:
            run = getattr(stage, "run", None)
            if run is not None:
                log.debug("message %s: write %s", intake.message.message_id, _name(stage))
                run(rt, intake)
    except Ignore as why:
        intake.submissions = []
        record.ignored(rt, intake, str(why))
        log.info("message %s: ignored: %s", intake.message.message_id, why)
    return [s.status for s in intake.submissions]


def _name(stage: object) -> str:
    return getattr(stage, "__name__", "?").rsplit(".", 1)[-1]
