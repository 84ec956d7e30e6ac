"""What ``mailbot evaluate`` prints: figures on real text only, from the shipped labelled set.

The held-out figures train on the real ``train`` split (plus the generated items, which only
ever train) and score the real ``test`` split, which shares no 新闻联播 day, work report or
web page with training. Cross-validation scores every real item once, by a model trained
without its source unit, and fits the temperature that calibrates the probabilities.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .classifier import GENERATED_WEIGHT, Classifier
from .dataset import Example, load_generated, load_real
from .evaluation import Report, cross_validate, evaluate
from .model import fit_temperature, prepare
from .taxonomy import default_taxonomy

REVIEW_THRESHOLDS = (0.5, 0.7, 0.85, 0.95)


def _builder():
    taxonomy = default_taxonomy()
    generated = [e.as_tuple() for e in load_generated()]

    def build(train_examples: list[Example]) -> Classifier:
        rows = [e.as_tuple() for e in train_examples] + generated
        weights = [1.0] * len(train_examples) + [GENERATED_WEIGHT] * len(generated)
        return Classifier.trained(taxonomy, rows, weights)
    return build


@dataclass
class Measurement:
    held_out: Report
    cross_validated: Report | None = None
    temperature: float | None = None


def measure(cv: bool = False) -> Measurement:
    """Held-out figures, and with ``cv`` the grouped 5-fold figures and the fitted temperature."""
    build = _builder()
    ids = [s.id for s in default_taxonomy()]
    held_out = evaluate(build(load_real("train")), load_real("test"), ids)
    if not cv:
        return Measurement(held_out)
    pairs: list[tuple[dict[str, float], str]] = []

    def build_and_keep(train_examples: list[Example]) -> Classifier:
        clf = build(train_examples)
        held = [e for e in load_real() if e not in set(train_examples)]
        t0, clf.model.temperature = clf.model.temperature, 1.0
        pairs.extend((clf.model.predict_proba(prepare(e.subject, e.text)), e.category) for e in held)
        clf.model.temperature = t0
        return clf

    report = cross_validate(build_and_keep, load_real(), 5, ids)
    return Measurement(held_out, report, fit_temperature(pairs))


def format_measurement(m: Measurement) -> str:
    real = load_real()
    splits = Counter(e.split for e in real)
    sources = Counter(e.source for e in real)
    lines = [f"real labelled items: {len(real)} (train {splits['train']}, test {splits['test']}); "
             + ", ".join(f"{s} {n}" for s, n in sorted(sources.items())),
             f"generated items (training only): {len(load_generated())}", "",
             "held-out test split (no source day, report or page shared with training)",
             m.held_out.format(), "", _review_lines(m.held_out)]
    if m.cross_validated is not None:
        lines += ["", f"grouped 5-fold cross-validation over all {len(real)} real items",
                  m.cross_validated.format(), "", _review_lines(m.cross_validated)]
    if m.temperature is not None:
        lines.append(f"temperature fitted on out-of-fold predictions: {m.temperature:.2f}")
    return "\n".join(lines)


def _review_lines(report: Report) -> str:
    out = ["below [classify] review_below: share marked 待复核, accuracy of the rest, misses caught"]
    for t in REVIEW_THRESHOLDS:
        share, acc, caught = report.review_share(t)
        out.append(f"  {t:.2f}: {share:6.1%} {acc:8.1%} {caught:8.1%}")
    return "\n".join(out)
