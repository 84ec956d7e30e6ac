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

import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from datasketch import MinHash

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
# Applies when both items have at least MIN_FIGURES distinct figures.
FIGURE_THRESHOLD = 0.5
MIN_FIGURES = 5
# Titles shorter than this (e.g. "信息", "工作动态") say nothing on their own.
MIN_TITLE_CHARS = 6
# Texts shorter than this (an unread attachment, a covering line) are only an
# exact match if the titles agree too.
MIN_TEXT_CHARS = 40
DEFAULT_WINDOW = timedelta(days=14)

NUM_PERM = 128
SHINGLE_SIZE = 3
FIGURE_SKETCH = 64  # bottom-k sketch of the figures' hashes
_SEED = 1
_SCHEME = "affine32"
# Bump when normalization, tokenization or shingling changes: stored
# fingerprints of another version are then compared by exact digest only.
FINGERPRINT_VERSION = 1

CORRECTION_MARKERS: tuple[str, ...] = (
    "【更正】", "【修改】", "【更新】", "【修正】", "【修订】", "【勘误】",
    "更正：", "更正:", "修改稿：",
    "（修改稿）", "（更正）", "（更正稿）", "（修订稿）", "（修正稿）", "（更新）",
    "(修改稿)", "(更正)", "[更正]", "[修改]",
)

# Matched on the raw subject, so full-width/half-width brackets and colons and
# the traditional forms (修訂, 勘誤, 重發, 回覆, 轉發) are spelt out here.
_BRACKET_OPEN = r"[【\[［(（〔]"
_BRACKET_CLOSE = r"[】\]］)）〕]"
_MARKER_WORD = r"(?:更正|修改|修正|修订|修訂|更新|勘误|勘誤|重发|重發|补发|補發)(?:稿|版|后|後|件)?"
_BRACKETED_MARKER = re.compile(_BRACKET_OPEN + r"\s*" + _MARKER_WORD + r"\s*" + _BRACKET_CLOSE)
_LEADING_MARKER = re.compile(r"^\s*(?:更正|修改稿|更正稿|勘误|勘誤)\s*[:：]\s*")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:re|fw|fwd|aw|wg|sv|ｒｅ|ｆｗｄ|回复|回覆|回復|答复|答覆|转发|轉發|转|轉)\s*(?:\[\d+\])?\s*[:：]\s*",
    re.IGNORECASE,
)

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


@dataclass(frozen=True)
class Fingerprint:
    """What is stored per item to recognise it again (see to_bytes / to_hex)."""

    text_digest: bytes  # 16 bytes, blake2b of the normalized text
    title_digest: bytes  # 8 bytes, blake2b of the normalized stripped title
    length: int  # normalized text length in characters
    hashvalues: np.ndarray  # uint32[NUM_PERM], MinHash signature
    figures: np.ndarray  # uint32, sorted: the smallest hashes of the distinct figures
    figure_count: int  # distinct figures (numbers) in the text
    version: int = FINGERPRINT_VERSION

    # version, sketch size, num_perm, length, figure count, digests
    _HEADER = struct.Struct(">BBHIH16s8s")

    def to_bytes(self) -> bytes:
        """Compact binary form (~600 bytes) for a BLOB column."""
        header = self._HEADER.pack(
            self.version, len(self.figures), len(self.hashvalues), self.length,
            min(self.figure_count, 0xFFFF), self.text_digest, self.title_digest,
        )
        return header + self.hashvalues.astype(">u4").tobytes() + self.figures.astype(">u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        (version, n_figures, num_perm, length, figure_count,
         text_digest, title_digest) = cls._HEADER.unpack_from(data)
        body = data[cls._HEADER.size:]
        if len(body) != 4 * (num_perm + n_figures):
            raise ValueError("fingerprint: truncated or corrupt data")
        values = np.frombuffer(body, dtype=">u4").astype(np.uint32)
        return cls(text_digest, title_digest, length, values[:num_perm], values[num_perm:],
                   figure_count, version)

    def to_hex(self) -> str:
        """Text form for a VARCHAR/TEXT column."""
        return self.to_bytes().hex()

    @classmethod
    def from_hex(cls, text: str) -> Fingerprint:
        return cls.from_bytes(bytes.fromhex(text))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fingerprint) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())


@dataclass
class Candidate:
    """An earlier item of the same unit that a new one may repeat."""

    key: Any
    fingerprint: Fingerprint
    subject: str
    received_at: datetime


# ---------------------------------------------------------------- subjects

def _normalize_chars(text: str) -> str:
    """NFKC (full-width digits/letters/punctuation) then traditional → simplified."""
    return _t2s(unicodedata.normalize("NFKC", text))


def _strip_prefixes(subject: str) -> str:
    text = subject or ""
    while (m := _REPLY_PREFIX.match(text) or _LEADING_MARKER.match(text)) is not None:
        text = text[m.end():]
    return text


def is_correction(subject: str) -> bool:
    """True if the subject carries a correction marker (【更正】, （修改稿）, 更正：…)."""
    text = subject or ""
    while (m := _REPLY_PREFIX.match(text)) is not None:
        text = text[m.end():]
    return bool(_BRACKETED_MARKER.search(text) or _LEADING_MARKER.match(text))


def strip_markers(subject: str) -> str:
    """Subject without reply/forward prefixes and correction markers, spaces collapsed.

    Unit tags like 【XX市卫生局】 are kept: they are part of how officers title items.
    """
    text = _BRACKETED_MARKER.sub(" ", _strip_prefixes(subject))
    return re.sub(r"\s+", " ", _strip_prefixes(text)).strip()


@lru_cache(maxsize=4096)
def _title_key(subject: str) -> str:
    return _alnum_only(_normalize_chars(strip_markers(subject)).lower())


# ---------------------------------------------------------------- texts

_NOT_WORD = re.compile(r"[\W_]+")
_WORD_CHAR = re.compile(r"[^\W_]")


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


def _hash32(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=4).digest(), "big")


def _shingles(toks: list[str]) -> list[bytes]:
    if len(toks) < SHINGLE_SIZE:
        return ["\x1f".join(toks).encode()] if toks else []
    return [
        "\x1f".join(toks[i:i + SHINGLE_SIZE]).encode()
        for i in range(len(toks) - SHINGLE_SIZE + 1)
    ]


def fingerprint(subject: str, text: str) -> Fingerprint:
    """Fingerprint an item: exact digest of normalized text plus a MinHash of its shingles."""
    normalized = normalize_text(text)
    compact = _alnum_only(normalized)
    toks = _tokenize(normalized)
    figures = sorted({_hash32(tok) for tok in toks if any(ch.isdigit() for ch in tok)})
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME, permutations=_permutations())
    minhash.update_batch(_shingles(toks))
    return Fingerprint(
        text_digest=hashlib.blake2b(compact.encode(), digest_size=16).digest(),
        title_digest=hashlib.blake2b(_title_key(subject).encode(), digest_size=8).digest(),
        length=len(compact),
        hashvalues=np.asarray(minhash.hashvalues, dtype=np.uint32),
        figures=np.asarray(figures[:FIGURE_SKETCH], dtype=np.uint32),
        figure_count=len(figures),
    )


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of the two items' shingle sets (0.0–1.0)."""
    if a.version != b.version or len(a.hashvalues) != len(b.hashvalues):
        return 1.0 if a.text_digest == b.text_digest and a.length else 0.0
    if a.length == 0 or b.length == 0:
        return 0.0  # empty texts share the empty MinHash, which means nothing
    return float(np.count_nonzero(a.hashvalues == b.hashvalues)) / len(a.hashvalues)


def figure_overlap(a: Fingerprint, b: Fingerprint) -> float | None:
    """Share of the smaller item's figures also found in the other.

    Exact while both have at most FIGURE_SKETCH distinct figures; beyond that
    estimated from the sketches (bottom-k of the hashes). None when either has
    fewer than MIN_FIGURES, too few to tell.
    """
    if min(a.figure_count, b.figure_count) < MIN_FIGURES:
        return None
    small, other = (a, b) if a.figure_count <= b.figure_count else (b, a)
    checkable = small.figures
    if other.figure_count > len(other.figures):  # other's sketch is cut off
        checkable = checkable[checkable <= other.figures[-1]]
    if len(checkable) == 0:
        return None
    return float(np.isin(checkable, other.figures).sum()) / len(checkable)


# ---------------------------------------------------------------- matching

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


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # Built once: MinHash() would otherwise redraw the same permutations per item.
    return MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME).permutations
