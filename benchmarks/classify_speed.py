"""Classification speed: training, cache load, and CPU ms per item over the real labelled items.

Per item: the classifier (compiled model, what the pipeline runs), the same decisions with
scikit-learn's own prediction (the reference path, for comparison), the fingerprint from the
item's words, and the one jieba pass (``mailbot.text.segment``) both share. A fresh process
then loads the cached model and reports its memory and whether scikit-learn/SciPy came in.

Run: ``python benchmarks/classify_speed.py [--rounds N]``
"""
from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mailbot.classify import classifier as classifier_module
from mailbot.classify.classifier import Classifier, training_rows
from mailbot.classify.dataset import load_real
from mailbot.classify.taxonomy import default_taxonomy
from mailbot.resubmission import fingerprint
from mailbot.text import segment, tokenizer

# The new process's own peak (VmHWM): ru_maxrss would carry this process's peak across exec.
_FRESH = """
import sys
from pathlib import Path
from mailbot.classify.classifier import Classifier
from mailbot.resubmission import fingerprint
c = Classifier.build(cache_dir=Path(sys.argv[1]))
c.classify("柳河县发生一起食物中毒事件", "35人出现腹泻、呕吐，已送医治疗。")
fingerprint("柳河县发生一起食物中毒事件", "35人出现腹泻、呕吐，已送医治疗。")
loaded = [m for m in ("sklearn", "scipy", "datasketch") if m in sys.modules]
peak = [int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM")][0]
print(peak / 1024, " ".join(loaded) or "-")
"""


def cpu_ms(fn: Callable[[object], object], items: Sequence[object], rounds: int) -> list[float]:
    """CPU ms per item of ``fn`` over ``items``, once per round (process time: the machine is shared)."""
    out = []
    for _ in range(rounds):
        t = time.process_time()
        for item in items:
            fn(item)
        out.append((time.process_time() - t) * 1000 / len(items))
    return out


def line(name: str, per_round: list[float]) -> str:
    return f"{name:<44} {statistics.median(per_round):6.3f}  (min {min(per_round):.3f}, max {max(per_round):.3f})"


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
        fresh = subprocess.run([sys.executable, "-c", _FRESH, tmp], capture_output=True, text=True, check=True,
                               cwd=Path(__file__).resolve().parents[1]).stdout.split()
    print(f"first start: jieba dictionary {loaded - start:.2f} s, training {done - loaded:.2f} s; "
          f"later starts load the cached model ({size / 1e6:.1f} MB) in {cached - done:.2f} s")
    print(f"model size pickled: {len(pickle.dumps(classifier.model)) / 1e6:.1f} MB; a new process that loads it, "
          f"classifies and fingerprints: peak RSS {float(fresh[0]):.0f} MB, imported: {' '.join(fresh[1:])}")
    reference = Classifier.trained(default_taxonomy(), *training_rows(), scikit_learn=True)

    segmented = {id(e): segment(e.text) for e in items}
    print(f"\nitems: {len(items)} real labelled items, rounds: {args.rounds}; CPU ms per item (median of rounds)")
    print(line("classify (compiled model)", cpu_ms(lambda e: classifier.classify(e.subject, e.text), items,
                                                   args.rounds)))
    print(line("classify, scikit-learn's own prediction", cpu_ms(
        lambda e: reference.classify(e.subject, e.text), items, args.rounds)))
    print(line("fingerprint (from the item's words)", cpu_ms(
        lambda e: fingerprint(e.subject, e.text, segmented[id(e)]), items, args.rounds)))
    print(line("segment (the one jieba pass both share)", cpu_ms(lambda e: segment(e.text), items, args.rounds)))

    # A long item: ten copies of one body (the classifier reads only the opening).
    long_text = "\n".join(items[0].text for _ in range(10)) * 3
    print(line(f"classify, {len(long_text)}-char body", cpu_ms(
        lambda _: classifier.classify(items[0].subject, long_text), range(50), args.rounds)))
    trad = "松原市寧江區發生一起集體食物中毒事件"
    body = "35人陸續出現腹瀉、嘔吐，已送醫治療，區衛生健康局已派員開展流行病學調查。" * 5
    print(line("classify, traditional input", cpu_ms(lambda _: classifier.classify(trad, body), range(200),
                                                     args.rounds)))


if __name__ == "__main__":
    main()
