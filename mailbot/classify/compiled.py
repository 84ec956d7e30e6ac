"""The fitted model as plain data, and the per-item scoring the classifier runs.

``compile_model`` reads a fitted ``model.Model`` (scikit-learn's vectorisers and logistic model)
once and keeps what scoring needs: for the title's words a dict term -> column; for the character
n-gram blocks one sorted array of integer keys (``CharBlocks``); each term's idf and class weights;
the intercepts and the temperature. Scoring an item is then its terms looked up and counted, and a
small dot product, with no scikit-learn call: the same numbers as ``Model.predict_proba``
(scikit-learn's own) to about 1e-15 (tests/test_classify_fast_path.py holds them equal on real text). Nothing here imports
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


class WordBlock:
    """A block of jieba words (in the title with word bigrams): a dict term -> column, the
    columns' idf, and the logistic model's weights of each column (one row per column)."""

    def __init__(self, part: str, weight: float, vocabulary: dict[str, int], idf: np.ndarray,
                 weights: np.ndarray) -> None:
        self.part, self.weight, self.vocabulary, self.idf, self.weights = part, weight, vocabulary, idf, weights

    def counts(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The columns of the known terms of ``text`` and how often each occurs."""
        terms = title_terms(text) if self.part == "title" else _words(text)
        found: dict[int, int] = {}
        for j in map(self.vocabulary.get, terms):
            if j is not None:
                found[j] = found.get(j, 0) + 1
        return (np.fromiter(found, dtype=np.int64, count=len(found)),
                np.fromiter(found.values(), dtype=np.float64, count=len(found)))

    def add_scores(self, text: str, scores: np.ndarray) -> None:
        """Add this block's contribution to ``scores``: the logistic weights of the text's terms,
        weighted by sublinear tf · idf, l2-normalised, times the block weight."""
        cols, tf = self.counts(text)
        if not len(cols):
            return
        v = (1.0 + np.log(tf)) * self.idf[cols]
        v *= self.weight / np.sqrt(v @ v)
        scores += v @ self.weights[cols]


class CharBlocks:
    """Every character-n-gram block (scikit-learn's ``analyzer="char"``: lower case, runs of white
    space as one space), looked up and scored together in a few array operations per item.

    An n-gram is known by an integer key: its block, then each character's place in the
    blocks' alphabet (the characters of their terms) in ``bits`` bits; a character outside the
    alphabet is in no term, so an n-gram holding one is skipped. ``keys`` (sorted) holds every
    block's terms, with their block, column, idf and logistic weights beside them.
    """

    def __init__(self, blocks: Sequence[tuple[str, float, tuple[int, int], dict[str, int], np.ndarray, np.ndarray]]) -> None:
        self.parts = [b[0] for b in blocks]
        self.ngrams = [b[2] for b in blocks]
        self.block_weight = np.array([b[1] for b in blocks], dtype=np.float64)
        alphabet = sorted({ch for b in blocks for term in b[3] for ch in term})
        # character -> its place in the alphabet (0: in no term), as a table indexed by code point
        self.places = np.zeros(max((ord(ch) for ch in alphabet), default=0) + 2, dtype=np.int32)
        self.places[[ord(ch) for ch in alphabet]] = np.arange(1, len(alphabet) + 1)
        self.bits = max(1, len(alphabet).bit_length())
        self.shift = MAX_N * self.bits  # the block's place in a key
        place = {ch: i + 1 for i, ch in enumerate(alphabet)}
        keys, block, columns, rows = [], [], [], []
        offset = 0
        for k, (_, _, _, vocabulary, idf, _) in enumerate(blocks):
            for term, col in vocabulary.items():
                code = 0
                for ch in term:
                    code = (code << self.bits) | place[ch]
                keys.append((k << self.shift) | code)
                block.append(k)
                columns.append(col)
                rows.append(offset + col)
            offset += len(idf)
        order = np.argsort(np.array(keys, dtype=np.int64))
        at = np.array(rows, dtype=np.int64)[order]
        self.keys = np.array(keys, dtype=np.int64)[order]
        self.block = np.array(block, dtype=np.int64)[order]
        self.columns = np.array(columns, dtype=np.int64)[order]  # the term's column in its block
        # per term, one row: the logistic weights, then idf and block (one memory read per term)
        weights = np.concatenate([b[5] for b in blocks])[at]
        self.classes = weights.shape[1]
        self.table = np.ascontiguousarray(np.column_stack([weights, np.concatenate([b[4] for b in blocks])[at],
                                                           self.block.astype(np.float64)]))
        self.wants = [np.array([lo <= n <= hi for lo, hi in self.ngrams]) for n in range(MAX_N + 1)]

    def _found(self, doc: Doc) -> tuple[np.ndarray, np.ndarray]:
        """The rows (in ``keys``) of the item's known n-grams, and how often each occurs."""
        texts = [_WHITE_SPACES.sub(" ", doc.part(part).lower()) for part in self.parts]
        lengths = [len(t) for t in texts]
        chars = np.frombuffer("\0".join(texts).encode("utf-32-le"), dtype="<u4")
        if not len(chars):
            return chars.astype(np.int64), chars.astype(np.float64)
        places = self.places[np.minimum(chars, len(self.places) - 1)].astype(np.int64)  # the last entry is 0
        places[np.cumsum(lengths[:-1]) + np.arange(len(lengths) - 1)] = 0  # the separators
        block = np.repeat(np.arange(len(texts), dtype=np.int64), [n + 1 for n in lengths])[:len(chars)]
        tagged = block << self.shift
        found = []
        grams, known = places, places > 0
        for n in range(1, MAX_N + 1):
            if n > 1:
                grams = (grams[:-1] << self.bits) | places[n - 1:]
                known = known[:-1] & (places[n - 1:] > 0)
            keep = known & self.wants[n][block[:len(grams)]]
            found.append(grams[keep] | tagged[:len(grams)][keep])
        keys, tf = np.unique(np.concatenate(found), return_counts=True)
        at = np.searchsorted(self.keys, keys)
        np.minimum(at, len(self.keys) - 1, out=at)
        hit = self.keys[at] == keys
        return at[hit], tf[hit].astype(np.float64)

    def counts(self, doc: Doc) -> list[dict[int, int]]:
        """Per block, column -> how often its term occurs in the item (what the tests compare)."""
        rows, tf = self._found(doc)
        out: list[dict[int, int]] = [{} for _ in self.parts]
        for row, n in zip(rows.tolist(), tf.tolist()):
            out[int(self.block[row])][int(self.columns[row])] = int(n)
        return out

    def add_scores(self, doc: Doc, scores: np.ndarray) -> None:
        """Add the blocks' contribution to ``scores``: per block, sublinear tf · idf, l2-normalised,
        times the block weight, through the logistic weights."""
        rows, tf = self._found(doc)
        if not len(rows):
            return
        found = self.table[rows]
        k = self.classes
        v = (1.0 + np.log(tf)) * found[:, k]
        block = found[:, k + 1].astype(np.int64)
        norms = np.bincount(block, weights=v * v, minlength=len(self.parts))
        scale = np.zeros(len(self.parts))
        np.divide(self.block_weight, np.sqrt(norms), out=scale, where=norms > 0)
        v *= scale[block]
        scores += v @ found[:, :k]


MAX_N = 3  # n-grams of up to three characters


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
    blocks: list[WordBlock]  # the word blocks
    intercept: np.ndarray
    temperature: float = 1.0
    cues: CueBlock | None = None
    cue_weight: float = 0.0
    cue_weights: np.ndarray | None = None  # float64[cue features, score columns]
    binary: bool = False  # two classes: scikit-learn's logistic model has one score column
    chars: CharBlocks | None = None  # the character-n-gram blocks, scored together

    def scores(self, doc: Doc) -> np.ndarray:
        """The logistic model's class scores (``decision_function``) of one item."""
        scores = self.intercept.copy()
        for block in self.blocks:
            block.add_scores(doc.part(block.part), scores)
        if self.chars is not None:
            self.chars.add_scores(doc, scores)
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
    blocks: list[WordBlock] = []
    chars = []
    offset = 0
    for vec, part, weight in model.vectorisers:
        _check(vec)
        size = len(vec.vocabulary_)
        vocabulary = {term: int(col) for term, col in vec.vocabulary_.items()}
        idf = np.array(vec.idf_, dtype=np.float64)
        weights = np.ascontiguousarray(coef[:, offset:offset + size].T)
        if vec.analyzer == "char":
            chars.append((part, float(weight), tuple(vec.ngram_range), vocabulary, idf, weights))
        else:
            blocks.append(WordBlock(part, float(weight), vocabulary, idf, weights))
        offset += size
    cue_weights = None
    if model.cues is not None:
        cue_weights = np.ascontiguousarray(coef[:, offset:offset + model.cues.size].T)
    return CompiledModel(list(model.classes), [str(c) for c in model.clf.classes_], blocks,
                         np.array(model.clf.intercept_, dtype=np.float64), model.temperature, model.cues,
                         model.cue_weight, cue_weights, len(model.clf.classes_) == 2,
                         CharBlocks(chars) if chars else None)


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

