"""The shipped labelled items (data/labelled.jsonl)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

LABELLED = Path(__file__).parent / "data" / "labelled.jsonl"


@dataclass(frozen=True)
class Example:
    """One labelled item."""

    id: str
    subject: str
    text: str
    category: str
    split: str  # "train" or "test"

    def as_tuple(self) -> tuple[str, str, str]:
        return (self.subject, self.text, self.category)


def load_labelled(split: str | None = None, path: Path = LABELLED) -> list[Example]:
    """Labelled items from the shipped file; ``split`` = "train", "test" or None for all."""
    if split not in (None, "train", "test"):
        raise ValueError(f"split must be 'train', 'test' or None, not {split!r}")
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                if split is None or row["split"] == split:
                    out.append(Example(row["id"], row["subject"], row["text"], row["category"], row["split"]))
    return out
