"""Picking, among a unit's earlier items, the one a new item repeats or corrects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mailbot.resubmission.fingerprints import Fingerprint, figure_overlap, similarity
from mailbot.resubmission.subjects import _title_key, is_correction

# Tuned on 1,848 新闻联播 items (benchmarks/resubmission_tuning.py): at these
# values light edits (layout, punctuation, traditional characters, signature,
# changed figures) are all found, a sentence added/removed 98-99%, 【更正】
# copies 99%; no false match among 11,421 same-day pairs and 1,848 template
# pairs, 2 among 5,544 nearest-topic pairs (short annual notices a year apart).
# Estimated Jaccard of token 3-gram sets at or above which an earlier item from
# the same unit within the window counts as the same item resent.
NEAR_DUPLICATE_THRESHOLD = 0.55
# With a correction marker in the subject, figures and sentences change more.
CORRECTION_THRESHOLD = 0.25
# With a correction marker and the same title, a little shared text is enough.
CORRECTION_TITLE_FLOOR = 0.2
# Template reports (daily/weekly figures under the same wording) reach a text
# similarity of 0.55 while sharing under half their figures; a resend keeps most.
# Applies when both items have at least fingerprints.MIN_FIGURES distinct figures.
FIGURE_THRESHOLD = 0.5
# Titles shorter than this (e.g. "信息", "工作动态") say nothing on their own.
MIN_TITLE_CHARS = 6
# Texts shorter than this (an unread attachment, a covering line) are only an
# exact match if the titles agree too.
MIN_TEXT_CHARS = 40
DEFAULT_WINDOW = timedelta(days=14)


@dataclass
class Candidate:
    """An earlier item of the same unit that a new one may repeat."""

    key: Any
    fingerprint: Fingerprint
    subject: str
    received_at: datetime


def find_original(
    new: Fingerprint,
    subject: str,
    received_at: datetime,
    candidates: Iterable[Candidate],
    window: timedelta = DEFAULT_WINDOW,
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
    correction_threshold: float = CORRECTION_THRESHOLD,
) -> tuple[Candidate, float, str] | None:
    """The earlier candidate this item repeats or corrects, its similarity and why.

    Rules: the same normalized text is a duplicate whatever the age; within
    `window`, similarity >= `threshold` is a near-duplicate; with a correction
    marker in the subject, similarity >= `correction_threshold`, or the same
    title with a little shared text, is a correction. Among matches the
    highest similarity wins (exact first); ties go to the earliest, the original.
    Datetimes must be comparable (all timezone-aware, as the pipeline stores them).
    """
    correction = is_correction(subject)
    title = _title_key(subject)
    best: tuple[tuple[int, float, float], Candidate, float, str] | None = None
    for cand in candidates:
        if cand.received_at > received_at:
            continue
        match = _match(new, cand, received_at - cand.received_at, title, correction,
                       window, threshold, correction_threshold)
        if match is None:
            continue
        rank, sim, reason = match
        order = (rank, sim, -cand.received_at.timestamp())
        if best is None or order > best[0]:
            best = (order, cand, sim, reason)
    return None if best is None else (best[1], best[2], best[3])


def _match(
    new: Fingerprint, cand: Candidate, age: timedelta, title: str, correction: bool,
    window: timedelta, threshold: float, correction_threshold: float,
) -> tuple[int, float, str] | None:
    """(rank, similarity, reason) if `new` repeats `cand`; cheapest tests first, since
    callers may pass a year of a unit's items to catch exact resends."""
    old = cand.fingerprint

    def same_title() -> bool:
        return len(title) >= MIN_TITLE_CHARS and title == _title_key(cand.subject)

    if new.text_digest == old.text_digest and (
        min(new.length, old.length) >= MIN_TEXT_CHARS or (new.length == old.length and same_title())
    ):
        return 2, 1.0, "exact"
    if age > window:
        return None
    if min(new.length, old.length) < MIN_TEXT_CHARS and not same_title():
        return None  # too little text to judge on its own
    sim = similarity(new, old)
    if sim >= threshold:
        figures = figure_overlap(new, old)
        # Same wording, different figures: the next daily/weekly report, not a resend.
        if figures is None or figures >= FIGURE_THRESHOLD:
            return 1, sim, f"near-duplicate {sim:.2f}"
    if correction and sim >= correction_threshold:
        return 1, sim, f"correction marker + similarity {sim:.2f}"
    if correction and sim >= CORRECTION_TITLE_FLOOR and same_title():
        return 1, sim, "correction marker + title"
    return None
