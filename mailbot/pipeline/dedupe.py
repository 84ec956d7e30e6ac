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


def _candidates(rt: Runtime, intake: Intake, digests: set[str], window: timedelta) -> list[resubmission.Candidate]:
    """Earlier accepted items of the same unit (or sender) that the rule could match, by index:
    those with the same text digest within ``LOOKBACK`` (an exact resend, whatever its age), and
    every item within the near-duplicate ``window``. No other stored item can match
    (``resubmission.find_original``), so the result is the rule's over the whole year, and the
    work per message depends on what the unit sent in the window, not on the database's size."""
    assert intake.mail is not None and intake.received_at is not None
    at = intake.received_at
    scope = Submission.unit_id == intake.unit_id if intake.unit_id else Submission.sender == intake.mail.sender
    columns = (Submission.id, Submission.subject, Submission.received_at, Submission.fingerprint)
    where = (Submission.status == "accepted", Submission.fingerprint.is_not(None), scope, Submission.received_at <= at)
    recent = select(*columns).where(*where, Submission.received_at >= at - min(window, LOOKBACK))
    exact = select(*columns).where(*where, Submission.text_digest.in_(sorted(digests)),
                                   Submission.received_at >= at - LOOKBACK)
    rows = {row[0]: row for query in (recent, exact) for row in intake.session.execute(query)}
    out = []
    for sub_id, subject, received_at, hex_text in sorted(rows.values(), key=lambda r: (r[2], r[0]), reverse=True):
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
            digests = {resubmission.text_digest_hex(i.fingerprint) for i in intake.items if i.fingerprint}
            candidates = _candidates(rt, intake, digests, window)
        found = resubmission.find_original(fp, item.subject, intake.received_at, candidates, window=window)
        if found is None:
            continue
        cand, score, why = found
        original = intake.session.get_one(Submission, cand.key)
        item.status, item.duplicate_of = "duplicate", original
        item.correction = resubmission.is_correction(item.subject) or "correction" in why
        item.status_reason = f"{why}: repeats {original.receipt} (similarity {score:.2f})"
