"""The classifier's compiled model gives scikit-learn's own numbers, and so the same decisions.

Written against the model's interface: whatever model ships, ``CompiledModel.predict_proba`` (the
fast path the classifier calls) must equal ``Model.predict_proba`` (the library's own prediction).
Judged on the labelled items (every decision, as ``mailbot evaluate`` makes it), on real news text
nobody here wrote (Xinwen Lianbo transcripts) and on edge cases.
"""

from __future__ import annotations

import html
import json
import os
import pickle
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from mailbot.classify.classifier import GENERATED_WEIGHT, Classifier, load_model, training_rows
from mailbot.classify.compiled import CharBlock
from mailbot.classify.dataset import load_generated, load_real
from mailbot.classify.doc import prepare
from mailbot.classify.taxonomy import default_taxonomy

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
    ("ＡＢＣ  Ｄ\t全角", "多个   空格\n\n\t和制表符\u3000\u3000全角空格 Mixed CASE 𠀀𪚥"),  # spaces, case, astral
    ("a", "b"),                                       # shorter than the n-grams
]


@pytest.fixture(scope="module")
def reference() -> Classifier:
    """The shipped classifier, scoring with scikit-learn itself."""
    return Classifier.trained(default_taxonomy(), *training_rows(), scikit_learn=True)


@pytest.fixture(scope="module")
def held_out_pair() -> tuple[Classifier, Classifier]:
    """``mailbot evaluate``'s held-out classifier, once with scikit-learn's prediction and once
    with the compiled model of the same fit."""
    rows = [e.as_tuple() for e in load_real("train")]
    generated = [e.as_tuple() for e in load_generated()]
    slow = Classifier.trained(default_taxonomy(), rows + generated,
                              [1.0] * len(rows) + [GENERATED_WEIGHT] * len(generated), scikit_learn=True)
    fast = Classifier(slow.taxonomy, slow.model.compiled())
    return slow, fast


def test_the_compiled_model_decides_every_labelled_item_as_scikit_learn_does(held_out_pair):
    # GIVEN the held-out classifier both ways
    slow, fast = held_out_pair
    items = load_real()
    assert len(items) > 800
    for e in items:
        # WHEN both classify a labelled item (train and test split alike)
        a, b = slow.classify(e.subject, e.text), fast.classify(e.subject, e.text)
        # THEN the category, confidence, reasons and candidates are the same
        assert (a.category, a.confidence, a.reasons, a.alternatives) == (b.category, b.confidence, b.reasons,
                                                                          b.alternatives), e.id
        # AND the probabilities agree to rounding
        doc = prepare(e.subject, e.text)
        p, q = slow.model.predict_proba(doc), fast.model.predict_proba(doc)
        assert list(p) == list(q) and max(abs(p[c] - q[c]) for c in p) < 1e-9, e.id


def test_the_compiled_blocks_count_the_terms_scikit_learn_counts(reference):
    # GIVEN each fitted vectoriser and its compiled block
    model = reference.model
    compiled = model.compiled()
    docs = [prepare(e.subject, e.text) for e in load_real()[:300]] + [prepare(s, t) for s, t in EDGE_CASES]
    for (vec, part, _), block in zip(model.vectorisers, compiled.blocks):
        analyse = vec.build_analyzer()
        assert block.part == part and isinstance(block, CharBlock) == (vec.analyzer == "char")
        for doc in docs:
            # WHEN both count the terms of a part
            expected = Counter(vec.vocabulary_[t] for t in analyse(doc.part(part)) if t in vec.vocabulary_)
            cols, tf = block.counts(doc.part(part))
            # THEN they find the same columns, as often
            assert dict(zip(cols.tolist(), tf.tolist())) == expected, (part, doc.part(part)[:40])


@pytest.mark.needs_corpus  # 新闻联播 items from ../shared/corpus
def test_compiled_predict_proba_equals_scikit_learn_on_news(reference):
    # GIVEN real news items and edge cases, prepared as the classifier prepares them
    model = reference.model
    compiled = model.compiled()
    docs = [prepare(title, body) for title, body in [*_news(), *EDGE_CASES]]
    assert len(docs) > 100
    # WHEN both paths score them
    for doc in docs:
        fast = compiled.predict_proba(doc)
        slow = model.predict_proba(doc)
        # THEN the categories and their probabilities agree to rounding
        assert list(fast) == list(slow)
        assert max(abs(fast[c] - slow[c]) for c in fast) < 1e-9, doc.title
        assert abs(sum(fast.values()) - 1.0) < 1e-9


def test_compiled_model_equals_scikit_learn_with_cue_features():
    # GIVEN a model trained with the (optional) cue-feature block switched on
    from mailbot.classify.model import train

    rows = [e.as_tuple() for e in load_real("train")]
    cued = train(rows, default_taxonomy(), cue_weight=0.6)
    assert cued.cues is not None
    compiled = cued.compiled()
    # WHEN both paths score real items and edge cases (演练 and 事故 among them)
    docs = [prepare(e.subject, e.text) for e in load_real("test")[:80]]
    docs += [prepare(t, b) for t, b in [*EDGE_CASES, ("某市举行危化品泄漏事故应急演练", "")]]
    for doc in docs:
        fast, slow = compiled.predict_proba(doc), cued.predict_proba(doc)
        # THEN they agree to rounding
        assert max(abs(fast[c] - slow[c]) for c in fast) < 1e-9, doc.title


def test_a_model_of_two_categories_compiles_too():
    # GIVEN a taxonomy of two categories (scikit-learn's logistic model then has one score column)
    from mailbot.classify.model import train

    taxonomy = [s for s in default_taxonomy() if s.id in ("emergency", "meeting")]
    rows = [e.as_tuple() for e in load_real("train") if e.category in ("emergency", "meeting")]
    fitted = train(rows, taxonomy)
    compiled = fitted.compiled()
    for e in load_real("test")[:60]:
        doc = prepare(e.subject, e.text)
        fast, slow = compiled.predict_proba(doc), fitted.predict_proba(doc)
        assert list(fast) == list(slow) and max(abs(fast[c] - slow[c]) for c in fast) < 1e-9


def test_a_cached_classifier_loads_and_scores_without_scikit_learn_or_scipy(tmp_path):
    # GIVEN a classifier cache written by a first start
    Classifier.build(cache_dir=tmp_path)
    # WHEN a new process loads it, classifies and fingerprints an item
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mailbot.classify.classifier import Classifier\n"
        "from mailbot.resubmission import fingerprint\n"
        f"c = Classifier.build(cache_dir=Path({str(tmp_path)!r}))\n"
        "d = c.classify('柳河县发生一起食物中毒事件', '35人出现腹泻、呕吐，已送医治疗。')\n"
        "fingerprint('柳河县发生一起食物中毒事件', '35人出现腹泻、呕吐，已送医治疗。')\n"
        "print(d.category, *sorted(m for m in ('sklearn', 'scipy', 'datasketch') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    # THEN it decides, and none of those libraries was imported
    assert out.stdout.split() == ["emergency"]


def test_a_cache_file_naming_other_code_is_refused_not_imported(tmp_path):
    # GIVEN a cache file that pickles a scikit-learn model (as an older version wrote them)
    from mailbot.classify.model import train

    path = tmp_path / "classifier-old.pickle"
    with path.open("wb") as fh:
        pickle.dump(train([e.as_tuple() for e in load_real("train")[:200]], default_taxonomy()), fh)
    # WHEN it is loaded THEN it is refused (the caller trains again)
    with pytest.raises(pickle.UnpicklingError):
        load_model(path)
