"""Item text as compared: normalisation (NFKC, simplified, no sign-off lines), jieba
tokens, and the lazily loaded jieba and OpenCC."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

# Lines that are not the item: sign-off and contact blocks, forwarded-mail headers.
_SIGNATURE_LINE = re.compile(
    r"^\s*(?:报送单位|供稿单位|报送人|信息员|联络员|签发人?|审核人?|审签|核稿人?|撰稿人?|"
    r"拟稿人?|供稿人?|联系人|联系电话|联系方式|电话|手机|传真|邮箱|电子邮箱|e-?mail|地址|邮编|"
    r"发件人|收件人|抄送|发送时间|日期|主题|from|to|cc|sent|date|subject)\s*[:：]",
    re.IGNORECASE,
)
_SEPARATOR_LINE = re.compile(r"^\s*(?:--+|—+|_{3,}|-{3,}.*-{3,}|-+\s*原始邮件\s*-+|-+\s*转发.*-+)\s*$")
_DATE_LINE = re.compile(r"^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$|^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*$")
_UNIT_LINE = re.compile(r"^\s*\S{2,30}(?:局|厅|委|办|处|科|室|中心|院|站|所|政府|委员会|办公室|公司)\s*$")

_NOT_WORD = re.compile(r"[\W_]+")
_WORD_CHAR = re.compile(r"[^\W_]")


def _normalize_chars(text: str) -> str:
    """NFKC (full-width digits/letters/punctuation) then traditional → simplified."""
    return _t2s(unicodedata.normalize("NFKC", text))


def _alnum_only(text: str) -> str:
    """Letters and digits only (CJK included): what survives punctuation and layout."""
    return _NOT_WORD.sub("", text)


def _drop_boilerplate_lines(text: str) -> str:
    """Remove sign-off/contact/forward-header lines anywhere, a trailing mail
    signature after "--", and a trailing 落款 (unit name, date)."""
    lines = text.splitlines()
    kept: list[str] = []
    for i, line in enumerate(lines):
        if line.strip() in ("--", "-- ") and len("".join(lines[i + 1:])) <= 300:
            break
        if _SEPARATOR_LINE.match(line) or (len(line) <= 80 and _SIGNATURE_LINE.match(line)):
            continue
        kept.append(line)
    while kept and (not kept[-1].strip() or _DATE_LINE.match(kept[-1]) or _UNIT_LINE.match(kept[-1])):
        kept.pop()
    return "\n".join(kept)


# Whitespace inside Chinese text is layout (and splits words for jieba);
# between two Latin letters or digits it separates words.
_LAYOUT_SPACE = re.compile(r"(?<![A-Za-z0-9])\s+|\s+(?![A-Za-z0-9])")


def normalize_text(text: str) -> str:
    """The item text as compared: NFKC, simplified, lower case, without sign-off
    lines and without layout whitespace."""
    text = _drop_boilerplate_lines(_normalize_chars(text or ""))
    return _LAYOUT_SPACE.sub("", text).lower()


def tokens(text: str) -> list[str]:
    """jieba tokens of the normalized text; punctuation and whitespace dropped, numbers kept."""
    return _tokenize(normalize_text(text))


def _tokenize(normalized: str) -> list[str]:
    # jieba's default (HMM) mode keeps figures like 3.5% or 6.62 whole.
    return [tok for tok in _jieba().lcut(normalized) if _WORD_CHAR.search(tok)]


# ---------------------------------------------------------------- lazy resources

@lru_cache(maxsize=1)
def _jieba() -> Any:
    """The process-wide jieba tokenizer, loaded on first use and quietly."""
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters OpenCC's t2s changes; empty if its dictionary is not where expected."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(line.split("\t", 1)[0] for line in lines if "\t" in line)


def _t2s(text: str) -> str:
    # OpenCC takes ~2 ms per 1000 characters; most items are already simplified.
    known = _traditional_chars()
    if not text or (known and not any(ch in known for ch in text)):
        return text
    return _converter().convert(text)
