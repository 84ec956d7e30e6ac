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
COUNTED = ("accepted", "dismissed")  # the items a resend repeats (a dismissed one's resend is dismissed too)
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


def _candidates(rt: Runtime, intake: Intake, digests: set[tuple[str, int]], window: timedelta) -> list[resubmission.Candidate]:
    """Earlier accepted (or dismissed) items of the same unit (or sender) that the rule could match, by index:
    those with the same text digest within ``LOOKBACK`` (an exact resend, whatever its age), and
    every item within the near-duplicate ``window``. No other stored item can match
    (``resubmission.find_original``), so the result is the rule's over the whole year, and the
    work per message depends on what the unit sent in the window, not on the database's size."""
    assert intake.mail is not None and intake.received_at is not None
    at = intake.received_at
    unit, sender = intake.unit_id, intake.mail.sender
    scope = Submission.unit_id == unit if unit else Submission.sender == sender
    columns = (Submission.id, Submission.subject, Submission.received_at, Submission.fingerprint)
    recent = select(*columns).where(Submission.status.in_(COUNTED), Submission.fingerprint.is_not(None), scope,
                                    Submission.received_at <= at, Submission.received_at >= at - min(window, LOOKBACK))
    rows: dict[int, tuple] = {row[0]: tuple(row) for row in intake.session.execute(recent)}
    # A text long enough to count on its own is looked up by its digest's index alone (the same
    # long text is rare) and the other conditions checked here: given them too, a planner may walk
    # the unit's whole year. Short texts (an empty body, one covering line) share digests across
    # units, so their look-up keeps the unit's scope (it runs only for such items).
    long = {d for d, n in digests if n >= resubmission.MIN_TEXT_CHARS}
    short = {d for d, n in digests if n < resubmission.MIN_TEXT_CHARS}
    fields = (*columns, Submission.status, Submission.unit_id, Submission.sender)
    queries = [select(*fields).where(Submission.text_digest.in_(sorted(long)))] if long else []
    if short:
        queries.append(select(*fields).where(Submission.text_digest.in_(sorted(short)), scope))
    for row in (row for q in queries for row in intake.session.execute(q)):
        same_scope = row.unit_id == unit if unit else row.sender == sender
        if (row.status in COUNTED and row.fingerprint is not None and same_scope
                and at - LOOKBACK <= row.received_at <= at):
            rows[row[0]] = tuple(row[:4])
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
            digests = {(f.text_digest.hex(), f.length) for f in (resubmission.Fingerprint.from_hex(i.fingerprint)
                                                                 for i in intake.items if i.fingerprint)}
            candidates = _candidates(rt, intake, digests, window)
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
