"""Editable cue rules: title patterns, keywords and body cues scored per category."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .taxonomy import CategorySpec

if TYPE_CHECKING:
    from .doc import Doc

TITLE_PATTERN_WEIGHT = 3.0
TITLE_KEYWORD_WEIGHT = 1.0
BODY_CUE_WEIGHT = 0.7
BODY_KEYWORD_WEIGHT = 0.15
BODY_KEYWORD_CAP = 0.9  # many body keywords must not outvote one title pattern
TITLE_KEYWORD_CAP = 2.0


@dataclass
class CueScore:
    """Score of one category from its cue rules, with readable reasons."""

    score: float = 0.0
    reasons: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class CompiledSpec:
    spec: CategorySpec
    title_patterns: list[re.Pattern[str]]
    body_cues: list[re.Pattern[str]]


def compile_specs(specs: list[CategorySpec]) -> list[CompiledSpec]:
    return [CompiledSpec(s, [re.compile(p) for p in s.title_patterns], [re.compile(p) for p in s.body_cues])
            for s in specs]


def score_cues(compiled: list[CompiledSpec], title: str, body: str) -> dict[str, CueScore]:
    """Cue scores per category id for a normalised title and body opening."""
    out: dict[str, CueScore] = {}
    for c in compiled:
        cs = CueScore()
        for pattern in c.title_patterns:
            m = pattern.search(title)
            if m:
                cs.score += TITLE_PATTERN_WEIGHT
                cs.reasons.append((TITLE_PATTERN_WEIGHT, f"标题: {_excerpt(title, m)}"))
        tk = bk = 0.0
        for word in c.spec.keywords:
            if word in title:
                if tk < TITLE_KEYWORD_CAP:
                    tk += TITLE_KEYWORD_WEIGHT
                    cs.reasons.append((TITLE_KEYWORD_WEIGHT, f"词: {word}"))
            elif bk < BODY_KEYWORD_CAP and word in body:  # the cap first: past it the body is not searched
                bk += BODY_KEYWORD_WEIGHT
                cs.reasons.append((BODY_KEYWORD_WEIGHT, f"正文词: {word}"))
        cs.score += tk + bk
        for pattern in c.body_cues:
            m = pattern.search(body)
            if m:
                cs.score += BODY_CUE_WEIGHT
                cs.reasons.append((BODY_CUE_WEIGHT, f"正文: {_excerpt(body, m, 16)}"))
        out[c.spec.id] = cs
    return out


def _excerpt(text: str, m: re.Match[str], width: int = 24) -> str:
    """The matched span, with … where the text goes on."""
    span = text[m.start():m.end()]
    if len(span) > width:
        span = span[: width // 2] + "…" + span[-width // 2:]
    prefix = "…" if m.start() > 0 else ""
    suffix = "…" if m.end() < len(text) else ""
    return f"{prefix}{span}{suffix}"


# The model's optional cue features (``model.CUE_WEIGHT``): per category, does a title pattern of
# the taxonomy match, do its body cues match; and a few cross-source cues, in the title and in
# the lead.
TAXONOMY_CUES = True  # include the taxonomy's title patterns and body cues in the block
EXTRA_CUES = (
    r"(经验|做法|体会|模式|机制|新路子|走出.{0,8}路|实践证明|必须坚持)",            # how something was done
    r"(调研|调查|考察|赴.{0,24}(学习|考察|调研)|启示|借鉴|报告如下)",                # research, other places
    r"(突发|事故|险情|疫情|失事|遇难|伤亡|死亡|受伤|被困|失联|侧翻|翻车|滑坡|塌方|中毒|地震|台风|"
    r"寒潮|洪|暴雨|暴雪|山火|火灾|爆炸|泥石流|抢通|搜救)",                                     # an event
    r"(演练|演习|预案|模拟|桌面推演)",                                                     # a drill, not an event
)


class CueBlock:
    """The cue features of a document: 0/1 per rule, in a fixed order (see ``model.CUE_WEIGHT``)."""

    def __init__(self, taxonomy: Sequence[CategorySpec]) -> None:
        self.compiled = compile_specs(list(taxonomy)) if TAXONOMY_CUES else []
        self.extra = [re.compile(p) for p in EXTRA_CUES]
        self.size = 2 * len(self.compiled) + 2 * len(self.extra)

    def vector(self, doc: Doc) -> np.ndarray:
        text = doc.lead + "\n" + doc.body
        out = [float(any(p.search(doc.title) for p in c.title_patterns)) for c in self.compiled]
        out += [float(any(p.search(text) for p in c.body_cues)) for c in self.compiled]
        out += [float(bool(p.search(doc.title))) for p in self.extra]
        out += [float(bool(p.search(doc.lead))) for p in self.extra]
        return np.array(out)
