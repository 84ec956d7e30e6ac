"""Recognise resubmissions and corrections of 政务信息 items.

Officers resend the same item under a new Message-ID, or send a corrected copy
(【更正】…, 《…》（修改稿）, or just near-identical text). Such mails are
`duplicate`: they earn nothing more, and a correction replaces the stored text
of the original. This module is pure logic: it fingerprints an item and picks,
among earlier items of the same unit (the caller's filter), the one it repeats.

A fingerprint holds a digest of the normalized text (exact resends, whatever
the whitespace, punctuation, traditional characters or signature block) and a
MinHash over jieba-token shingles (near-identical text: changed figures, a
sentence added or removed). Thresholds were tuned with
benchmarks/resubmission_tuning.py on 新闻联播 items.
"""

from __future__ import annotations

# Private helpers, importable from here as they were from the single module.
from mailbot.resubmission.fingerprints import (  # noqa: F401
    FIGURE_SKETCH,
    FINGERPRINT_VERSION,
    MIN_FIGURES,
    NUM_PERM,
    SHINGLE_SIZE,
    Fingerprint,
    _hash32,
    _permutations,
    _shingles,
    figure_overlap,
    fingerprint,
    similarity,
    text_digest_hex,
)
from mailbot.resubmission.matching import (
    CORRECTION_THRESHOLD,
    CORRECTION_TITLE_FLOOR,
    DEFAULT_WINDOW,
    FIGURE_THRESHOLD,
    MIN_TEXT_CHARS,
    MIN_TITLE_CHARS,
    NEAR_DUPLICATE_THRESHOLD,
    Candidate,
    _match,  # noqa: F401
    find_original,
)
from mailbot.resubmission.subjects import CORRECTION_MARKERS, _strip_prefixes, _title_key, is_correction, strip_markers  # noqa: F401

__all__ = [
    "CORRECTION_MARKERS", "CORRECTION_THRESHOLD", "CORRECTION_TITLE_FLOOR", "DEFAULT_WINDOW",
    "FIGURE_SKETCH", "FIGURE_THRESHOLD", "FINGERPRINT_VERSION", "MIN_FIGURES", "MIN_TEXT_CHARS",
    "MIN_TITLE_CHARS", "NEAR_DUPLICATE_THRESHOLD", "NUM_PERM", "SHINGLE_SIZE",
    "Candidate", "Fingerprint", "figure_overlap", "find_original", "fingerprint",
    "is_correction", "similarity", "strip_markers", "text_digest_hex",
]
