"""Classification speed: ms per item after warm-up, over the shipped labelled items.

Run: ``PYTHONPATH=. python benchmarks/classify_speed.py [--rounds N]``
"""
from __future__ import annotations

import argparse
import statistics
import time

from mailbot.classify.classifier import Classifier
from mailbot.classify.dataset import load_labelled
from mailbot.text import tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items = load_labelled()

    start = time.perf_counter()
    tokenizer()
    loaded = time.perf_counter()
    classifier = Classifier.build()
    classifier.classify("预热", "预热")  # trains the model
    done = time.perf_counter()
    print(f"first use: jieba dictionary {loaded - start:.2f} s, training on {len(items)} items {done - loaded:.2f} s")

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
