"""Subjects: correction markers, reply/forward prefixes, the title key."""

from __future__ import annotations

import re
from functools import lru_cache

from mailbot.text import alnum_only, folded, strip_reply_prefixes

CORRECTION_MARKERS: tuple[str, ...] = (
    "【更正】", "【修改】", "【更新】", "【修正】", "【修订】", "【勘误】",
    "更正：", "更正:", "修改稿：",
    "（修改稿）", "（更正）", "（更正稿）", "（修订稿）", "（修正稿）", "（更新）",
    "(修改稿)", "(更正)", "[更正]", "[修改]",
)

# Matched on the raw subject, so full-width/half-width brackets and colons and
# the traditional forms (修訂, 勘誤, 重發) are spelt out here.
_BRACKET_OPEN = r"[【\[［(（〔]"
_BRACKET_CLOSE = r"[】\]］)）〕]"
_MARKER_WORD = r"(?:更正|修改|修正|修订|修訂|更新|勘误|勘誤|重发|重發|补发|補發)(?:稿|版|后|後|件)?"
_BRACKETED_MARKER = re.compile(_BRACKET_OPEN + r"\s*" + _MARKER_WORD + r"\s*" + _BRACKET_CLOSE)
_LEADING_MARKER = re.compile(r"^\s*(?:更正|修改稿|更正稿|勘误|勘誤)\s*[:：]\s*")


def _strip_prefixes(subject: str) -> str:
    """Without the leading reply/forward prefixes and 更正：-style markers, in any order."""
    text = strip_reply_prefixes(subject)
    while (m := _LEADING_MARKER.match(text)) is not None:
        text = strip_reply_prefixes(text[m.end():])
    return text


def is_correction(subject: str) -> bool:
    """True if the subject carries a correction marker (【更正】, （修改稿）, 更正：…)."""
    text = strip_reply_prefixes(subject)
    return bool(_BRACKETED_MARKER.search(text) or _LEADING_MARKER.match(text))


def strip_markers(subject: str) -> str:
    """Subject without reply/forward prefixes and correction markers, spaces collapsed.

    Unit tags like 【XX市卫生局】 are kept: they are part of how officers title items.
    """
    text = _BRACKETED_MARKER.sub(" ", _strip_prefixes(subject))
    return re.sub(r"\s+", " ", _strip_prefixes(text)).strip()


@lru_cache(maxsize=4096)
def _title_key(subject: str) -> str:
    return alnum_only(folded(strip_markers(subject)).lower())
