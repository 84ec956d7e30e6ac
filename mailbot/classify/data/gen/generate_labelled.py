"""Generate labelled.jsonl: realistic 政务信息 items for the six default categories.

Run once: ``python mailbot/classify/data/gen/generate_labelled.py``. The output is committed;
the script is kept so the data can be inspected and regenerated. Items combine many
hand-written openings, facts and closings from member units of a provincial health and a
city transport system, plus hand-written free items and a few adapted public news items.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from common import CITIES, R
from generators_emergency import emergency_items
from generators_experience import experience_items
from generators_meeting import meeting_items
from generators_problem import problem_items
from generators_progress import progress_items
from generators_research import research_items
from handwritten import HANDWRITTEN
from handwritten_batch4 import BATCH4
from handwritten_fresh import FRESH
from handwritten_holdout import HOLDOUT


def _tidy(text: str) -> str:
    """Join city and unit names cleanly: 长春市 + 市卫生局 -> 长春市卫生局 (after drawing, so the
    random stream and thus the split stay as they were)."""
    for city in CITIES:
        for unit_start in ("市", "县"):
            text = text.replace(city + unit_start, city)
    return text


def main() -> None:
    rows: list[tuple[str, str, str]] = []
    for cat, gen in [("emergency", emergency_items), ("meeting", meeting_items), ("research", research_items),
                     ("experience", experience_items), ("problem", problem_items), ("progress", progress_items)]:
        for subj, text in gen():
            rows.append((subj, text, cat))
    rows.extend(HANDWRITTEN)
    seen: set[str] = set()
    by_cat: dict[str, list[tuple[str, str, str]]] = {}
    for subj, text, cat in rows:
        if subj in seen:
            continue
        seen.add(subj)
        by_cat.setdefault(cat, []).append((_tidy(subj), _tidy(re.sub(r"\n{3,}", "\n\n", text.strip())), cat))
    out = []
    n = 0
    for cat in sorted(by_cat):
        items = by_cat[cat]
        R.shuffle(items)
        cut = round(len(items) * 0.7)
        for i, (subj, text, c) in enumerate(items):
            n += 1
            out.append({"id": f"L{n:04d}", "subject": subj, "text": text, "category": c,
                        "split": "train" if i < cut else "test"})
    # Second and fourth batches: measured once, then used to tune the rules, so training only.
    # Third batch: held out, test only.
    for batch, split in ((FRESH, "train"), (HOLDOUT, "test"), (BATCH4, "train")):
        for subj, text, c in batch:
            assert subj not in seen, subj
            seen.add(subj)
            n += 1
            out.append({"id": f"L{n:04d}", "subject": subj, "text": text, "category": c, "split": split})
    R.shuffle(out)
    with open(Path(__file__).resolve().parent.parent / "labelled.jsonl", "w", encoding="utf-8") as fh:
        for row in out:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    from collections import Counter
    print(Counter((r["category"], r["split"]) for r in out))
    print("total", len(out), Counter(r["split"] for r in out))


if __name__ == "__main__":
    main()
