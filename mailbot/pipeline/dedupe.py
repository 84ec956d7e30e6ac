"""Stage: the same item sent again, or a corrected copy, is a ``duplicate``.

The resend of an item the office dismissed (不计) is ``dismissed`` too: not counted, not answered.

A duplicate earns nothing more; a correction (【更正】… or near-identical text) replaces the
stored text of the original so the office works from the latest version.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, bindparam, select

from mailbot import resubmission
from mailbot.db.models import Submission
from mailbot.pipeline.intake import Intake
from mailbot.runtime import Runtime

LOOKBACK = timedelta(days=400)  # exact resends are caught within about an assessment year
COUNTED = ("accepted", "dismissed")  # the items a resend repeats (a dismissed one's resend is dismissed too)
PARSED_CACHE = 5_000  # parsed fingerprints kept per run (the runtime's cache; emptied when full, so memory stays flat)


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


_COLUMNS = (Submission.id, Submission.subject, Submission.received_at, Submission.fingerprint)
_FIELDS = (*_COLUMNS, Submission.status, Submission.unit_id, Submission.sender)


def _recent(scope_column) -> Select:
    return select(*_COLUMNS).where(Submission.status.in_(COUNTED), Submission.fingerprint.is_not(None),
                                   scope_column == bindparam("scope"), Submission.received_at <= bindparam("at"),
                                   Submission.received_at >= bindparam("since"))


# Built once (the statements are the same for every item; only the values change), and run on
# the session's connection: building and compiling them per item cost more than running them.
_RECENT = {"unit": _recent(Submission.unit_id), "sender": _recent(Submission.sender)}
_BY_DIGEST = select(*_FIELDS).where(Submission.text_digest.in_(bindparam("digests", expanding=True)))
_BY_DIGEST_SCOPED = {
    "unit": _BY_DIGEST.where(Submission.unit_id == bindparam("scope")),
    "sender": _BY_DIGEST.where(Submission.sender == bindparam("scope")),
}


def _candidates(rt: Runtime, intake: Intake, digests: set[tuple[str, int]], window: timedelta) -> list[resubmission.Candidate]:
    """Earlier accepted (or dismissed) items of the same unit (or sender) that the rule could match, by index:
    those with the same text digest within ``LOOKBACK`` (an exact resend, whatever its age), and
    every item within the near-duplicate ``window``. No other stored item can match
    (``resubmission.find_original``), so the result is the rule's over the whole year, and the
    work per message depends on what the unit sent in the window, not on the database's size."""
    assert intake.mail is not None and intake.received_at is not None
    at = intake.received_at
    unit, sender = intake.unit_id, intake.mail.sender
    by, scope = ("unit", unit) if unit else ("sender", sender)
    conn = intake.session.connection()
    recent = conn.execute(_RECENT[by], {"scope": scope, "at": at, "since": at - min(window, LOOKBACK)})
    rows: dict[int, tuple] = {row[0]: tuple(row) for row in recent}
    # A text long enough to count on its own is looked up by its digest's index alone (the same
    # long text is rare) and the other conditions checked here: given them too, a planner may walk
    # the unit's whole year. Short texts (an empty body, one covering line) share digests across
    # units, so their look-up keeps the unit's scope (it runs only for such items).
    long = sorted(d for d, n in digests if n >= resubmission.MIN_TEXT_CHARS)
    short = sorted(d for d, n in digests if n < resubmission.MIN_TEXT_CHARS)
    found: list[Any] = []
    if long:
        found += conn.execute(_BY_DIGEST, {"digests": long}).all()
    if short:
        found += conn.execute(_BY_DIGEST_SCOPED[by], {"digests": short, "scope": scope}).all()
    for row in found:
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
        if item.prepared:
            continue  # fingerprinted ahead by the read-ahead worker (pipeline/prepare.py)
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
