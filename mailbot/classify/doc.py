"""An item as the model and the cue rules read it: normalised title, lead and body opening.

Light (no scikit-learn): the classifier prepares every item with it, whichever path scores it.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from mailbot.text import cleaned, words

BODY_CHARS = 800  # the opening of an item carries its category; the tail only costs time
LEAD_CHARS = 160
PARTS = ("title", "lead", "body")


@dataclass(frozen=True)
class Doc:
    """An item as the model and the cue rules see it: normalised title, lead and body."""

    title: str
    lead: str
    body: str

    def part(self, name: str) -> str:
        return getattr(self, name)


def prepare(subject: str, text: str) -> Doc:
    """Normalised title, lead (first paragraph) and body opening."""
    body = cleaned(text or "", BODY_CHARS)
    return Doc(cleaned(subject or ""), _lead(text or ""), body)


def _lead(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if len(line) >= 12:
            return cleaned(line, LEAD_CHARS)
    return cleaned(text, LEAD_CHARS)


def title_terms(title: str) -> list[str]:
    """The title's jieba words and word bigrams (``a_b``): the title-words block's terms."""
    ws = words(title)
    return ws + [a + "_" + b for a, b in pairwise(ws)]
