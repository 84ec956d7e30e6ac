"""``python -m mailbot.classify.evaluate``: train on the shipped train split, report on the test split."""
from __future__ import annotations

import argparse
import time

from .classifier import Classifier
from .dataset import load_labelled
from .evaluation import evaluate
from .taxonomy import default_taxonomy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the content classifier on the held-out split.")
    parser.add_argument("--errors", action="store_true", help="list the misclassified items")
    args = parser.parse_args(argv)
    taxonomy = default_taxonomy()
    start = time.perf_counter()
    train_rows = [e.as_tuple() for e in load_labelled("train")]
    classifier = Classifier(taxonomy, training=train_rows)
    _ = classifier.model
    trained = time.perf_counter() - start
    report = evaluate(classifier, load_labelled("test"), [s.id for s in taxonomy])
    print(f"trained on {len(train_rows)} items in {trained:.2f} s (incl. dictionary load)")
    print(report.format())
    if args.errors:
        print("\nmisclassified:")
        for subject, truth, pred in report.errors:
            print(f"  {truth} -> {pred}: {subject}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
