"""Classifier: cue rules and the learned model combined into one Decision per item."""
from __future__ import annotations

import pickle
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mailbot.text import Segmented, add_words, strip_reply_prefixes

from .cues import compile_specs, score_cues
from .dataset import load_labelled
from .model import Model, prepare, train
from .taxonomy import CategorySpec, default_taxonomy

MODEL_SHARE = 0.5      # weight of the model against the cue rules
RULE_SHARPNESS = 2.0   # cue scores are raised to this power before normalising
RULE_DOUBT = 1.0       # pseudo-score of "no cue": a lone weak keyword leaves some say to the model
MAX_REASONS = 3
FALLBACK_CATEGORY = "progress"  # general work news: where an item without any cue belongs
FALLBACK_BELOW = 0.6            # model probability under which an uncued winner is not trusted

# Subject noise that says nothing about the content (after reply/forward prefixes): unit tags,
# submission words.
_SUBJECT_NOISE = re.compile(r"^\s*(【[^】]{0,30}】|\[[^\]]{0,30}\]|(报送|上报|投稿|信息|政务信息)\s*[:：-]\s*)+")
# Subjects that only say "here is an item": the item's own title is then the body's first line.
_GENERIC_SUBJECT = re.compile(r"^.{0,16}?(报送|上报|投稿|提交|转发)?的?(政务|工作)?(信息|稿件|材料|动态)(一则|一篇|\d+[则篇条])?[。.!！]?$"
                              r"|^(无主题|无标题|no subject|\(no subject\))$", re.IGNORECASE)
_HEADER_LINE = re.compile(r"^(报送单位|信息员|签发人|联系人|联系电话|审核人|附件|各位|您好|领导|办公室)")
# A memo, not shared state: the model trained on the shipped data alone is a pure function of the
# taxonomy's ids and examples (fixed seed), so every classifier built for the same taxonomy gets an
# identical model; a model is never changed after training. Retrained models are not kept here.
_models: dict[tuple, Model] = {}
_models_lock = threading.Lock()


@dataclass
class Decision:
    """The category chosen for an item, how sure, and why."""

    category: str
    confidence: float
    reasons: list[str] = field(default_factory=list)


class Classifier:
    """Classifies 政务信息 items into the categories of a taxonomy."""

    def __init__(self, taxonomy: list[CategorySpec], model: Model | None = None,
                 training: list[tuple[str, str, str]] | None = None,
                 fallback: str | None = FALLBACK_CATEGORY) -> None:
        self.taxonomy = taxonomy
        # An item with no cue for the model's pick and a weak model goes to the general category,
        # so that vague text never raises an emergency alert on the model's say alone.
        self.fallback = fallback if any(s.id == fallback for s in taxonomy) else None
        self._compiled = compile_specs(taxonomy)
        self._model = model
        self._training = training
        self._key = (tuple((s.id, tuple(s.examples)) for s in taxonomy),)
        self._corrected: dict[str, str] = {}

    @classmethod
    def build(cls, taxonomy: list[CategorySpec] | None = None, extra_words: Iterable[str] = (),
              model_path: Path | None = None, fallback: str | None = FALLBACK_CATEGORY) -> Classifier:
        """A classifier for ``taxonomy`` (default six); model from ``model_path`` if it exists,
        else trained from the shipped labelled data at first use and cached in memory."""
        taxonomy = taxonomy or default_taxonomy()
        words = list(extra_words)
        if words:
            add_words(words)
        model = None
        if model_path is not None and Path(model_path).exists():
            model = load_model(Path(model_path))
        return cls(taxonomy, model, fallback=fallback)

    @property
    def model(self) -> Model:
        """The learned model, trained on first use (once per process per taxonomy)."""
        if self._model is None:
            key = self._key if self._training is None else None
            with _models_lock:
                if key is not None and key in _models:
                    self._model = _models[key]
                else:
                    data = self._training if self._training is not None else [
                        e.as_tuple() for e in load_labelled()]
                    self._model = train(data, self.taxonomy)
                    if key is not None:
                        _models[key] = self._model
        return self._model

    def retrained(self, corrections: Iterable[tuple[str, str, str]], weight: int = 2) -> Classifier:
        """A new classifier trained on the shipped data plus the office's (subject, text, category)
        corrections, each counted ``weight`` times so that they outweigh similar shipped items."""
        given = [(subject, text, category) for subject, text, category in corrections]
        data = [e.as_tuple() for e in load_labelled()] + [c for c in given for _ in range(weight)]
        out = Classifier(self.taxonomy, train(data, self.taxonomy), fallback=self.fallback)
        # The same item again (a resubmission) takes the office's category outright.
        out._corrected = {**self._corrected, **{prepare(_clean_subject(s), "")[0]: c
                                                for s, _, c in corrections if len(s.strip()) >= 4}}
        return out

    def classify(self, subject: str, text: str, segmented: Segmented | None = None) -> Decision:
        """Category of one item; the subject weighs more than the body.

        ``segmented`` is ``mailbot.text.segment(text)`` when the caller has it already.
        """
        title, body, body_words = prepare(_clean_subject(subject or ""), text or "", segmented)
        if title in self._corrected:
            return Decision(self._corrected[title], 1.0, ["办公室更正: 同题信息"])
        if len(title) < 4 or (_GENERIC_SUBJECT.match(title) and not _has_cue(self._compiled, title)):
            title = _first_line(body) or title
        model_p = self.model.predict_proba(title, body, body_words)
        cues = score_cues(self._compiled, title, body)
        rule_raw = {cid: cs.score ** RULE_SHARPNESS for cid, cs in cues.items()}
        # Weak cue evidence leaves part of the rules' share to the model (RULE_DOUBT).
        total = sum(rule_raw.values()) + RULE_DOUBT
        combined: dict[str, float] = {}
        for spec in self.taxonomy:
            m = model_p.get(spec.id, 0.0)
            r = (rule_raw[spec.id] + RULE_DOUBT * m) / total if total > 0 else m
            combined[spec.id] = MODEL_SHARE * m + (1 - MODEL_SHARE) * r
        best = max(self.taxonomy, key=lambda s: combined[s.id]).id
        if (self.fallback and best != self.fallback and cues[best].score == 0
                and model_p.get(best, 0.0) < FALLBACK_BELOW):
            weak = model_p.get(best, 0.0)
            best = self.fallback
            reasons = [f"无明显特征，按一般动态处理（模型倾向 {weak:.2f}）"]
            return Decision(best, round(min(combined[best], 0.5), 3), reasons + [f"模型: {model_p.get(best, 0.0):.2f}"])
        reasons = [text for _, text in sorted(cues[best].reasons, key=lambda r: -r[0])[:MAX_REASONS]]
        reasons.append(f"模型: {model_p.get(best, 0.0):.2f}")
        return Decision(best, round(min(max(combined[best], 0.0), 1.0), 3), reasons)


def _clean_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, unit tags and submission words, in any order."""
    text = strip_reply_prefixes(subject)
    while (m := _SUBJECT_NOISE.match(text)) is not None and m.end() > 0:
        text = strip_reply_prefixes(text[m.end():])
    return text.strip()


def _has_cue(compiled, title: str) -> bool:
    return any(cs.score > 0 for cs in score_cues(compiled, title, "").values())


def _first_line(body: str) -> str:
    for line in body.splitlines():
        line = line.strip()
        if len(line) >= 4 and not _HEADER_LINE.match(line):
            return line[:60]
    return ""


def save_model(model: Model, path: Path) -> None:
    """Write a trained model (pickle) for ``Classifier.build(model_path=...)``."""
    with Path(path).open("wb") as fh:
        pickle.dump(model, fh)


def load_model(path: Path) -> Model:
    """Read a model written by ``save_model`` (trusted local file only: pickle)."""
    with Path(path).open("rb") as fh:
        return pickle.load(fh)
