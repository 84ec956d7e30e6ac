"""Traditional -> simplified Chinese through OpenCC's public API, with a fast path for the
common case: most items are already simplified, and OpenCC (pure Python) takes about 3.4 ms
per 1,000 characters, so a text is converted only when one of its characters is traditional."""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from typing import Any

_FIRST_CJK = "\u2e80"  # below this no character is converted
_lock = threading.Lock()
# The characters t2s leaves alone on their own, and those it changes; filled as characters are
# met (a text holds a few hundred distinct ones, the whole language some thousands), never read
# from OpenCC's files. A text's characters are checked against them as sets (in C).
_unchanged: set[str] = set()
_changed: set[str] = set()


@lru_cache(maxsize=1)
def _converter() -> Any:
    from opencc import OpenCC  # opencc-python-reimplemented

    return OpenCC("t2s")


def _has_traditional(text: str) -> bool:
    chars = set(text)
    if not chars.isdisjoint(_changed):
        return True
    new = chars - _unchanged
    if not new:
        return False
    convert = _converter().convert
    found = False
    for ch in new:
        if ch < _FIRST_CJK or convert(ch) == ch:
            with _lock:
                _unchanged.add(ch)
        else:
            with _lock:
                _changed.add(ch)
            found = True
    return found


def simplified(text: str) -> str:
    """``text`` in simplified characters (OpenCC t2s, phrase-aware), for matching; display keeps
    the original.

    Converted only when a character is traditional on its own: a text whose only traditional
    spelling is a phrase of characters that are simplified too (瞭解, 回覆) is left as written.
    """
    if not text or text.isascii() or not _has_traditional(text):
        return text or ""
    return _converter().convert(text)


def folded(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation to their plain forms), then simplified."""
    if not text:
        return ""
    return simplified(unicodedata.normalize("NFKC", text))
