"""Accuracy, per-class precision/recall/F1 and the confusion matrix of a classifier."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
class Report:
    """Evaluation figures; ``confusion[true][predicted]`` counts items."""

    accuracy: float
    per_class: dict[str, ClassFigures]
    confusion: dict[str, dict[str, int]]
    labels: list[str]
    total: int
    errors: list[tuple[str, str, str]]  # (subject, true, predicted)

    def format(self) -> str:
        """Printable text: accuracy, per-class table and confusion matrix."""
        lines = [f"items: {self.total}   accuracy: {self.accuracy:.1%}", "",
                 f"{'category':<12}{'precision':>10}{'recall':>10}{'f1':>8}{'n':>6}"]
        for lab in self.labels:
            f = self.per_class[lab]
            lines.append(f"{lab:<12}{f.precision:>10.1%}{f.recall:>10.1%}{f.f1:>8.3f}{f.support:>6}")
        lines += ["", "confusion (rows = true, columns = predicted)",
                  f"{'':<12}" + "".join(f"{lab[:9]:>10}" for lab in self.labels)]
        for t in self.labels:
            lines.append(f"{t:<12}" + "".join(f"{self.confusion[t][p]:>10}" for p in self.labels))
        return "\n".join(lines)


def evaluate(classifier: _Classifies, examples: Iterable, labels: Sequence[str] | None = None) -> Report:
    """Classify ``examples`` (Example objects or (subject, text, category) tuples) and score them."""
    rows = [(e.subject, e.text, e.category) if hasattr(e, "subject") else tuple(e) for e in examples]
    preds = [classifier.classify(s, t).category for s, t, _ in rows]
    truth = [c for _, _, c in rows]
    labs = list(labels) if labels else sorted(set(truth) | set(preds))
    for extra in sorted((set(truth) | set(preds)) - set(labs)):
        labs.append(extra)
    confusion = {t: dict.fromkeys(labs, 0) for t in labs}
    for t, p in zip(truth, preds):
        confusion[t][p] += 1
    per_class = {}
    for lab in labs:
        tp = confusion[lab][lab]
        predicted = sum(confusion[t][lab] for t in labs)
        actual = sum(confusion[lab].values())
        prec = tp / predicted if predicted else 0.0
        rec = tp / actual if actual else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[lab] = ClassFigures(prec, rec, f1, actual)
    correct = sum(t == p for t, p in zip(truth, preds))
    errors = [(s, t, p) for (s, _, t), p in zip(rows, preds) if t != p]
    return Report(correct / len(rows) if rows else 0.0, per_class, confusion, labs, len(rows), errors)
