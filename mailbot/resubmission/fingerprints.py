"""Fingerprints of items (exact digest, MinHash of token shingles, figure sketch)
and how similar two of them are."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from functools import lru_cache
from itertools import filterfalse
from operator import methodcaller

import numpy as np

from mailbot.resubmission.subjects import _title_key
from mailbot.text import Segmented, alnum_only, segment

# Figure overlap is only judged when both items have at least this many
# distinct figures (see matching.FIGURE_THRESHOLD).
MIN_FIGURES = 5

NUM_PERM = 128
SHINGLE_SIZE = 3
FIGURE_SKETCH = 64  # bottom-k sketch of the figures' hashes
# The MinHash is datasketch's (2.x, scheme "affine32", seed 1, SHA-1 of each shingle), computed
# here without importing datasketch (which imports SciPy): the same hash values, which
# tests/test_resubmission.py holds equal to datasketch's own.
_SEED = 1
_SCHEME = "affine32"
_MAX_HASH = np.uint32(0xFFFFFFFF)
_DIGEST = methodcaller("digest")
# Bump when normalization, tokenization or shingling changes: stored
# fingerprints of another version are then compared by exact digest only.
# Not bumped when the words moved to mailbot.text's one tokenizer (field dictionary
# added): on 600 新闻联播 items the digests stayed equal and the MinHash similarity of
# old to new fingerprints of the same text had median 1.00, 5th percentile 1.00, min 0.81.
FINGERPRINT_VERSION = 1


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


def text_digest_hex(hex_text: str) -> str:
    """The digest of the normalized text, read from a stored fingerprint's hex form (the
    database indexes it to find exact resends; migration 0006 reads it the same way)."""
    start = 2 * struct.calcsize(">BBHIH")
    return hex_text[start:start + 32]


def _hash32(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=4).digest(), "big")


def _shingles(toks: list[str]) -> list[bytes]:
    if len(toks) < SHINGLE_SIZE:
        return ["\x1f".join(toks).encode()] if toks else []
    return list(map(str.encode, map("\x1f".join, zip(*(toks[k:] for k in range(SHINGLE_SIZE))))))


def _figures(toks: list[str]) -> list[str]:
    """The words with a digit in them (a word of letters only has none: most are skipped in C)."""
    return [tok for tok in filterfalse(str.isalpha, toks) if any(ch.isdigit() for ch in tok)]


def minhash(shingles: list[bytes]) -> np.ndarray:
    """datasketch's ``MinHash(num_perm=NUM_PERM, seed=_SEED, scheme="affine32")`` hash values
    after ``update_batch(shingles)``: each shingle's SHA-1 (first 4 bytes, little-endian),
    mixed by MurmurHash3's finaliser, through ``a * h + b`` (mod 2**32) per permutation; the
    minimum per permutation (all 0xFFFFFFFF when there are no shingles)."""
    if not shingles:
        return np.full(NUM_PERM, _MAX_HASH, dtype=np.uint32)
    digests = b"".join(map(_DIGEST, map(hashlib.sha1, shingles)))  # 20 bytes each
    hv = np.frombuffer(digests, dtype="<u4").reshape(-1, 5)[:, :1].astype(np.uint32)
    hv ^= hv >> np.uint32(16)
    hv *= np.uint32(0x85EBCA6B)
    hv ^= hv >> np.uint32(13)
    hv *= np.uint32(0xC2B2AE35)
    hv ^= hv >> np.uint32(16)
    a, b = _permutations()
    return (hv * a + b).min(axis=0)


def fingerprint(subject: str, text: str, segmented: Segmented | None = None) -> Fingerprint:
    """Fingerprint an item: exact digest of its comparable text plus a MinHash of its shingles.

    ``segmented`` is ``mailbot.text.segment(text)`` when the caller has it already.
    """
    seg = segmented if segmented is not None else segment(text)
    compact = alnum_only(seg.text)
    toks = list(seg.words)
    figures = sorted({_hash32(tok) for tok in _figures(toks)})
    return Fingerprint(
        text_digest=hashlib.blake2b(compact.encode(), digest_size=16).digest(),
        title_digest=hashlib.blake2b(_title_key(subject).encode(), digest_size=8).digest(),
        length=len(compact),
        hashvalues=minhash(_shingles(toks)),
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


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations for ``_SEED`` (numpy's RandomState, whose stream numpy
    keeps fixed): odd multipliers ``a`` and offsets ``b``, uint32, each of NUM_PERM values."""
    gen = np.random.RandomState(_SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b
