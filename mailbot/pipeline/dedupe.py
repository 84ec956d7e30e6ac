"""Stage: the same item sent again, or a corrected copy, is a ``duplicate``.

The resend of an item the office dismissed (不计) is ``dismissed`` too: not counted, not answered.

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
PARSED_CACHE = 50_000  # parsed fingerprints kept per run (the runtime's cache)


def _fingerprint(parsed: dict, sub_id: int, hex_text: str) -> resubmission.Fingerprint | None:
    key = (sub_id, hex_text[:64])
    fp = parsed.get(key)
    if fp is None:
        try:
            fp = resubmission.Fingerprint.from_hex(hex_text)
        except Exception:  # noqa: BLE001 - an unreadable old fingerprint only loses the back-stop
            return None
        if len(parsed) > PARSED_CACHE:
            parsed.clear()
        parsed[key] = fp
    return fp


def _candidates(rt: Runtime, intake: Intake) -> list[resubmission.Candidate]:
    """Earlier accepted (or dismissed) items of the same unit (or sender): only the columns the rule needs."""
    assert intake.mail is not None and intake.received_at is not None
    q = select(Submission.id, Submission.subject, Submission.received_at, Submission.fingerprint).where(
        Submission.status.in_(("accepted", "dismissed")), Submission.fingerprint.is_not(None),
        Submission.received_at >= intake.received_at - LOOKBACK)
    if intake.unit_id:
        q = q.where(Submission.unit_id == intake.unit_id)
    else:
        q = q.where(Submission.sender == intake.mail.sender)
    out = []
    for sub_id, subject, received_at, hex_text in intake.session.execute(
            q.order_by(Submission.received_at.desc()).limit(MAX_CANDIDATES)):
        fp = _fingerprint(rt.fingerprints, sub_id, hex_text or "")
        if fp is not None:
            out.append(resubmission.Candidate(sub_id, fp, subject, received_at))
    return out


def read(rt: Runtime, intake: Intake) -> None:
    """Fingerprints (CPU only) before the transaction."""
    for item in intake.items:
        item.fingerprint = resubmission.fingerprint(item.subject, item.text, item.segmented()).to_hex()


def run(rt: Runtime, intake: Intake) -> None:
    """Compare with the unit's earlier items, in the transaction (so the candidates are current)."""
    assert intake.received_at is not None
    window = timedelta(days=rt.settings.duplicates.window_days)
    candidates: list[resubmission.Candidate] | None = None
    for item in intake.items:
        if item.status != "accepted" or item.fingerprint is None:
            continue
        fp = resubmission.Fingerprint.from_hex(item.fingerprint)
        if candidates is None:
            candidates = _candidates(rt, intake)
        found = resubmission.find_original(fp, item.subject, intake.received_at, candidates, window=window)
        if found is None:
            continue
        cand, score, why = found
        original = intake.session.get_one(Submission, cand.key)
        if original.status == "dismissed":  # the office ruled it out: its resend is not counted or answered
            item.status, item.duplicate_of = "dismissed", original
            item.status_reason = f"{why}: repeats {original.receipt}, which the office dismissed (similarity {score:.2f})"
            continue
        item.status, item.duplicate_of = "duplicate", original
        item.correction = resubmission.is_correction(item.subject) or "correction" in why
        item.status_reason = f"{why}: repeats {original.receipt} (similarity {score:.2f})"
