"""Classification speed: training, cache load, and ms per item over the real labelled items.

Run: ``python benchmarks/classify_speed.py [--rounds N]``
"""
from __future__ import annotations

import argparse
import pickle
import statistics
import tempfile
import time
from pathlib import Path

from mailbot.classify import classifier as classifier_module
from mailbot.classify.classifier import Classifier
from mailbot.classify.dataset import load_real
from mailbot.text import tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items = load_real()

    start = time.perf_counter()
    tokenizer()
    loaded = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        classifier = Classifier.build(cache_dir=Path(tmp))  # trains and writes the cache
        done = time.perf_counter()
        classifier_module._MEMO.clear()  # as a new process would start
        Classifier.build(cache_dir=Path(tmp))
        cached = time.perf_counter()
        size = sum(p.stat().st_size for p in Path(tmp).glob("classifier-*.pickle"))
    print(f"first start: jieba dictionary {loaded - start:.2f} s, training {done - loaded:.2f} s; "
          f"later starts load the cached model ({size / 1e6:.1f} MB) in {cached - done:.2f} s")
    print(f"model size pickled: {len(pickle.dumps(classifier.model)) / 1e6:.1f} MB")

    # A long item: ten copies of one body (the classifier reads only the opening).
    long_text = "\n".join(items[0].text for _ in range(10)) * 3
    per_round = []
    for _ in range(args.rounds):
        t = time.perf_counter()
        for e in items:
            classifier.classify(e.subject, e.text)
        per_round.append((time.perf_counter() - t) * 1000 / len(items))
    t = time.perf_counter()
    for _ in range(50):
        classifier.classify(items[0].subject, long_text)
    long_ms = (time.perf_counter() - t) * 1000 / 50
    trad = "松原市寧江區發生一起集體食物中毒事件"
    t = time.perf_counter()
    for _ in range(200):
        classifier.classify(trad, "35人陸續出現腹瀉、嘔吐，已送醫治療，區衛生健康局已派員開展流行病學調查。" * 5)
    trad_ms = (time.perf_counter() - t) * 1000 / 200
    print(f"items: {len(items)}  rounds: {args.rounds}")
    print(f"ms/item (median of rounds): {statistics.median(per_round):.2f}  (min {min(per_round):.2f}, max {max(per_round):.2f})")
    print(f"ms/item, {len(long_text)}-char body: {long_ms:.2f}")
    print(f"ms/item, traditional input: {trad_ms:.2f}")


if __name__ == "__main__":
    main()
