"""Classifier: the learned model and the cue rules combined into one Decision per item."""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mailbot.text import Segmented, add_words, strip_reply_prefixes, tokenizer

from .compiled import CompiledModel
from .cues import compile_specs, score_cues
from .dataset import load_generated, load_real
from .doc import Doc, prepare
from .taxonomy import CategorySpec, default_taxonomy

MAX_REASONS = 3
CORRECTION_WEIGHT = 5.0   # an office correction counts as five shipped items
GENERATED_WEIGHT = 0.5    # generated items train, at half the weight of real ones
# Softmax temperature, fitted on out-of-fold predictions over the real items (``mailbot evaluate
# --cv`` prints the fit again; last 0.97): a confidence of 0.7 means about seven in ten right.
TEMPERATURE = 1.0
# Cue rules (benchmarks/classify_compare.py): a title pattern of a category lifts it by RULE_LIFT
# (in probability, then renormalised). Measured by grouped cross-validation on the real items,
# they add 0.6 points of accuracy (emergency precision 0.83 -> 0.89, experience recall up) and
# cost problem precision a little (0.93 -> 0.91); keywords alone never lift.
RULE_LIFT = dict.fromkeys(("emergency", "meeting", "research", "experience", "problem", "progress"), 0.35)
RULE_MIN_SCORE = 3.0      # a title pattern (3.0); keywords alone never lift

# Subject noise that says nothing about the content: forwards, unit tags, submission words. A tag
# that names a kind of item (【紧急】, 【经验做法】, 新闻联播's 【一线调研】) is kept: it is a cue.
_KIND_TAG = r"(?![^】\]]*(调研|调查|考察|经验|做法|突发|紧急|快报|续报|首报|急报|会议))"
_SUBJECT_NOISE = re.compile(r"^\s*(【" + _KIND_TAG + r"[^】]{0,30}】|\[" + _KIND_TAG + r"[^\]]{0,30}\]"
                            r"|(报送|上报|投稿|信息|政务信息)\s*[:：-]\s*)+")
# Subjects that only say "here is an item": the item's own title is then the body's first line.
_GENERIC_SUBJECT = re.compile(r"^.{0,16}?(报送|上报|投稿|提交|转发)?的?(政务|工作)?(信息|稿件|材料|动态)(一则|一篇|\d+[则篇条])?[。.!！]?$"
                              r"|^(无主题|无标题|no subject|\(no subject\))$", re.IGNORECASE)
_CANDIDATES = "候选: "
log = logging.getLogger("mailbot.classify")
_HEADER_LINE = re.compile(r"^(报送单位|信息员|签发人|联系人|联系电话|审核人|附件|各位|您好|领导|办公室)")


@dataclass
class Decision:
    """The category chosen for an item, how sure (a calibrated probability), and why.

    ``alternatives`` are the likeliest categories with their probabilities, best first (at
    least two when the taxonomy has two), for the office to choose from when in doubt.
    """

    category: str
    confidence: float
    reasons: list[str] = field(default_factory=list)
    alternatives: list[tuple[str, float]] = field(default_factory=list)


def training_rows(generated: bool = True) -> tuple[list[tuple[str, str, str]], list[float]]:
    """The shipped training data: every real item, plus generated items at a lower weight."""
    rows = [e.as_tuple() for e in load_real()]
    weights = [1.0] * len(rows)
    if generated:
        gen = [e.as_tuple() for e in load_generated()]
        rows += gen
        weights += [GENERATED_WEIGHT] * len(gen)
    return rows, weights


class Scorer(Protocol):
    """What the classifier asks of a model: ``CompiledModel`` (the fast path, always in service)
    or ``model.Model`` (scikit-learn's own prediction, the reference the tests compare with)."""

    classes: list[str]

    def predict_proba(self, doc: Doc) -> dict[str, float]: ...


class Classifier:
    """Classifies 政务信息 items into the categories of a taxonomy.

    Build it once (training takes a few seconds, a cached model loads in a fraction of one) and
    keep it; ``retrained`` gives a new one. Scoring an item calls no scikit-learn code, and a
    classifier loaded from the cache never imports scikit-learn or SciPy.
    """

    def __init__(self, taxonomy: list[CategorySpec], model: Scorer,
                 corrected: dict[str, str] | None = None, rule_lift: dict[str, float] | None = None) -> None:
        self.taxonomy = taxonomy
        self.model = model
        self._compiled = compile_specs(taxonomy)
        self._corrected = dict(corrected or {})
        self._lift = dict(RULE_LIFT if rule_lift is None else rule_lift)

    @classmethod
    def build(cls, taxonomy: list[CategorySpec] | None = None, extra_words: Iterable[str] = (),
              corrections: Sequence[tuple[str, str, str]] = (), cache_dir: Path | None = None) -> Classifier:
        """A classifier for ``taxonomy`` (default six) trained on the shipped items and the
        office's (subject, text, category) ``corrections``.

        With ``cache_dir`` the fitted model is kept there under a key of everything it was
        trained from (shipped data, taxonomy, corrections, extra words, code): the first start
        trains (a second or two), later starts load it (~0.1 s), and any change retrains.
        """
        taxonomy = taxonomy or default_taxonomy()
        tokenizer()  # jieba's dictionary, loaded now rather than by the first item (titles need it)
        words = [w for w in extra_words if w.strip()]
        if words:
            add_words(words)
        corrections = [(s, t, c) for s, t, c in corrections]
        key = _cache_key(taxonomy, corrections, words)
        path = Path(cache_dir) / f"classifier-{key}.pickle" if cache_dir is not None else None
        model = _MEMO.get(key)
        if model is None and path is not None and path.exists():
            try:
                model = load_model(path)
            except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError,
                    TypeError) as exc:
                # a truncated, foreign or stale file: train again
                log.warning("classifier cache %s unreadable (%s); training", path.name, exc)
        if model is None:
            trained = cls.trained(taxonomy, *training_rows(), corrections=corrections).model
            assert isinstance(trained, CompiledModel)
            model = trained
        if path is not None and not path.exists():
            _store(model, path)
        _remember(key, model)
        return cls(taxonomy, model, _corrected(corrections))

    @classmethod
    def trained(cls, taxonomy: list[CategorySpec], rows: Sequence[tuple[str, str, str]],
                weights: Sequence[float] | None = None, corrections: Sequence[tuple[str, str, str]] = (),
                rule_lift: dict[str, float] | None = None, scikit_learn: bool = False) -> Classifier:
        """Train on ``rows`` (+ ``corrections``, each weighing CORRECTION_WEIGHT).

        The classifier scores with the compiled model; ``scikit_learn`` keeps the fitted model
        and scores with scikit-learn's own prediction instead (slow: the reference for tests).
        """
        from .model import train  # scikit-learn and SciPy: imported only to train

        corrections = [(s, t, c) for s, t, c in corrections]
        w = list(weights) if weights is not None else [1.0] * len(rows)
        fitted = train(list(rows) + corrections, taxonomy, w + [CORRECTION_WEIGHT] * len(corrections),
                       temperature=TEMPERATURE)
        return cls(taxonomy, fitted if scikit_learn else fitted.compiled(), _corrected(corrections), rule_lift)

    def retrained(self, corrections: Sequence[tuple[str, str, str]]) -> Classifier:
        """A new classifier: the shipped items plus the office's corrections (weighted above all)."""
        return Classifier.trained(self.taxonomy, *training_rows(), corrections=corrections, rule_lift=self._lift)

    def classify(self, subject: str, text: str, segmented: Segmented | None = None) -> Decision:
        """Category of one item, with a calibrated confidence, reasons and the runner-up.

        ``segmented`` (``mailbot.text.segment(text)``) is accepted for the pipeline's sake; the
        model reads the body as characters and segments only the title, so it is not needed.
        """
        doc = prepare(_clean_subject(subject or ""), text or "")
        if doc.title in self._corrected:
            cat = self._corrected[doc.title]
            return Decision(cat, 1.0, ["办公室更正: 同题信息"], [(cat, 1.0)])
        if len(doc.title) < 4 or (_GENERIC_SUBJECT.match(doc.title) and not self._has_title_cue(doc.title)):
            doc = Doc(_first_line(text or "") or doc.title, doc.lead, doc.body)
        probs = self.model.predict_proba(doc)
        cues = score_cues(self._compiled, doc.title, doc.lead + "\n" + doc.body)
        lifted = dict(probs)
        for cid, lift in self._lift.items():
            if cid in lifted and cues.get(cid) and cues[cid].score >= RULE_MIN_SCORE:
                lifted[cid] += lift
        total = sum(lifted.values()) or 1.0
        final = {cid: p / total for cid, p in lifted.items()}
        ranked = sorted(final.items(), key=lambda kv: -kv[1])
        best, conf = ranked[0]
        reasons = [r for _, r in sorted(cues[best].reasons, key=lambda r: -r[0])[:MAX_REASONS]] if best in cues else []
        reasons.append(f"模型: {probs.get(best, 0.0):.2f}")
        alternatives = [(c, round(p, 3)) for c, p in ranked[:2]]
        reasons.append(candidates_reason(alternatives))
        return Decision(best, round(conf, 3), reasons, alternatives)

    def _has_title_cue(self, title: str) -> bool:
        return any(cs.score > 0 for cs in score_cues(self._compiled, title, "").values())


def candidates_reason(alternatives: Sequence[tuple[str, float]]) -> str:
    """The reason line that records the likeliest categories: ``候选: progress 0.62, experience 0.31``."""
    return _CANDIDATES + ", ".join(f"{c} {p:.2f}" for c, p in alternatives)


def parse_candidates(reasons: Sequence[str]) -> list[tuple[str, float]]:
    """The (category, probability) pairs of a ``candidates_reason`` line among ``reasons``."""
    for reason in reasons or ():
        if isinstance(reason, str) and reason.startswith(_CANDIDATES):
            out = []
            for part in reason[len(_CANDIDATES):].split(","):
                cid, _, p = part.strip().rpartition(" ")
                try:
                    out.append((cid, float(p)))
                except ValueError:
                    continue
            return out
    return []


def _corrected(corrections: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    """Titles the office corrected: the very same item sent again takes the office's category."""
    return {prepare(_clean_subject(s), "").title: c for s, _, c in corrections if len(s.strip()) >= 4}


# Models already built in this process, by cache key (everything they were trained from), so
# that several runtimes in one process (tests, the daemon's retrain) do not train twice.
_MEMO: dict[str, CompiledModel] = {}
_MEMO_SIZE = 4


def _remember(key: str, model: CompiledModel) -> None:
    _MEMO.pop(key, None)
    _MEMO[key] = model
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.pop(next(iter(_MEMO)))


def _cache_key(taxonomy: list[CategorySpec], corrections: Sequence[tuple], words: Sequence[str]) -> str:
    h = hashlib.sha256()
    from . import dataset

    here = Path(__file__).parent  # the code that trains, compiles and scores
    for path in (dataset.REAL, dataset.GENERATED, *(here / f"{m}.py" for m in ("model", "compiled", "doc", "cues")),
                 Path(__file__)):
        h.update(path.read_bytes())
    h.update(repr([(s.id, s.keywords, s.title_patterns, s.body_cues, s.examples) for s in taxonomy]).encode())
    h.update(repr(list(corrections)).encode())
    h.update(repr(sorted(words)).encode())
    return h.hexdigest()[:24]


def _store(model: CompiledModel, path: Path) -> None:
    """Write atomically, and drop the older cached models beside it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        save_model(model, tmp)
        os.replace(tmp, path)
        for old in path.parent.glob("classifier-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only data folder only costs the next start a training
        log.warning("classifier cache not written: %s", exc)


def _clean_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, unit tags and submission words, in any order."""
    text = strip_reply_prefixes(subject)
    while (m := _SUBJECT_NOISE.match(text)) is not None and m.end() > 0:
        text = strip_reply_prefixes(text[m.end():])
    return text.strip()


def _first_line(body: str) -> str:
    for line in body.splitlines():
        line = line.strip()
        if len(line) >= 4 and not _HEADER_LINE.match(line):
            return line[:60]
    return ""


def save_model(model: CompiledModel, path: Path) -> None:
    """Write a compiled model (pickle: plain data and numpy arrays) for ``load_model``."""
    with Path(path).open("wb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)


# What a compiled model's pickle may name: anything else (a model of an older version, pickled
# with scikit-learn inside) is refused rather than imported, and the caller trains again.
_PICKLED_MODULES = ("builtins", "collections", "copyreg", "re", "numpy", "mailbot.classify.")


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if not any(module == m or module.startswith(m if m.endswith(".") else m + ".") for m in _PICKLED_MODULES):
            raise pickle.UnpicklingError(f"not a compiled model: names {module}.{name}")
        return super().find_class(module, name)


def load_model(path: Path) -> CompiledModel:
    """Read a model written by ``save_model`` (trusted local file only: pickle)."""
    with Path(path).open("rb") as fh:
        model = _ModelUnpickler(fh).load()
    if not isinstance(model, CompiledModel):
        raise pickle.UnpicklingError(f"not a compiled model: {type(model).__name__}")
    return model
