"""The learned part: tf-idf blocks for the title, the lead and the body, and a logistic model.

Blocks (each l2-normalised, then weighted): title words and word bigrams, title characters
(1–3-grams), lead characters (2–3-grams of the first paragraph) and body characters.
Character n-grams carry across sources where word lists do not; the title and the lead carry
most of an item's category, so they weigh more. Probabilities are a softmax over the logistic
model's class scores, divided by a temperature fitted on out-of-fold predictions (``calibrate``), so that
``0.8`` means about eight in ten right on text the model has not seen.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from mailbot.text import cleaned, words

from .cues import compile_specs
from .taxonomy import CategorySpec

BODY_CHARS = 800  # the opening of an item carries its category; the tail only costs time
LEAD_CHARS = 160
PARTS = ("title", "lead", "body")
# (part, analyser, weight), measured on real text (benchmarks/classify_compare.py): body words
# (jieba over 800 characters, most of the training time) add nothing the body's characters miss.
BLOCKS = (("title", "words", 1.6), ("title", "chars", 1.4), ("lead", "chars", 1.0), ("body", "chars", 0.8))
ALPHA = 1e-4  # regularisation of the logistic model (SGD: ~0.5 s where lbfgs takes ~15 s)
# Cue features (a small dense block the model weighs itself): per category, does a title pattern
# of the taxonomy match, do its body cues match; and a few cross-source cues, in the title and
# in the lead. CUE_WEIGHT scales the block like the tf-idf blocks' weights; 0 leaves it out.
# Measured (grouped CV, 873 real items, benchmarks/classify_compare.py --cv): at 0.3-1.0 the block
# costs 0.6-3.8 points of accuracy and does not lift experience recall (0.48 -> 0.51-0.54 at
# precision 0.73 -> 0.50-0.68); likely the generated items teach it cue weights that real text does not
# bear out. Off by default; kept so the variant stays measurable.
CUE_WEIGHT = 0.0
TAXONOMY_CUES = True  # include the taxonomy's title patterns and body cues in the block
EXTRA_CUES = (
    r"(经验|做法|体会|模式|机制|新路子|走出.{0,8}路|实践证明|必须坚持)",            # how something was done
    r"(调研|调查|考察|赴.{0,24}(学习|考察|调研)|启示|借鉴|报告如下)",                # research, other places
    r"(突发|事故|险情|疫情|失事|遇难|伤亡|死亡|受伤|被困|失联|侧翻|翻车|滑坡|塌方|中毒|地震|台风|"
    r"寒潮|洪|暴雨|暴雪|山火|火灾|爆炸|泥石流|抢通|搜救)",                                     # an event
    r"(演练|演习|预案|模拟|桌面推演)",                                                     # a drill, not an event
)


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


def _title_terms(title: str) -> list[str]:
    ws = words(title)
    return ws + [a + "_" + b for a, b in pairwise(ws)]


def _vectoriser(part: str, analyser: str) -> TfidfVectorizer:
    if analyser == "words":
        return TfidfVectorizer(analyzer=_title_terms if part == "title" else words, sublinear_tf=True,
                               min_df=1 if part == "title" else 2)
    ngrams = (1, 3) if part == "title" else (2, 3)
    return TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True,
                           min_df=1 if part == "title" else 2, max_features=40000)


class CueBlock:
    """The cue features of a document: 0/1 per rule, in a fixed order (see ``CUE_WEIGHT``)."""

    def __init__(self, taxonomy: Sequence[CategorySpec]) -> None:
        self.compiled = compile_specs(list(taxonomy)) if TAXONOMY_CUES else []
        self.extra = [re.compile(p) for p in EXTRA_CUES]
        self.size = 2 * len(self.compiled) + 2 * len(self.extra)

    def vector(self, doc: Doc) -> np.ndarray:
        text = doc.lead + "\n" + doc.body
        out = [float(any(p.search(doc.title) for p in c.title_patterns)) for c in self.compiled]
        out += [float(any(p.search(text) for p in c.body_cues)) for c in self.compiled]
        out += [float(bool(p.search(doc.title))) for p in self.extra]
        out += [float(bool(p.search(doc.lead))) for p in self.extra]
        return np.array(out)

    def transform(self, docs: Sequence[Doc]):
        return csr_matrix(np.array([self.vector(d) for d in docs]).reshape(len(docs), self.size))


@dataclass
class Model:
    """Fitted vectorisers and logistic model; ``classes`` are category ids."""

    vectorisers: list[tuple[TfidfVectorizer, str, float]]  # (vectoriser, part, weight)
    clf: SGDClassifier | None
    classes: list[str]
    temperature: float = 1.0
    cues: CueBlock | None = None
    cue_weight: float = 0.0
    _fast: list | None = field(default=None, repr=False, compare=False)

    def features(self, docs: Sequence[Doc]):
        """The sparse feature matrix scikit-learn sees (for ``reference_proba`` and training)."""
        blocks = [vec.transform([d.part(part) for d in docs]) * weight for vec, part, weight in self.vectorisers]
        if self.cues is not None:
            blocks.append(self.cues.transform(docs) * self.cue_weight)
        return hstack(blocks).tocsr()

    def reference_proba(self, doc: Doc) -> dict[str, float]:
        """``predict_proba`` by scikit-learn itself (slow): what the fast path must equal
        (tests/test_classify_fast_path.py holds the two equal)."""
        if self.clf is None:
            return {c: 1.0 / len(self.classes) for c in self.classes}
        scores = self.clf.decision_function(self.features([doc]))[0] / self.temperature
        return _softmax_dict(self.clf.classes_, scores)

    def predict_proba(self, doc: Doc) -> dict[str, float]:
        """Class probabilities, computed from the fitted vocabularies and weights directly: the
        same numbers as ``reference_proba`` without scikit-learn's per-call checks (~10x faster)."""
        if self.clf is None:
            return {c: 1.0 / len(self.classes) for c in self.classes}
        if self._fast is None:
            offsets = np.cumsum([0] + [len(v.vocabulary_) for v, _, _ in self.vectorisers])
            self._fast = [(vec.build_analyzer(), vec.vocabulary_, vec.idf_, part, weight, int(off))
                          for (vec, part, weight), off in zip(self.vectorisers, offsets)]
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        for analyse, vocab, idf, part, weight, offset in self._fast:
            counts: dict[int, int] = {}
            for term in analyse(doc.part(part)):
                j = vocab.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
            v = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[idx]
            v *= weight / np.sqrt(v @ v)  # sublinear tf · idf, l2 norm, then the block weight
            cols.append(idx + offset)
            vals.append(v)
        if self.cues is not None:
            cue = self.cues.vector(doc)
            hit = np.flatnonzero(cue)
            cols.append(hit + sum(len(v.vocabulary_) for v, _, _ in self.vectorisers))
            vals.append(cue[hit] * self.cue_weight)
        coef, intercept = self.clf.coef_, self.clf.intercept_
        if cols:
            scores = coef[:, np.concatenate(cols)] @ np.concatenate(vals) + intercept
        else:
            scores = intercept.copy()
        if len(self.clf.classes_) == 2:  # binary logistic: one column of scores
            scores = np.array([-scores[0], scores[0]])
        return _softmax_dict(self.clf.classes_, scores / self.temperature)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_fast"] = None  # analysers are rebuilt after loading
        return state


def _softmax_dict(classes, scores: np.ndarray) -> dict[str, float]:
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 0 or scores.shape == (1,):
        scores = np.array([-float(scores.ravel()[0]), float(scores.ravel()[0])])
    e = np.exp(scores - scores.max())
    p = e / e.sum()
    return {str(c): float(x) for c, x in zip(classes, p)}


def train(examples: Iterable[tuple[str, str, str]], taxonomy: list[CategorySpec],
          weights: Sequence[float] | None = None, temperature: float = 1.0,
          blocks: Sequence[tuple[str, str, float]] | None = None, alpha: float = ALPHA,
          cue_weight: float | None = None) -> Model:
    """Fit a model on (subject, text, category) items; categories outside ``taxonomy`` are dropped.

    ``weights`` (one per item) let the office's corrections count more than shipped items. Each
    category's ``examples`` (subjects) are added as extra items, so a configured category with
    no labelled data still has something to learn from.
    """
    ids = [s.id for s in taxonomy]
    known = set(ids)
    rows = list(examples)
    w = list(weights) if weights is not None else [1.0] * len(rows)
    if len(w) != len(rows):
        raise ValueError("one weight per example")
    kept = [(r, x) for r, x in zip(rows, w) if r[2] in known]
    kept += [((ex, "", spec.id), 1.0) for spec in taxonomy for ex in spec.examples]
    docs = [prepare(s, t) for (s, t, _), _ in kept]
    labels = [r[2] for r, _ in kept]
    present = sorted(set(labels), key=ids.index)
    if len(present) < 2:
        return Model([], None, present or ids[:1])
    fitted, mats = [], []
    for part, analyser, weight in (blocks or BLOCKS):
        vec = _vectoriser(part, analyser)
        try:
            mats.append(vec.fit_transform([d.part(part) for d in docs]) * weight)
        except ValueError:  # empty vocabulary (e.g. only example subjects, no bodies)
            continue
        fitted.append((vec, part, weight))
    cue_w = CUE_WEIGHT if cue_weight is None else cue_weight
    cues = CueBlock(taxonomy) if cue_w > 0 else None
    if cues is not None:
        mats.append(cues.transform(docs) * cue_w)
    clf = SGDClassifier(loss="log_loss", alpha=alpha, max_iter=100, tol=1e-4, class_weight="balanced",
                        average=True, random_state=0)
    clf.fit(hstack(mats).tocsr(), np.array(labels), sample_weight=np.array([x for _, x in kept]))
    return Model(fitted, clf, present, temperature, cues, cue_w)


def fit_temperature(pairs: Sequence[tuple[dict[str, float], str]]) -> float:
    """The temperature that minimises the log loss of out-of-fold (probabilities at temperature
    1, true category) pairs: ``softmax(log p / T)`` is the model's softmax at temperature ``T``."""
    if not pairs:
        return 1.0
    classes = sorted(pairs[0][0])
    logp = np.log(np.clip(np.array([[p[c] for c in classes] for p, _ in pairs]), 1e-300, None))
    truth = np.array([classes.index(t) if t in classes else -1 for _, t in pairs])
    logp, truth = logp[truth >= 0], truth[truth >= 0]
    best, best_t = float("inf"), 1.0
    for t in np.exp(np.linspace(np.log(0.5), np.log(40.0), 120)):
        s = logp / t
        s = s - s.max(axis=1, keepdims=True)
        loss = -(s[np.arange(len(s)), truth] - np.log(np.exp(s).sum(axis=1))).sum()
        if loss < best:
            best, best_t = loss, float(t)
    return best_t
