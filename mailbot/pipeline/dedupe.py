"""Stage: the same item sent again, or a corrected copy, is a ``duplicate``.

A duplicate earns nothing more; a correction (【更正】… or near-identical text) replaces the
stored text of the original so the office works from the latest version.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mailbot import resubmission
from mailbot.db.models import Submission
from mailbot.pipeline.intake import Intake
from mailbot.runtime import Runtime

LOOKBACK = timedelta(days=400)  # exact resends are caught within about an assessment year
MAX_CANDIDATES = 3000


def _candidates(intake: Intake) -> list[resubmission.Candidate]:
    assert intake.mail is not None and intake.received_at is not None
    q = select(Submission).where(Submission.status == "accepted", Submission.fingerprint.is_not(None),
                                 Submission.received_at >= intake.received_at - LOOKBACK)
    if intake.unit_id:
        q = q.where(Submission.unit_id == intake.unit_id)
    else:
        q = q.where(Submission.sender == intake.mail.sender)
    rows = intake.session.scalars(q.order_by(Submission.received_at.desc()).limit(MAX_CANDIDATES))
    out = []
    for row in rows:
        try:
            fp = resubmission.Fingerprint.from_hex(row.fingerprint or "")
        except Exception:  # noqa: BLE001 - an unreadable old fingerprint only loses the back-stop
            continue
        out.append(resubmission.Candidate(row, fp, row.subject, row.received_at))
    return out


def run(rt: Runtime, intake: Intake) -> None:
    assert intake.received_at is not None
    window = timedelta(days=rt.settings.duplicates.window_days)
    candidates: list[resubmission.Candidate] | None = None
    for item in intake.items:
        fp = resubmission.fingerprint(item.subject, item.text)
        item.fingerprint = fp.to_hex()
        if item.status != "accepted":
            continue
        if candidates is None:
            candidates = _candidates(intake)
        found = resubmission.find_original(fp, item.subject, intake.received_at, candidates, window=window)
        if found is None:
            continue
        cand, score, why = found
        original: Submission = cand.key
        item.status, item.duplicate_of = "duplicate", original
        item.correction = resubmission.is_correction(item.subject) or "correction" in why
        item.status_reason = f"{why}: repeats {original.receipt} (similarity {score:.2f})"
