"""The learned part: tf-idf over jieba words and character n-grams, a linear logistic model."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from mailbot.text import Segmented, cleaned, opening_words, words

from .taxonomy import CategorySpec

TITLE_WEIGHT = 1.6  # the subject says more about the category than the body
BODY_WEIGHT = 1.0
ALPHA = 3e-4  # SGD regularisation; logistic loss so that probabilities come out
BODY_CHARS = 800  # the lead of an item carries its category; the tail only costs time


def _title_terms(title: str) -> list[str]:
    ws = words(title)
    return ws + [a + "_" + b for a, b in pairwise(ws)]


def _body_terms(body_words: Sequence[str]) -> list[str]:
    return list(body_words)  # segmented once per item (mailbot.text.segment), see prepare()


@dataclass
class Model:
    """Fitted vectorisers and classifier; ``classes`` are category ids."""

    vectorisers: list[tuple[TfidfVectorizer, int, float]]  # (vectoriser, part of prepare()'s doc, weight)
    clf: SGDClassifier | None
    classes: list[str]
    _fast: list | None = field(default=None, repr=False, compare=False)

    def features(self, docs: Sequence[tuple]):
        """The weighted tf-idf matrix of ``prepare()`` tuples, as scikit-learn builds it."""
        blocks = [vec.transform([d[part] for d in docs]) * weight for vec, part, weight in self.vectorisers]
        return hstack(blocks).tocsr()

    def reference_proba(self, title: str, body: str, body_words: Sequence[str] = ()) -> dict[str, float]:
        """``predict_proba`` by scikit-learn itself (slow): what the fast path must equal."""
        if self.clf is None:
            return {c: 1.0 / len(self.classes) for c in self.classes}
        probs = self.clf.predict_proba(self.features([(title, body, list(body_words))]))[0]
        return {str(c): float(p) for c, p in zip(self.clf.classes_, probs)}

    def predict_proba(self, title: str, body: str, body_words: Sequence[str] = ()) -> dict[str, float]:
        """Class probabilities for a normalised title and body and the body's opening words.

        Computed directly from the fitted vocabularies and weights: the same numbers as
        ``reference_proba`` (scikit-learn's own) but without its per-call checks (~10x faster);
        tests/test_classify_fast_path.py holds the two equal.
        """
        if self.clf is None:
            return {c: 1.0 / len(self.classes) for c in self.classes}
        if self._fast is None:
            self._fast = [(vec.build_analyzer(), vec.vocabulary_, vec.idf_, part, weight, offset)
                          for (vec, part, weight), offset in zip(self.vectorisers, self._offsets())]
        cols: list[int] = []
        vals: list[float] = []
        doc = (title, body, body_words)
        for analyse, vocab, idf, part, weight, offset in self._fast:
            counts: dict[int, int] = {}
            for term in analyse(doc[part]):
                j = vocab.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))  # sublinear_tf
            v = tf * idf[idx]
            v *= weight / np.sqrt(v @ v)  # l2 norm, then the block weight
            cols.extend((idx + offset).tolist())
            vals.extend(v.tolist())
        coef, intercept = self.clf.coef_, self.clf.intercept_
        scores = (coef[:, cols] @ np.asarray(vals) if cols else np.zeros(len(intercept))) + intercept
        # SGDClassifier's multiclass probabilities: one-vs-rest sigmoids, normalised.
        probs = 1.0 / (1.0 + np.exp(-scores))
        probs = probs / probs.sum() if probs.sum() > 0 else np.full(len(probs), 1.0 / len(probs))
        return {str(c): float(p) for c, p in zip(self.clf.classes_, probs)}

    def _offsets(self) -> list[int]:
        out, at = [], 0
        for vec, _, _ in self.vectorisers:
            out.append(at)
            at += len(vec.vocabulary_)
        return out

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_fast"] = None  # analysers are rebuilt after loading
        return state


def prepare(subject: str, text: str, segmented: Segmented | None = None) -> tuple[str, str, list[str]]:
    """Normalised (title, body opening, words of the body opening) as the model and the cue
    rules see them; ``segmented`` is ``mailbot.text.segment(text)`` when the caller has it."""
    opening = segmented.opening(BODY_CHARS) if segmented is not None else opening_words(text or "", BODY_CHARS)
    return cleaned(subject or ""), cleaned(text or "", BODY_CHARS), opening


def train(examples: Iterable[tuple[str, str, str]], taxonomy: list[CategorySpec]) -> Model:
    """Fit a model on (subject, text, category) items; categories outside ``taxonomy`` are dropped.

    Each category's ``examples`` (subjects) are added as extra items, so a configured category
    with no labelled data still has something to learn from.
    """
    ids = [s.id for s in taxonomy]
    known = set(ids)
    rows = [(s, t, c) for s, t, c in examples if c in known]
    rows += [(ex, "", spec.id) for spec in taxonomy for ex in spec.examples]
    docs = [prepare(s, t) for s, t, _ in rows]
    labels = [c for _, _, c in rows]
    present = sorted(set(labels), key=ids.index)
    vectorisers = [
        (TfidfVectorizer(analyzer=_title_terms, sublinear_tf=True), 0, TITLE_WEIGHT),
        (TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=1), 0, TITLE_WEIGHT),
        (TfidfVectorizer(analyzer=_body_terms, sublinear_tf=True, min_df=2), 2, BODY_WEIGHT),
        (TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=2, max_features=30000), 1, BODY_WEIGHT),
    ]
    if len(present) < 2:
        return Model([], None, present or ids[:1])
    fitted, blocks = [], []
    for vec, part, weight in vectorisers:
        try:
            blocks.append(vec.fit_transform([d[part] for d in docs]) * weight)
        except ValueError:  # empty vocabulary (e.g. only example subjects, no bodies)
            continue
        fitted.append((vec, part, weight))
    # SGD with logistic loss: ~50 ms on the shipped data where lbfgs takes seconds.
    clf = SGDClassifier(loss="log_loss", alpha=ALPHA, max_iter=60, tol=1e-4, class_weight="balanced", random_state=0)
    clf.fit(hstack(blocks).tocsr(), np.array(labels))
    model = Model(fitted, clf, present)
    return model
