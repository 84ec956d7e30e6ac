"""Chinese words: ONE jieba tokenizer with the field dictionary, loaded once per process.

Classification and resubmission fingerprints share it: the pipeline segments an item's text
once (``segment``) and both stages read the same words. jieba's default mode (with its HMM
for unknown words) is used because it keeps figures such as 3.5% or 6.62 whole.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailbot.text.forms import comparable

# The field dictionary: 医改, 突发公共卫生事件, 调研报告, 签发人 … (one "word freq tag" a line).
USERDICT = Path(__file__).resolve().parent / "data" / "userdict.txt"
# Characters jieba keeps together in one block; any other character ends a block, and jieba
# segments blocks independently (jieba.re_han_default).
_BLOCK_CHAR = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]")
_WORD_CHAR = re.compile(r"[^\W_]")

_lock = threading.Lock()
_tokenizer: Any = None  # jieba.Tokenizer
_added_words: set[str] = set()


def tokenizer() -> Any:
    """The process-wide jieba tokenizer with the field dictionary (loaded lazily, once)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                with USERDICT.open("rb") as fh:  # jieba leaves a path-opened file unclosed
                    tok.load_userdict(fh)
                _tokenizer = tok
    return _tokenizer


def add_words(words: Iterable[str]) -> None:
    """Add field terms (e.g. configured category keywords) to the one dictionary of this process."""
    tok = tokenizer()
    with _lock:
        for word in words:
            word = word.strip()
            if word and word not in _added_words:
                tok.add_word(word, freq=max(tok.suggest_freq(word, tune=False), 20000))
                _added_words.add(word)


def _jieba_tokens(text: str) -> list[tuple[str, int]]:
    """(word, end offset) of every jieba word with a letter or digit in it."""
    out, end = [], 0
    for w in tokenizer().cut(text):
        end += len(w)
        if w[0].isalnum() or _WORD_CHAR.search(w):
            out.append((w, end))
    return out


def words(text: str) -> list[str]:
    """jieba words of ``text`` as given (already in the form wanted), punctuation and spaces dropped."""
    if not text:
        return []
    return [w for w, _ in _jieba_tokens(text)]


@dataclass(frozen=True)
class Segmented:
    """An item's text in its comparable form (``forms.comparable``) and its words, computed once."""

    text: str
    words: tuple[str, ...]
    ends: tuple[int, ...]  # end offset in ``text`` of each word

    def opening(self, chars: int) -> list[str]:
        """The words of about the first ``chars`` characters, cut where jieba ends a block,
        so that they equal ``opening_words(text, chars)``: the same words whether the whole
        text or only its opening was segmented."""
        cut = _block_cut(self.text, chars)
        if cut is None:
            cut = chars
        out = []
        for word, end in zip(self.words, self.ends):
            if end > cut:
                break
            out.append(word)
        return out


def _block_cut(text: str, chars: int) -> int | None:
    """The largest offset <= ``chars`` at which a jieba block ends (None when there is none)."""
    if len(text) <= chars:
        return len(text)
    for k in range(chars, 0, -1):
        if not _BLOCK_CHAR.match(text[k]):
            return k
    return None


def segment(text: str) -> Segmented:
    """The comparable form of an item's text and its jieba words (one jieba pass)."""
    form = comparable(text)
    pairs = _jieba_tokens(form) if form else []
    return Segmented(form, tuple(w for w, _ in pairs), tuple(e for _, e in pairs))


def opening_words(text: str, chars: int) -> list[str]:
    """``segment(text).opening(chars)`` without segmenting the rest of a long text."""
    form = comparable(text)
    cut = _block_cut(form, chars)
    if cut is None:  # one block longer than ``chars``: cut where the whole text's words end
        return segment(text).opening(chars)
    return words(form[:cut])
