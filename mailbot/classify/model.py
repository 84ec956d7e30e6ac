"""The learned part: tf-idf blocks for the title, the lead and the body, and a logistic model.

Blocks (each l2-normalised, then weighted): title words and word bigrams, title characters
(1–3-grams), lead characters (2–3-grams of the first paragraph) and body characters.
Character n-grams carry across sources where word lists do not; the title and the lead carry
most of an item's category, so they weigh more. Probabilities are a softmax over the logistic
model's class scores, divided by a temperature fitted on out-of-fold predictions (``calibrate``), so that
``0.8`` means about eight in ten right on text the model has not seen.

This module trains (scikit-learn, SciPy) and keeps scikit-learn's own prediction as the reference;
the classifier scores items with ``Model.compiled()`` (``compiled.py``), which needs neither.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from mailbot.text import words

from .compiled import CompiledModel, compile_model, softmax_dict
from .cues import EXTRA_CUES, TAXONOMY_CUES, CueBlock  # noqa: F401 - the block's settings, read here before
from .doc import BODY_CHARS, LEAD_CHARS, PARTS, Doc, prepare, title_terms  # noqa: F401 - importable from here
from .taxonomy import CategorySpec

# (part, analyser, weight), measured on real text (benchmarks/classify_compare.py): body words
# (jieba over 800 characters, most of the training time) add nothing the body's characters miss.
BLOCKS = (("title", "words", 1.6), ("title", "chars", 1.4), ("lead", "chars", 1.0), ("body", "chars", 0.8))
ALPHA = 1e-4  # regularisation of the logistic model (SGD: ~0.5 s where lbfgs takes ~15 s)
# Cue features (a small dense block the model weighs itself, ``cues.CueBlock``): per category, does
# a title pattern of the taxonomy match, do its body cues match; and a few cross-source cues, in
# the title and in the lead. CUE_WEIGHT scales the block like the tf-idf blocks' weights; 0 leaves it out.
# Measured (grouped CV, 873 real items, benchmarks/classify_compare.py --cv): at 0.3-1.0 the block
# costs 0.6-3.8 points of accuracy and does not lift experience recall (0.48 -> 0.51-0.54 at
# precision 0.73 -> 0.50-0.68); likely the generated items teach it cue weights that real text does not
# bear out. Off by default; kept so the variant stays measurable.
CUE_WEIGHT = 0.0


def _vectoriser(part: str, analyser: str) -> TfidfVectorizer:
    if analyser == "words":
        return TfidfVectorizer(analyzer=title_terms if part == "title" else words, sublinear_tf=True,
                               min_df=1 if part == "title" else 2)
    ngrams = (1, 3) if part == "title" else (2, 3)
    return TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True,
                           min_df=1 if part == "title" else 2, max_features=40000)


def _cue_matrix(cues: CueBlock, docs: Sequence[Doc]) -> csr_matrix:
    return csr_matrix(np.array([cues.vector(d) for d in docs]).reshape(len(docs), cues.size))


@dataclass
class Model:
    """Fitted vectorisers and logistic model; ``classes`` are category ids."""

    vectorisers: list[tuple[TfidfVectorizer, str, float]]  # (vectoriser, part, weight)
    clf: SGDClassifier | None
    classes: list[str]
    temperature: float = 1.0
    cues: CueBlock | None = None
    cue_weight: float = 0.0

    def features(self, docs: Sequence[Doc]):
        """The sparse feature matrix scikit-learn sees (for ``predict_proba`` and training)."""
        blocks = [vec.transform([d.part(part) for d in docs]) * weight for vec, part, weight in self.vectorisers]
        if self.cues is not None:
            blocks.append(_cue_matrix(self.cues, docs) * self.cue_weight)
        return hstack(blocks).tocsr()

    def predict_proba(self, doc: Doc) -> dict[str, float]:
        """``predict_proba`` by scikit-learn itself (slow): the reference the classifier's
        ``CompiledModel`` must equal (tests/test_classify_fast_path.py holds the two equal)."""
        if self.clf is None:
            return {c: 1.0 / len(self.classes) for c in self.classes}
        scores = self.clf.decision_function(self.features([doc]))[0] / self.temperature
        return softmax_dict(self.clf.classes_, scores)

    def compiled(self) -> CompiledModel:
        """The plain-data form the classifier scores items with (no scikit-learn call per item)."""
        return compile_model(self)


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
        mats.append(_cue_matrix(cues, docs) * cue_w)
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
