"""Segmentation cost: memory of the one jieba dictionary, and jieba time per item.

Until the text helpers had one owner, classification and resubmission fingerprints each
loaded a jieba dictionary and each segmented every item (with different settings). This
measures, on real 新闻联播 items, what one shared tokenizer and one pass per item cost
against that: resident memory after loading one dictionary and after loading a second,
and CPU time per item of one pass against the former two passes.

    python benchmarks/segmentation.py [--items N]

The corpus is found at $MAILBOT_SHARED or ../shared beside the repository.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MAILBOT_SHARED") or ROOT.parent / "shared")
NEWS = SHARED / "corpus" / "xinwenlianbo-transcripts" / "derived" / "news_items.jsonl"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def load_items(limit: int) -> list[str]:
    texts = []
    for line in NEWS.read_text(encoding="utf-8").splitlines():
        body = re.sub(r"</p>\s*", "\n", json.loads(line)["text"])
        texts.append(html.unescape(re.sub(r"<[^>]+>", "", body)).strip())
    step = max(1, len(texts) // limit)
    return texts[::step][:limit]


def cpu_ms_per_item(fn, texts: list[str], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for t in texts:
            fn(t)
        best = min(best, (time.process_time() - start) * 1000 / len(texts))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=500)
    args = parser.parse_args()
    texts = load_items(args.items)

    import jieba

    from mailbot.text import cleaned, comparable, segment, tokenizer

    jieba.setLogLevel(60)
    base = rss_mib()
    tok = tokenizer()
    one = rss_mib()
    second = jieba.Tokenizer()  # what the second dictionary used to cost
    second.initialize()
    two = rss_mib()
    print(f"resident memory: {base:.0f} MiB with jieba imported, {one:.0f} MiB with the one dictionary "
          f"(+{one - base:.0f}); a second dictionary would add {two - one:.0f} MiB")
    del second

    def two_passes(t: str) -> None:  # as before: the classifier's opening, then the fingerprint's whole text
        tok.lcut(cleaned(t, 800), HMM=False)
        tok.lcut(comparable(t))

    old = cpu_ms_per_item(two_passes, texts)
    new = cpu_ms_per_item(segment, texts)
    chars = sum(len(t) for t in texts) / len(texts)
    print(f"{len(texts)} 新闻联播 items, {chars:.0f} characters on average")
    print(f"jieba per item (CPU): two passes {old:.2f} ms, one shared pass {new:.2f} ms ({new / old:.2f}x)")


if __name__ == "__main__":
    main()
