"""The classifier's fast ``predict_proba`` gives scikit-learn's own numbers.

Written against the model's interface: whatever model ships, ``Model.predict_proba`` (the fast
path the classifier calls) must equal ``Model.reference_proba`` (the library's own prediction).
Judged on real news text nobody here wrote (Xinwen Lianbo transcripts) and on edge cases.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest

from mailbot.classify.classifier import Classifier
from mailbot.classify.model import prepare

pytestmark = pytest.mark.needs_corpus  # real items and mail from ../shared/corpus

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MAILBOT_SHARED") or ROOT.parent / "shared")
NEWS = SHARED / "corpus" / "xinwenlianbo-transcripts" / "derived" / "news_items.jsonl"


def _news(limit: int = 150) -> list[tuple[str, str]]:
    out = []
    for line in NEWS.read_text(encoding="utf-8").splitlines()[:limit]:
        item = json.loads(line)
        body = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"</p>\s*", "\n", item["text"])))
        out.append((item["title"], body))
    return out


EDGE_CASES = [
    ("", ""),                                         # nothing at all
    ("关于", ""),                                     # a title and no body
    ("", "。。。！！！"),                              # punctuation only
    ("Weekly report", "plain ASCII text, no Chinese"),
    ("長春市衛生局召開會議", "繁體字的正文，應先轉為簡體。"),  # traditional characters
    ("某县发生一起食物中毒事件" * 20, "正文" * 2000),   # very long
]


@pytest.fixture(scope="module")
def model():
    return Classifier.build().model


def test_fast_predict_proba_equals_scikit_learn(model):
    # GIVEN real news items and edge cases, prepared as the classifier prepares them
    docs = [prepare(title, body) for title, body in [*_news(), *EDGE_CASES]]
    assert len(docs) > 100
    # WHEN both paths score them
    for doc in docs:
        fast = model.predict_proba(doc)
        reference = model.reference_proba(doc)
        # THEN the categories and their probabilities agree to rounding
        assert fast.keys() == reference.keys()
        assert max(abs(fast[c] - reference[c]) for c in fast) < 1e-9, doc.title
        assert abs(sum(fast.values()) - 1.0) < 1e-9


def test_fast_path_equals_scikit_learn_with_cue_features():
    # GIVEN a model trained with the (optional) cue-feature block switched on
    from mailbot.classify.dataset import load_real
    from mailbot.classify.model import train
    from mailbot.classify.taxonomy import default_taxonomy

    rows = [e.as_tuple() for e in load_real("train")]
    cued = train(rows, default_taxonomy(), cue_weight=0.6)
    assert cued.cues is not None
    # WHEN both paths score real news and edge cases (演练 and 事故 among them)
    docs = [prepare(t, b) for t, b in [*_news(60), *EDGE_CASES, ("某市举行危化品泄漏事故应急演练", "")]]
    for doc in docs:
        fast, reference = cued.predict_proba(doc), cued.reference_proba(doc)
        # THEN they agree to rounding
        assert max(abs(fast[c] - reference[c]) for c in fast) < 1e-9, doc.title
