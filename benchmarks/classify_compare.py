"""Which classifier generalises: variants measured on real text only.

    python benchmarks/classify_compare.py [--cv]

Each variant trains on the real ``train`` split (plus generated items where it says so) and is
scored on the real ``test`` split, which shares no 新闻联播 day, work report or web page with
training; ``--cv`` scores grouped 5-fold cross-validation over every real item instead.
"""
from __future__ import annotations

import argparse
import time

from mailbot.classify import evaluation, model
from mailbot.classify.classifier import GENERATED_WEIGHT, RULE_LIFT, Classifier
from mailbot.classify.dataset import load_generated, load_real
from mailbot.classify.taxonomy import default_taxonomy

ALL = ("emergency", "meeting", "research", "experience", "problem", "progress")
WITH_BODY_WORDS = model.BLOCKS + (("body", "words", 0.8),)


def builder(generated: bool, lift, blocks, cue_weight: float = model.CUE_WEIGHT):
    taxonomy = default_taxonomy()
    gen = [e.as_tuple() for e in load_generated()] if generated else []

    def build(train_examples):
        rows = [e.as_tuple() for e in train_examples] + gen
        weights = [1.0] * len(train_examples) + [GENERATED_WEIGHT] * len(gen)
        saved = model.BLOCKS, model.CUE_WEIGHT
        model.BLOCKS, model.CUE_WEIGHT = blocks, cue_weight
        try:
            return Classifier.trained(taxonomy, rows, weights, rule_lift=lift)
        finally:
            model.BLOCKS, model.CUE_WEIGHT = saved
    return build


def run(name: str, cv: bool, generated: bool = True, lift=None, blocks=model.BLOCKS,
        cue_weight: float = model.CUE_WEIGHT) -> None:
    build = builder(generated, RULE_LIFT if lift is None else lift, blocks, cue_weight)
    t0 = time.perf_counter()
    if cv:
        report = evaluation.cross_validate(build, load_real(), 5, ALL)
    else:
        report = evaluation.evaluate(build(load_real("train")), load_real("test"), ALL)
    per = " ".join(f"{c[:4]} {f.recall:.2f}/{f.precision:.2f}" for c, f in report.per_class.items())
    print(f"{name:<30} acc {report.accuracy:.3f}  {per}  ({time.perf_counter() - t0:.0f}s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="grouped 5-fold cross-validation over all real items")
    cv = parser.parse_args().cv
    print("accuracy; recall/precision per category (real text only)")
    run("shipped (real+generated)", cv)
    run("real only", cv, generated=False)
    run("no cue rules", cv, lift={})
    run("emergency cue rules only", cv, lift={"emergency": 0.35})
    run("with body words", cv, blocks=WITH_BODY_WORDS)
    run("cue features 0.3", cv, cue_weight=0.3)
    run("cue features 0.6", cv, cue_weight=0.6)
    run("cue features 0.6, no cue rules", cv, lift={}, cue_weight=0.6)


if __name__ == "__main__":
    main()
