"""Text preparation: traditional → simplified, cleanup, and jieba words with the field dictionary."""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

USERDICT = Path(__file__).parent / "data" / "userdict.txt"
BODY_CHARS = 800  # the lead of an item carries its category; the tail only costs time

_lock = threading.Lock()
_tokenizer = None  # jieba.Tokenizer, loaded once per process
_added_words: set[str] = set()
# Pinyin left in by web conversions, e.g. "政務(wù)"
_PINYIN = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）]")
_SPACE = re.compile(r"[ \t\u3000\xa0]+")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters that t2s changes: their presence means the text needs conversion."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and parts[0] not in parts[1:]:
            chars.add(parts[0])
    return frozenset(chars)


def to_simplified(text: str) -> str:
    """Simplified form of ``text``; converted only when it holds traditional characters."""
    if not text:
        return ""
    if _traditional_chars().isdisjoint(text):
        return text
    return _converter().convert(text)


def normalise(text: str, limit: int | None = None) -> str:
    """Simplified, pinyin-free, whitespace-squeezed text, cut to ``limit`` characters."""
    if limit is not None:
        text = text[:limit]
    text = _PINYIN.sub("", to_simplified(text))
    return _SPACE.sub(" ", text).strip()


def tokenizer():
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
    """Add field terms to the shared dictionary (affects every classifier in this process)."""
    tok = tokenizer()
    for word in words:
        word = word.strip()
        if word and word not in _added_words:
            tok.add_word(word, freq=max(tok.suggest_freq(word, tune=False), 20000))
            _added_words.add(word)


def words(text: str) -> list[str]:
    """jieba words of already normalised text, without punctuation and single spaces."""
    return [w for w in tokenizer().lcut(text, HMM=False) if w.strip() and not _is_punct(w)]


def _is_punct(word: str) -> bool:
    return all(not ch.isalnum() for ch in word)
