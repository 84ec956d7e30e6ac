"""Tune the resubmission thresholds on public Chinese government-style text.

Source: 新闻联播 items (/work/shared/corpus/xinwenlianbo-transcripts/derived/news_items.jsonl).
Positives: each item against an edited copy of itself (whitespace, punctuation,
traditional characters, a signature block, changed figures, a sentence added or
removed, a combination sent as 【更正】). Negatives: other items of the same day,
each item's three nearest other items in the whole corpus (same topic), and
template pairs (the same opening sentence, different events).

    PYTHONPATH=/work/main python benchmarks/resubmission_tuning.py [--shingle N] [--limit N]

Prints recall per edit kind, false positives per negative kind and
precision/recall at a range of thresholds, then timings.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from mailbot import resubmission as rs
from mailbot.resubmission import fingerprints

CORPUS = Path("/work/shared/corpus/xinwenlianbo-transcripts/derived/news_items.jsonl")
SIGNATURE = (
    "\n\n报送单位：吉林市卫生局\n信息员：张晓明\n签发人：李建国\n联系电话：0432-62345678\n"
    "\n吉林市卫生局办公室\n2024年5月12日\n"
)
_LEAD = re.compile(r"^\s*央视网消息\s*[（(]新闻联播[）)]\s*[:：]\s*")
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def load_items(limit: int | None) -> list[dict]:
    items = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = re.sub(r"</p>\s*", "\n", row["text"])
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
        text = re.sub(r"\[查看原文\]\([^)]*\)", "", text)  # web link left by the scraper
        text = _LEAD.sub("", text.strip())  # shared by every item; real submissions lack it
        if 100 <= len(text) <= 3000:
            items.append({"date": row["date"], "title": row["title"], "text": text})
    return items[:limit] if limit else items


# ---------------------------------------------------------------- edits

def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip()]


def edit_whitespace(text: str, rnd: random.Random) -> str:
    out = []
    for ch in text:
        out.append(ch)
        if rnd.random() < 0.03:
            out.append(rnd.choice([" ", "\n", "\u3000", "  "]))
    return "  " + "".join(out).replace("\n", "\n\n") + "\n"


def edit_punctuation(text: str, rnd: random.Random) -> str:
    table = {"，": ",", "。": ".", "：": ":", "；": ";", "“": '"', "”": '"', "（": "(", "）": ")"}
    return "".join(table.get(ch, ch) if rnd.random() < 0.7 else ch for ch in text)


def edit_traditional(text: str, rnd: random.Random) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def edit_signature(text: str, rnd: random.Random) -> str:
    return text + SIGNATURE


def edit_figures(text: str, rnd: random.Random, count: int = 2) -> str:
    numbers = list(_NUMBER.finditer(text))
    if not numbers:  # no figures: change a Chinese numeral or a character instead
        return edit_characters(text, rnd, 1)
    for m in sorted(rnd.sample(numbers, min(count, len(numbers))), key=lambda m: -m.start()):
        new = str(int(float(m.group()) * rnd.uniform(1.05, 1.6)) + 1)
        text = text[: m.start()] + new + text[m.end():]
    return text


def edit_characters(text: str, rnd: random.Random, count: int = 3) -> str:
    chars = list(text)
    for _ in range(count):
        i = rnd.randrange(len(chars))
        chars[i] = rnd.choice("的了和在是有我为这中大年")
    return "".join(chars)


def edit_add_sentence(text: str, rnd: random.Random, donor: str) -> str:
    own, extra = sentences(text), sentences(donor)
    add = rnd.choice(extra) if extra else donor[:40]
    i = rnd.randrange(len(own) + 1)
    return "".join(own[:i] + [add] + own[i:])


def edit_remove_sentence(text: str, rnd: random.Random) -> str:
    own = sentences(text)
    if len(own) < 3:
        return edit_characters(text, rnd)
    del own[rnd.randrange(len(own))]
    return "".join(own)


def edit_correction(text: str, rnd: random.Random, donor: str) -> str:
    """A 更正 copy: three figures changed, one sentence rewritten, one added, new layout."""
    text = edit_figures(text, rnd, 3)
    own = sentences(text)
    if len(own) >= 3:
        own[rnd.randrange(len(own))] = rnd.choice(sentences(donor) or [donor[:40]])
    text = edit_add_sentence("".join(own), rnd, donor)
    return edit_whitespace(text, rnd)


# ---------------------------------------------------------------- pairs

def build_pairs(items: list[dict], fps: list[rs.Fingerprint], rnd: random.Random):
    """Yield (kind, is_positive, subject_new, subject_old, fp_new, fp_old)."""
    plain = {
        "whitespace": edit_whitespace, "punctuation": edit_punctuation,
        "traditional": edit_traditional, "signature": edit_signature,
        "figures": edit_figures, "typos": edit_characters, "sentence removed": edit_remove_sentence,
    }
    for i, item in enumerate(items):
        donor = items[rnd.randrange(len(items))]["text"]
        title = item["title"]
        for kind, edit in plain.items():
            new = edit(item["text"], rnd)
            yield kind, True, title, title, rs.fingerprint(title, new), fps[i]
        new = edit_add_sentence(item["text"], rnd, donor)
        yield "sentence added", True, title, title, rs.fingerprint(title, new), fps[i]
        new = edit_correction(item["text"], rnd, donor)
        yield "correction (【更正】)", True, "【更正】" + title, title, rs.fingerprint(title, new), fps[i]
        yield "correction (no marker)", True, title, title, rs.fingerprint(title, new), fps[i]
        retitled = title[:-1] + "的情况" if len(title) > 4 else title + "的情况"
        yield "correction (【更正】, retitled)", True, "【更正】" + retitled, title, rs.fingerprint(title, new), fps[i]

    by_day = defaultdict(list)
    for i, item in enumerate(items):
        by_day[item["date"]].append(i)
    for day in by_day.values():
        for a in day:
            for b in day:
                if a < b:
                    yield "same day", False, items[a]["title"], items[b]["title"], fps[a], fps[b]

    values = np.stack([fp.hashvalues for fp in fps])
    for i in range(len(items)):
        sims = (values == values[i]).mean(axis=1)
        sims[i] = -1
        for j in np.argsort(-sims)[:3]:
            yield "nearest (same topic)", False, items[i]["title"], items[j]["title"], fps[i], fps[int(j)]
            yield "nearest + 【更正】", False, "【更正】" + items[i]["title"], items[j]["title"], fps[i], fps[int(j)]
            yield "nearest+【更正】+same title", False, "【更正】" + items[j]["title"], items[j]["title"], fps[i], fps[int(j)]

    for _ in range(len(items)):
        x, y, z = (items[k] for k in rnd.sample(range(len(items)), 3))
        opening = (sentences(x["text"]) or [x["text"][:50]])[0]
        a, b = opening + "\n" + y["text"], opening + "\n" + z["text"]
        yield "template (same opening)", False, "周报", "周报", rs.fingerprint("周报", a), rs.fingerprint("周报", b)


def decide(pair, threshold: float, correction_threshold: float) -> bool:
    _, _, subj_new, subj_old, fp_new, fp_old = pair
    now = datetime(2024, 5, 12, tzinfo=UTC)
    cand = rs.Candidate("old", fp_old, subj_old, now - timedelta(days=3))
    return rs.find_original(fp_new, subj_new, now, [cand], threshold=threshold,
                            correction_threshold=correction_threshold) is not None


def report(pairs, thresholds, correction_thresholds) -> None:
    kinds = sorted({p[0] for p in pairs}, key=lambda k: [p[0] for p in pairs].index(k))
    sims = {k: np.array([rs.similarity(p[4], p[5]) for p in pairs if p[0] == k]) for k in kinds}
    print("\nsimilarity by kind:   n     min    p5   median   p95    max")
    for k in kinds:
        s = sims[k]
        print(f"  {k:24s} {len(s):5d}  {s.min():.2f}  {np.percentile(s, 5):.2f}  {np.median(s):.2f}"
              f"  {np.percentile(s, 95):.2f}  {s.max():.2f}")
    print("\nunmarked rule (exact, or similarity >= T within window):")
    marked = [p for p in pairs if "更正" in p[2]]
    unmarked = [p for p in pairs if "更正" not in p[2]]
    _table(unmarked, kinds, thresholds, lambda p, t: decide(p, t, 1.01))
    print(f"\nmarked rule (【更正】; unmarked threshold {rs.NEAR_DUPLICATE_THRESHOLD}, correction threshold C):")
    _table(marked, kinds, correction_thresholds,
           lambda p, c: decide(p, rs.NEAR_DUPLICATE_THRESHOLD, c))


def _table(pairs, kinds, thresholds, rule) -> None:
    present = [k for k in kinds if any(p[0] == k for p in pairs)]
    print("  thr   " + "  ".join(f"{k[:14]:>14s}" for k in present) + "   precision  recall")
    for t in thresholds:
        row, tp, fp, pos = [], 0, 0, 0
        for k in present:
            sel = [p for p in pairs if p[0] == k]
            hits = sum(rule(p, t) for p in sel)
            positive = sel[0][1]
            row.append(f"{hits / len(sel):14.3f}" if positive else f"{hits:>9d}/{len(sel):<4d}")
            if positive:
                tp, pos = tp + hits, pos + len(sel)
            else:
                fp += hits
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(f"  {t:.2f}  " + "  ".join(row) + f"   {precision:.4f}  {tp / pos:.4f}")


def ranking(items: list[dict], fps: list[rs.Fingerprint], rnd: random.Random) -> None:
    """A 【更正】 copy among its original and the original's 3 nearest items:
    how often is the original the one found (the realistic case for corrections)."""
    values = np.stack([fp.hashvalues for fp in fps])
    now = datetime(2024, 5, 12, tzinfo=UTC)
    right = wrong = none = 0
    for i, item in enumerate(items):
        sims = (values == values[i]).mean(axis=1)
        sims[i] = -1
        others = [int(j) for j in np.argsort(-sims)[:3]]
        cands = [rs.Candidate(k, fps[k], items[k]["title"], now - timedelta(days=1 + n))
                 for n, k in enumerate([i] + others)]
        donor = items[rnd.randrange(len(items))]["text"]
        new = rs.fingerprint(item["title"], edit_correction(item["text"], rnd, donor))
        found = rs.find_original(new, "【更正】" + item["title"], now, cands)
        if found is None:
            none += 1
        elif found[0].key == i:
            right += 1
        else:
            wrong += 1
    n = len(items)
    print(f"\n【更正】 copy among original + 3 nearest: original found {right / n:.4f}, "
          f"another item {wrong / n:.4f}, none {none / n:.4f}")


def timings(items: list[dict]) -> None:
    long = max(items, key=lambda it: len(it["text"]))
    text = (long["text"] * 2)[:2000]
    rs.fingerprint("x", text)  # warm up jieba and OpenCC
    start = time.perf_counter()
    for _ in range(50):
        fp = rs.fingerprint("x", text)
    per_fp = (time.perf_counter() - start) / 50 * 1000
    now = datetime(2024, 5, 12, tzinfo=UTC)
    cands = [rs.Candidate(i, rs.fingerprint(it["title"], it["text"]), it["title"], now - timedelta(hours=i))
             for i, it in enumerate(items[:300])]
    start = time.perf_counter()
    for _ in range(20):
        rs.find_original(fp, "【更正】x", now, cands)
    per_find = (time.perf_counter() - start) / 20 * 1000
    print(f"\nfingerprint of a 2000-char item: {per_fp:.1f} ms; find_original over 300 candidates: {per_find:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use only the first N items")
    parser.add_argument("--shingle", type=int, default=rs.SHINGLE_SIZE, help="token n-gram size")
    parser.add_argument("--seed", type=int, default=20240512)
    args = parser.parse_args()
    fingerprints.SHINGLE_SIZE = args.shingle  # the module that shingles reads it at call time
    items = load_items(args.limit)
    rnd = random.Random(args.seed)
    fps = [rs.fingerprint(it["title"], it["text"]) for it in items]
    pairs = list(build_pairs(items, fps, rnd))
    print(f"{len(items)} items, {len(pairs)} pairs, shingle size {args.shingle}, num_perm {rs.NUM_PERM}")
    print(f"figure guard: overlap >= {rs.FIGURE_THRESHOLD} when both have >= {rs.MIN_FIGURES} figures; "
          f"title floor {rs.CORRECTION_TITLE_FLOOR}")
    report(pairs, [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7], [0.15, 0.2, 0.25, 0.3, 0.35, 0.4])
    ranking(items, fps, rnd)
    timings(items)


if __name__ == "__main__":
    main()
