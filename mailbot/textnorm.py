"""Text normalisation shared by matching stages: traditional -> simplified, width folding."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC  # opencc-python-reimplemented

    return OpenCC("t2s")


@lru_cache(maxsize=4096)
def simplified(text: str) -> str:
    """NFKC-folded, simplified-Chinese form of ``text`` for matching (display keeps the original)."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    if all(ord(c) < 0x3000 for c in folded):
        return folded
    return _converter().convert(folded)
