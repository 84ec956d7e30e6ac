"""Matching the rows of an office's adoption register (采用登记表) to the items received.

Editors retitle what they adopt: they drop the unit tag (【甲市卫生局】), shorten, add a
phrase, turn 全市 into 我市. A register row is matched by its title to the counted items:

* the same title once normalised (``resubmission.strip_markers`` for 【更正】-style markers,
  unit tags and reply prefixes dropped, traditional characters folded, punctuation and
  spaces ignored) matches at once;
* otherwise the closest titles by a similarity score (character sequence ratio, or one
  title containing the other): a clear winner above ``MATCH`` is the item; anything else
  above ``DOUBT`` goes on the confirmation list with its candidates, for the office to
  write the receipt number into the sheet; below that the row is not matched.

Only items received before the adoption date (when the row has one), within a year, count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from difflib import SequenceMatcher
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.db.models import Submission
from mailbot.resubmission import strip_markers
from mailbot.text.chinese import folded
from mailbot.text.forms import alnum_only

MATCH = 0.85  # a clear winner at or above this is the item
LEAD = 0.08  # ... when the runner-up is at least this far behind
DOUBT = 0.55  # candidates at or above this go on the confirmation list
CONTAINED = 0.9  # the score when one title contains the other (at least MIN_CONTAINED characters)
MIN_CONTAINED = 8
LOOKBACK = timedelta(days=366)

_UNIT_TAG = re.compile(r"^\s*[【\[［〔]([^】\]］〕]{2,30})[】\]］〕]\s*")
_UNIT_PREFIX = re.compile(r"^\s*[^：:，,。]{2,20}?(?:局|厅|委|办|院|中心|处|室)\s*[:：]\s*")


@lru_cache(maxsize=8192)
def title_key(title: str) -> str:
    """The comparable form of a title: no markers, unit tag or prefix, folded, letters and digits only."""
    text = strip_markers(title or "")
    text = _UNIT_TAG.sub("", text)
    text = _UNIT_PREFIX.sub("", text)
    key = alnum_only(folded(text).lower())
    return re.sub(r"^关于", "", key).replace("的", "")  # “关于…的调研报告” as editors shorten it


def score(a: str, b: str) -> float:
    """Similarity of two title keys, 0..1."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long_ = sorted((a, b), key=len)
    if len(short) >= MIN_CONTAINED and short in long_:
        return max(CONTAINED, SequenceMatcher(None, a, b).ratio())
    return SequenceMatcher(None, a, b).ratio()


@dataclass
class Candidate:
    receipt: str
    subject: str
    received: date
    score: float


@dataclass
class Match:
    """The item a row names (``receipt``), or the candidates to confirm, or nothing."""

    receipt: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    how: str = ""  # exact | near | doubtful | none

    @property
    def doubtful(self) -> bool:
        return self.receipt is None and bool(self.candidates)


def find(session: Session, title: str, on: date | None, tz, top: int = 3) -> Match:
    """The counted item a register row's title names (``on``: the adoption date, if given)."""
    key = title_key(title)
    if not key:
        return Match(how="none")
    q = select(Submission.receipt, Submission.subject, Submission.received_at).where(
        Submission.status == "accepted")
    if on is not None:
        q = q.where(Submission.received_at >= _start(on - LOOKBACK, tz), Submission.received_at < _start(
            on + timedelta(days=1), tz))
    scored = []
    for receipt, subject, received in session.execute(q):
        s = score(key, title_key(subject))
        if s >= DOUBT:
            scored.append(Candidate(receipt, subject, received.astimezone(tz).date(), round(s, 3)))
    scored.sort(key=lambda c: (-c.score, c.receipt))
    exact = [c for c in scored if c.score == 1.0]
    if len(exact) == 1:
        return Match(exact[0].receipt, exact, "exact")
    if len(exact) > 1:
        return Match(None, exact[:top], "doubtful")
    if scored and scored[0].score >= MATCH and (len(scored) == 1 or scored[1].score <= scored[0].score - LEAD):
        return Match(scored[0].receipt, scored[:1], "near")
    return Match(None, scored[:top], "doubtful" if scored else "none")


def _start(day: date, tz):
    from datetime import datetime, time

    return datetime.combine(day, time.min, tz)
