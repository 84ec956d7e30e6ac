"""Accuracy, per-category precision/recall, the confusion matrix and per-source figures."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class _Classifies(Protocol):
    def classify(self, subject: str, text: str): ...


@dataclass
class ClassFigures:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Prediction:
    """One scored item: its source, the truth, the decision and its confidence."""

    subject: str
    source: str
    truth: str
    predicted: str
    confidence: float


@dataclass
class Report:
    """Evaluation figures; ``confusion[true][predicted]`` counts items."""

    accuracy: float
    per_class: dict[str, ClassFigures]
    confusion: dict[str, dict[str, int]]
    labels: list[str]
    total: int
    predictions: list[Prediction] = field(default_factory=list)

    @property
    def errors(self) -> list[tuple[str, str, str]]:
        """(subject, true, predicted) of every miss."""
        return [(p.subject, p.truth, p.predicted) for p in self.predictions if p.truth != p.predicted]

    def by_source(self) -> dict[str, tuple[int, int]]:
        """source -> (right, total)."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for p in self.predictions:
            out[p.source][0] += p.truth == p.predicted
            out[p.source][1] += 1
        return {s: (r, n) for s, (r, n) in sorted(out.items())}

    def review_share(self, threshold: float) -> tuple[float, float, float]:
        """(share of items below ``threshold``, accuracy above it, share of misses caught below it)."""
        below = [p for p in self.predictions if p.confidence < threshold]
        above = [p for p in self.predictions if p.confidence >= threshold]
        misses = [p for p in self.predictions if p.truth != p.predicted]
        acc_above = sum(p.truth == p.predicted for p in above) / len(above) if above else 0.0
        caught = sum(p.truth != p.predicted for p in below) / len(misses) if misses else 1.0
        return (len(below) / self.total if self.total else 0.0, acc_above, caught)

    def format(self) -> str:
        """Printable text: accuracy, per-category table, confusion matrix, per-source lines."""
        lines = [f"items: {self.total}   accuracy: {self.accuracy:.1%}", "",
                 f"{'category':<12}{'precision':>10}{'recall':>10}{'f1':>8}{'n':>6}"]
        for lab in self.labels:
            f = self.per_class[lab]
            lines.append(f"{lab:<12}{f.precision:>10.1%}{f.recall:>10.1%}{f.f1:>8.3f}{f.support:>6}")
        lines += ["", "confusion (rows = true, columns = predicted)",
                  f"{'':<12}" + "".join(f"{lab[:9]:>10}" for lab in self.labels)]
        for t in self.labels:
            lines.append(f"{t:<12}" + "".join(f"{self.confusion[t][p]:>10}" for p in self.labels))
        sources = self.by_source()
        if sources:
            lines += ["", "per source"]
            for src, (right, n) in sources.items():
                lines.append(f"{src:<14}{right:>5} of {n:<5}{right / n:>8.1%}")
        return "\n".join(lines)


def score(predictions: Sequence[Prediction], labels: Sequence[str] | None = None) -> Report:
    """Figures of already made predictions."""
    labs = list(labels) if labels else sorted({p.truth for p in predictions} | {p.predicted for p in predictions})
    for extra in sorted(({p.truth for p in predictions} | {p.predicted for p in predictions}) - set(labs)):
        labs.append(extra)
    confusion = {t: dict.fromkeys(labs, 0) for t in labs}
    for p in predictions:
        confusion[p.truth][p.predicted] += 1
    per_class = {}
    for lab in labs:
        tp = confusion[lab][lab]
        predicted = sum(confusion[t][lab] for t in labs)
        actual = sum(confusion[lab].values())
        prec = tp / predicted if predicted else 0.0
        rec = tp / actual if actual else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[lab] = ClassFigures(prec, rec, f1, actual)
    correct = sum(p.truth == p.predicted for p in predictions)
    return Report(correct / len(predictions) if predictions else 0.0, per_class, confusion, labs,
                  len(predictions), list(predictions))


def predict(classifier: _Classifies, examples: Iterable) -> list[Prediction]:
    """Classify ``examples`` (Example objects or (subject, text, category) tuples)."""
    out = []
    for e in examples:
        subject, text, truth = (e.subject, e.text, e.category) if hasattr(e, "subject") else tuple(e)
        d = classifier.classify(subject, text)
        out.append(Prediction(subject or text[:30], getattr(e, "source", ""), truth, d.category, d.confidence))
    return out


def evaluate(classifier: _Classifies, examples: Iterable, labels: Sequence[str] | None = None) -> Report:
    """Classify ``examples`` and score them."""
    return score(predict(classifier, examples), labels)


def cross_validate(build: Callable[[list], _Classifies], examples: Sequence, folds: int = 5,
                   labels: Sequence[str] | None = None) -> Report:
    """Grouped k-fold: each item is scored by a classifier built without its source unit.

    ``build(train_examples)`` returns a classifier; units (``Example.unit``) never straddle folds,
    and are dealt to folds largest first so the folds come out about even.
    """
    units: dict[str, list] = defaultdict(list)
    for e in examples:
        units[e.unit or e.group or e.id].append(e)
    fold_of: dict[str, int] = {}
    sizes = [0] * folds
    for unit in sorted(units, key=lambda u: (-len(units[u]), u)):
        k = sizes.index(min(sizes))
        fold_of[unit] = k
        sizes[k] += len(units[unit])
    predictions: list[Prediction] = []
    for k in range(folds):
        held = [e for u, es in units.items() if fold_of[u] == k for e in es]
        rest = [e for u, es in units.items() if fold_of[u] != k for e in es]
        if held:
            predictions += predict(build(rest), held)
    return score(predictions, labels)
