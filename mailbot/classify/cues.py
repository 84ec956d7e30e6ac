"""Editable cue rules: title patterns, keywords and body cues scored per category."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .taxonomy import CategorySpec

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
            elif word in body and bk < BODY_KEYWORD_CAP:
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
