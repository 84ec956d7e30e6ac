"""The shipped labelled items: real text (``data/real.jsonl``) and generated text (``data/generated.jsonl``).

Real items were written by real offices and newsrooms and labelled by reading them
(``docs/labelling-guide.md``; sources in ``docs/classification-data.md``); they carry a
``train``/``test`` split by source. Generated items come from the templates in
``tools/classify_data/``: they may train, never judge, so they are all ``train``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data"
REAL = DATA / "real.jsonl"
GENERATED = DATA / "generated.jsonl"
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Example:
    """One labelled item; ``group`` is its source unit (a 新闻联播 day, a report, a web page)."""

    id: str
    subject: str
    text: str
    category: str
    split: str = "train"
    source: str = "generated"
    group: str = ""
    url: str = ""
    unit: str = ""  # the group, near-duplicates in other groups joined: never split across folds

    def as_tuple(self) -> tuple[str, str, str]:
        return (self.subject, self.text, self.category)


def load_real(split: str | None = None, path: Path = REAL) -> list[Example]:
    """Real labelled items; ``split`` = "train", "test" or None for all."""
    if split not in (None, *SPLITS):
        raise ValueError(f"split must be 'train', 'test' or None, not {split!r}")
    out = []
    for row in _rows(path):
        if split is None or row["split"] == split:
            out.append(Example(row["id"], row["subject"], row["text"], row["category"], row["split"],
                               row["source"], row["group"], row["url"], row["unit"]))
    return out


def load_generated(path: Path = GENERATED) -> list[Example]:
    """Generated items (training only)."""
    return [Example(row["id"], row["subject"], row["text"], row["category"]) for row in _rows(path)]


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
