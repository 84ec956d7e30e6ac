"""The fitted model as plain data, and the per-item scoring the classifier runs.

``compile_model`` reads a fitted ``model.Model`` (scikit-learn's vectorisers and logistic model)
once and keeps what scoring needs: per block its terms' columns (a dict of the title's words; for
character n-grams a sorted array of integer codes), the columns' idf, and the class weights of
those columns; the intercepts and the temperature. Scoring an item is then its terms looked up,
counted and one small dot product per block, with no scikit-learn call: the same numbers as ``Model.predict_proba`` (scikit-learn's own) to about 1e-15
(tests/test_classify_fast_path.py holds them equal on real text). Nothing here imports
scikit-learn or SciPy, so a process that loads a cached ``CompiledModel`` never does.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .cues import CueBlock
from .doc import Doc, title_terms

# What scikit-learn's char analyser does to a text before cutting n-grams (``_white_spaces``).
_WHITE_SPACES = re.compile(r"\s\s+")


class Block:
    """One tf-idf block: the part of the item it reads, its weight, and its fitted numbers.

    ``idf`` and ``weights`` (the logistic model's weights of each term, one row per term) are
    indexed by the block's columns; ``columns`` finds the columns of a text's terms.
    """

    part: str
    weight: float
    idf: np.ndarray        # float64[terms]
    weights: np.ndarray    # float64[terms, score columns]

    def counts(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The columns of the known terms of ``text`` and how often each occurs."""
        raise NotImplementedError

    def add_scores(self, text: str, scores: np.ndarray) -> None:
        """Add this block's contribution to ``scores``: the logistic weights of the text's terms,
        weighted by sublinear tf · idf, l2-normalised, times the block weight."""
        cols, tf = self.counts(text)
        if not len(cols):
            return
        v = (1.0 + np.log(tf)) * self.idf[cols]
        v *= self.weight / np.sqrt(v @ v)
        scores += v @ self.weights[cols]


class WordBlock(Block):
    """jieba words (in the title with word bigrams): a dict term -> column."""

    def __init__(self, part: str, weight: float, vocabulary: dict[str, int], idf: np.ndarray,
                 weights: np.ndarray) -> None:
        self.part, self.weight, self.vocabulary, self.idf, self.weights = part, weight, vocabulary, idf, weights

    def counts(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        terms = title_terms(text) if self.part == "title" else _words(text)
        found: dict[int, int] = {}
        for j in map(self.vocabulary.get, terms):
            if j is not None:
                found[j] = found.get(j, 0) + 1
        return (np.fromiter(found, dtype=np.int64, count=len(found)),
                np.fromiter(found.values(), dtype=np.float64, count=len(found)))


class CharBlock(Block):
    """Character n-grams (scikit-learn's ``analyzer="char"``), each n-gram known by an integer
    code (``ngram_codes``): a text's n-grams are cut and looked up as arrays, no string per n-gram."""

    def __init__(self, part: str, weight: float, ngrams: tuple[int, int], vocabulary: dict[str, int],
                 idf: np.ndarray, weights: np.ndarray) -> None:
        self.part, self.weight, self.ngrams, self.idf, self.weights = part, weight, ngrams, idf, weights
        codes = np.array([term_code(t) for t in vocabulary], dtype=np.int64)
        order = np.argsort(codes)
        self.codes = codes[order]  # sorted, for searchsorted
        self.code_columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))[order]

    def counts(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        grams = ngram_codes(text, *self.ngrams)
        if not len(grams) or not len(self.codes):
            return grams, grams
        keys, tf = np.unique(grams, return_counts=True)  # sorted keys: searchsorted walks them in order
        at = np.searchsorted(self.codes, keys)
        np.minimum(at, len(self.codes) - 1, out=at)
        known = self.codes[at] == keys
        return self.code_columns[at[known]], tf[known].astype(np.float64)


MAX_N = 3  # n-gram codes hold up to three characters (21 bits each) in an int64
_BITS = 21


def term_code(term: str) -> int:
    """The integer code of an n-gram of 1-3 characters: each character's code point + 1 in 21 bits."""
    code = 0
    for ch in term:
        code = (code << _BITS) | (ord(ch) + 1)
    return code


def ngram_codes(text: str, min_n: int, max_n: int) -> np.ndarray:
    """The codes (``term_code``) of scikit-learn's ``analyzer="char"`` n-grams of ``text``
    (lower case, runs of white space as one space), n from ``min_n`` to ``max_n``."""
    text = _WHITE_SPACES.sub(" ", text.lower())
    chars = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.int64)
    chars += 1
    parts = [chars] if min_n == 1 else []
    grams = chars
    for n in range(2, min(max_n, len(chars)) + 1):
        grams = (grams[:-1] << _BITS) | chars[n - 1:]  # the (n-1)-grams, each with its next character
        if n >= min_n:
            parts.append(grams)
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else chars[:0]


def _words(text: str) -> list[str]:
    from mailbot.text import words

    return words(text)


@dataclass
class CompiledModel:
    """A fitted model as plain data; ``predict_proba`` is what the classifier calls per item.

    ``classes`` are the category ids the model learnt (taxonomy order); the probabilities come
    out in ``order`` (scikit-learn's order of classes, which settles ties the same way).
    """

    classes: list[str]
    order: list[str]
    blocks: list[Block]
    intercept: np.ndarray
    temperature: float = 1.0
    cues: CueBlock | None = None
    cue_weight: float = 0.0
    cue_weights: np.ndarray | None = None  # float64[cue features, score columns]
    binary: bool = False  # two classes: scikit-learn's logistic model has one score column

    def scores(self, doc: Doc) -> np.ndarray:
        """The logistic model's class scores (``decision_function``) of one item."""
        scores = self.intercept.copy()
        for block in self.blocks:
            block.add_scores(doc.part(block.part), scores)
        if self.cues is not None and self.cue_weights is not None:
            cue = self.cues.vector(doc)
            hit = np.flatnonzero(cue)
            scores += (cue[hit] * self.cue_weight) @ self.cue_weights[hit]
        return scores

    def predict_proba(self, doc: Doc) -> dict[str, float]:
        """Class probabilities: a softmax of the class scores over the temperature."""
        if not self.order:
            return {c: 1.0 / len(self.classes) for c in self.classes}
        scores = self.scores(doc)
        if self.binary:
            scores = np.array([-scores[0], scores[0]])
        return softmax_dict(self.order, scores / self.temperature)


def softmax_dict(classes: Sequence[Any], scores: np.ndarray) -> dict[str, float]:
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 0 or scores.shape == (1,):
        scores = np.array([-float(scores.ravel()[0]), float(scores.ravel()[0])])
    e = np.exp(scores - scores.max())
    p = e / e.sum()
    return {str(c): float(x) for c, x in zip(classes, p)}


def compile_model(model: Any) -> CompiledModel:
    """The plain-data form of a fitted ``model.Model``; refuses vectoriser settings it does not
    reproduce, so that a change to the model cannot silently part the two paths."""
    if model.clf is None:
        return CompiledModel(list(model.classes), [], [], np.zeros(0), model.temperature)
    coef = np.asarray(model.clf.coef_, dtype=np.float64)
    blocks: list[Block] = []
    offset = 0
    for vec, part, weight in model.vectorisers:
        _check(vec)
        size = len(vec.vocabulary_)
        vocabulary = {term: int(col) for term, col in vec.vocabulary_.items()}
        idf = np.array(vec.idf_, dtype=np.float64)
        weights = np.ascontiguousarray(coef[:, offset:offset + size].T)
        if vec.analyzer == "char":
            blocks.append(CharBlock(part, float(weight), tuple(vec.ngram_range), vocabulary, idf, weights))
        else:
            blocks.append(WordBlock(part, float(weight), vocabulary, idf, weights))
        offset += size
    cue_weights = None
    if model.cues is not None:
        cue_weights = np.ascontiguousarray(coef[:, offset:offset + model.cues.size].T)
    return CompiledModel(list(model.classes), [str(c) for c in model.clf.classes_], blocks,
                         np.array(model.clf.intercept_, dtype=np.float64), model.temperature, model.cues,
                         model.cue_weight, cue_weights, len(model.clf.classes_) == 2)


def _check(vec: Any) -> None:
    expected = dict(input="content", preprocessor=None, strip_accents=None, norm="l2", use_idf=True,
                    sublinear_tf=True, binary=False)
    if vec.analyzer == "char":
        expected["lowercase"] = True
        if not 1 <= vec.ngram_range[0] <= vec.ngram_range[1] <= MAX_N:
            raise ValueError(f"cannot compile character n-grams of {vec.ngram_range}")
    elif not callable(vec.analyzer):
        raise ValueError(f"cannot compile a vectoriser with analyzer={vec.analyzer!r}")
    elif vec.analyzer is not title_terms and getattr(vec.analyzer, "__name__", "") != "words":
        raise ValueError(f"cannot compile a vectoriser with analyzer {vec.analyzer!r}")
    for key, value in expected.items():
        if getattr(vec, key) != value:
            raise ValueError(f"cannot compile a vectoriser with {key}={getattr(vec, key)!r}")

