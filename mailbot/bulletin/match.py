"""Which received items an article of an issue was made from.

Editors rewrite titles, cut paragraphs, reorder them and merge two or three units' items into
one 综合 article, so whole-text similarity (Jaccard) falls apart; what survives is sentences.
Both texts are cut into the words of the one tokenizer (``mailbot.text.segment``, the words the
resubmission fingerprints use) and into shingles of ``SHINGLE`` words (``resubmission._shingles``).
For an article A and an item S, with I the shingles they share:

* ``item_share`` = |I| / |S|: how much of the item was printed (high when it was printed whole,
  or merged into a 综合 article);
* ``article_share`` = |I| / |A|: how much of the article came from the item (high when the
  item was cut down to its core);
* ``title``: similarity of the titles (unit tags, markers, 关于/的 dropped), for the evidence
  and for the doubtful list.

* ``sentences``: the item's sentences printed (nearly) whole, and their share of the item: an
  item cut to two paragraphs of a 综合 article keeps whole sentences, while another item on the
  same subject shares phrases, seldom a sentence.

Items are taken greedily, the one sharing most first; an item counts only for what it adds
that the items taken before did not already explain. An item is *certain* when a good share of
it, or of the article, is its own, or when several of its sentences were printed whole
(``CERTAIN_*``), and no other item holds nearly the same text (two units' copies of one text:
both stay doubtful, for the office to say which); or when items that each gave a part of a
综合 article, in whole sentences, together explain nearly all of it (``JOINT_*``); *doubtful* when some of it was printed
(``DOUBT_*``) or its title is close; else not a candidate. Thresholds from benchmarks/bulletin.py
on real news items.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from mailbot.bulletin.split import Article
from mailbot.resubmission import strip_markers
from mailbot.resubmission.fingerprints import _shingles
from mailbot.text import alnum_only, folded, segment

SHINGLE = 2  # words per shingle: survives rewording better than the resubmission layer's 3
MIN_SHARED = 12  # fewer shared shingles than this is never evidence
CERTAIN_ITEM = 0.45  # this share of the item printed in the article …
CERTAIN_ARTICLE = 0.55  # … or this share of the article taken from the item
CERTAIN_NEW = 0.6  # … and at least this share of what it shares not explained by an item taken before
CERTAIN_SENTENCES = 3  # … or this many of its sentences printed whole,
CERTAIN_SENTENCE_SHARE = 0.2  # making up this share of the item
SENTENCE_COPIED = 0.7  # a sentence with this share of its shingles in the article was printed
RIVAL = 0.8  # another item sharing this much of the same text makes the credit doubtful
JOINT_PART = 0.25  # items that each gave this share of a 综合 article, with whole sentences,
JOINT_SENTENCES = 2
JOINT_COVER = 0.8  # are all certain when together they explain this share of it
DOUBT_ITEM = 0.15
DOUBT_TITLE = 0.6
TOP_DOUBTFUL = 3

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n")
_UNIT_TAG = re.compile(r"^\s*[【\[［〔]([^】\]］〕]{2,30})[】\]］〕]\s*")


@dataclass(frozen=True)
class Source:
    """A received item that may be behind an article."""

    receipt: str
    subject: str
    text: str
    received: date
    unit: str | None = None


@dataclass
class Credit:
    """One item credited (or proposed) for an article, with the evidence."""

    receipt: str
    subject: str
    unit: str | None
    item_share: float
    article_share: float
    title: float
    shared: int
    sentences: int = 0
    sentence_share: float = 0.0

    @property
    def score(self) -> float:
        return round(max(self.item_share, self.article_share), 3)

    @property
    def evidence(self) -> str:
        return (f"来稿{self.item_share:.0%}的文字见于本文（整句{self.sentences}句），本文{self.article_share:.0%}"
                f"的文字出自来稿，标题相似度{self.title:.0%}")


@dataclass
class ArticleMatch:
    article: Article
    certain: list[Credit] = field(default_factory=list)
    doubtful: list[Credit] = field(default_factory=list)


def _sentences(text: str, article: frozenset[int]) -> tuple[int, float]:
    """(sentences of ``text`` printed nearly whole in the article, their share of the text)."""
    total = copied = count = 0
    for sentence in _SENTENCE_END.split(text):
        sh = shingles(sentence)
        if len(sh) < 6:
            continue
        total += len(sentence)
        if len(sh & article) >= SENTENCE_COPIED * len(sh):
            copied += len(sentence)
            count += 1
    return count, round(copied / total, 3) if total else 0.0


def title_key(title: str) -> str:
    text = _UNIT_TAG.sub("", strip_markers(title or ""))
    key = alnum_only(folded(text).lower())
    return re.sub(r"^关于", "", key).replace("的", "")


def title_similarity(a: str, b: str) -> float:
    ka, kb = title_key(a), title_key(b)
    if not ka or not kb:
        return 0.0
    short, long_ = sorted((ka, kb), key=len)
    if len(short) >= 8 and short in long_:
        return max(0.9, SequenceMatcher(None, ka, kb).ratio())
    return SequenceMatcher(None, ka, kb).ratio()


def shingles(text: str) -> frozenset[int]:
    """The text's word shingles, hashed to 64 bits."""
    words = list(segment(text).words)
    return frozenset(int.from_bytes(hashlib.blake2b(s, digest_size=8).digest(), "big")
                     for s in _shingles_of(words))


def _shingles_of(words: list[str]) -> list[bytes]:
    if SHINGLE == 3:
        return _shingles(words)
    if len(words) < SHINGLE:
        return ["\x1f".join(words).encode()] if words else []
    return ["\x1f".join(words[i:i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)]


class Matcher:
    """The candidate items of one issue, indexed once; ``match`` for each article."""

    def __init__(self, sources: list[Source]) -> None:
        self.sources = sources
        self.sets = [shingles(f"{s.subject}\n{s.text}") for s in sources]
        self.index: dict[int, list[int]] = defaultdict(list)
        for n, sh in enumerate(self.sets):
            for h in sh:
                self.index[h].append(n)

    def match(self, article: Article) -> ArticleMatch:
        a = shingles(f"{article.title}\n{article.text}")
        counts: dict[int, int] = defaultdict(int)
        for h in a:
            for n in self.index.get(h, ()):
                counts[n] += 1
        out = ArticleMatch(article)
        titles = {n: title_similarity(article.title, s.subject) for n, s in enumerate(self.sources)
                  if article.title}
        pool = {n for n, c in counts.items() if c >= MIN_SHARED} | {n for n, t in titles.items() if t >= DOUBT_TITLE}
        covered: set[int] = set()
        taken: list[tuple[Credit, frozenset[int]]] = []
        partial: list[tuple[Credit, frozenset[int]]] = []
        for n in sorted(pool, key=lambda n: (-counts.get(n, 0), -titles.get(n, 0.0), self.sources[n].receipt)):
            src, sset = self.sources[n], self.sets[n]
            shared = a & sset
            credit = Credit(src.receipt, src.subject, src.unit,
                            round(len(shared) / len(sset), 3) if sset else 0.0,
                            round(len(shared) / len(a), 3) if a else 0.0, round(titles.get(n, 0.0), 3), len(shared))
            if len(shared) >= MIN_SHARED:
                credit.sentences, credit.sentence_share = _sentences(src.text, a)
            new = len(shared - covered) / len(shared) if shared else 0.0
            strong = len(shared) >= MIN_SHARED and (
                credit.item_share >= CERTAIN_ITEM or credit.article_share >= CERTAIN_ARTICLE
                or (credit.sentences >= CERTAIN_SENTENCES and credit.sentence_share >= CERTAIN_SENTENCE_SHARE))
            rival = next((c for c, cs in taken if len(shared & cs) >= RIVAL * len(cs)), None)
            if strong and new >= CERTAIN_NEW:
                out.certain.append(credit)
                taken.append((credit, frozenset(shared)))
                covered |= shared
            elif rival is not None and strong:  # the same text from two items: the office decides
                if rival in out.certain:
                    out.certain.remove(rival)
                    out.doubtful.append(rival)
                out.doubtful.append(credit)
            elif (new >= CERTAIN_NEW and credit.article_share >= JOINT_PART and credit.sentences >= JOINT_SENTENCES
                  and rival is None):
                partial.append((credit, frozenset(shared)))
                covered |= shared
            elif credit.item_share >= DOUBT_ITEM or credit.title >= DOUBT_TITLE or credit.sentences:
                out.doubtful.append(credit)
        if partial and a and len(covered) >= JOINT_COVER * len(a):  # together they are the article (综合)
            out.certain += [c for c, _ in partial]
        else:
            out.doubtful += [c for c, _ in partial]
        out.doubtful = sorted(out.doubtful, key=lambda c: (-c.score, -c.title))[:TOP_DOUBTFUL]
        return out
