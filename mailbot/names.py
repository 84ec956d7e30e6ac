"""Names the office writes for units, categories, levels and kinds, resolved to their ids.

One resolver for every command (CLI and mail): wherever a unit, a content category or a
level is given, its id, its Chinese name, an alias or a configured synonym (``[synonyms]``)
is accepted, written in simplified or traditional characters, full- or half-width. A name
that matches nothing (or several things) is refused with one line listing the Chinese names
with their ids, so the clerk can copy the right one.

The settings model (``SynonymSettings``) lives here too; it is light (pydantic only), because
reading a config must not import the text machinery: ``folded`` is imported when a name is
resolved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, field_validator

from mailbot.errors import UsageError

if TYPE_CHECKING:
    from mailbot.runtime import Runtime

EVENT_NAMES = {"submit": "报送", "adopt": "采用", "instruct": "批示", "commission": "约稿", "adjust": "调整"}
LEVEL_NAMES = {"department": "厅级", "province": "省级", "central": "中央", "national": "国家级",
               "city": "市级", "bureau": "局级"}
# Level words: each maps to the level ids tried in turn (the first the scheme knows wins).
LEVEL_WORDS = {
    "厅级": ("department",), "厅": ("department",), "本厅": ("department",),
    "省级": ("province",), "省": ("province",), "省委": ("province",), "省政府": ("province",),
    "中央": ("central", "national"), "国办": ("central", "national"),
    "国家": ("national", "central"), "国家级": ("national", "central"), "全国": ("national", "central"),
    "市级": ("city",), "市": ("city",), "市委": ("city",), "市政府": ("city",),
    "局级": ("bureau",), "局": ("bureau",),
}
# The adopting body named instead of a level (“省委办公厅”, “国务院办公厅”, “卫生厅”), found
# inside the word, most specific first.
BODY_LEVELS = (
    ("国务院", ("central", "national")), ("国办", ("central", "national")), ("中办", ("central", "national")),
    ("中央", ("central", "national")), ("国家", ("national", "central")), ("全国", ("national", "central")),
    ("省委", ("province",)), ("省政府", ("province",)), ("省人大", ("province",)), ("省政协", ("province",)),
    ("厅", ("department",)), ("省", ("province",)),
    ("市委", ("city",)), ("市政府", ("city",)), ("市", ("city",)), ("局", ("bureau",)),
)
KIND_WORDS = {
    "一般": "general", "一般动态": "general", "动态": "general", "阅研": "general", "阅研类": "general",
    "调研": "research", "其它重要": "important", "其他重要": "important", "重要": "important",
    "肯定": "important", "肯定性": "important", "转报": "forwarded", "决策": "decisive",
    "决策性": "decisive", "纳入工作方案": "decisive",
}
# Category words of the default taxonomy that are not part of a category's name.
CATEGORY_WORDS = {"一般动态": "progress", "动态": "progress", "突发": "emergency", "疫情": "emergency"}
_PARTS = re.compile(r"[、，,；;（）()\s]+")


class SynonymSettings(BaseModel):
    """``[synonyms]``: the office's own words, each naming an id.

    ``units = {"州卫生局" = "yanbian"}``, ``categories = {"问题与建议" = "problem"}``,
    ``levels = {"省委办公厅" = "province", "国务院办公厅" = ["central", "national"]}``.
    """

    model_config = ConfigDict(extra="forbid")
    units: dict[str, str] = {}
    categories: dict[str, str] = {}
    levels: dict[str, str | list[str]] = {}

    @field_validator("levels")
    @classmethod
    def _as_lists(cls, v: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        return {k: [v] if isinstance(v, str) else list(v) for k, v in v.items()}

    def check(self, unit_ids: Iterable[str], category_ids: Iterable[str], level_ids: Iterable[str]) -> None:
        """ValueError naming the first synonym whose id is not known."""
        for what, table, known in (("units", self.units, set(unit_ids)),
                                   ("categories", self.categories, set(category_ids))):
            for word, ident in table.items():
                if ident not in known:
                    raise ValueError(f"{what}: {word!r} names {ident!r}, which is not one of {', '.join(sorted(known))}")
        levels = set(level_ids)
        for word, idents in self.levels.items():
            for ident in idents:
                if ident not in levels:
                    raise ValueError(f"levels: {word!r} names {ident!r}, which is not a level of the scheme "
                                     f"({', '.join(sorted(levels))})")


def _fold(text: str) -> str:
    from mailbot.text import folded

    return folded((text or "").strip()).replace(" ", "").lower()


def _synonyms(rt: Runtime) -> SynonymSettings:
    return rt.settings.synonyms


def _listing(pairs: Iterable[tuple[str, str]]) -> str:
    return "、".join(f"{name}（{ident}）" if name and name != ident else ident for ident, name in pairs)


def _pick(text: str, named: dict[str, list[str]]) -> list[str]:
    """Ids one of whose names (folded) equals ``text``."""
    return [i for i, names in named.items() if text in names]


# -- units ----------------------------------------------------------------------------------
def unit_id(rt: Runtime, text: str) -> str:
    """A unit id from its id, name, alias, a configured synonym or a part of its name that is unique."""
    raw = (text or "").strip()
    if raw in rt.units:
        return raw
    t = _fold(raw)
    if not t:
        raise UsageError(_unit_refusal(rt, raw))
    by_id = {u.id.lower(): u.id for u in rt.units}
    if t in by_id:
        return by_id[t]
    for word, ident in _synonyms(rt).units.items():
        if _fold(word) == t:
            return ident
    named = {u.id: [_fold(n) for n in (u.name, *u.aliases) if n] for u in rt.units}
    exact = _pick(t, named)
    if len(exact) == 1:
        return exact[0]
    if not exact:
        found = rt.units.find_name(raw)  # “延边州卫生局办公室”: a registered name inside the words
        if found:
            return found
        inside = [i for i, names in named.items() if len(t) >= 2 and any(t in n for n in names)]
        if len(inside) == 1:  # “四平”: part of one unit's name only
            return inside[0]
        exact = inside
    raise UsageError(_unit_refusal(rt, raw, exact))


def _unit_refusal(rt: Runtime, raw: str, several: list[str] | None = None) -> str:
    units = [(u.id, u.name) for u in rt.units if not several or u.id in several]
    head = f"“{raw}”可指多个单位，请写明" if several else f"没有单位“{raw}”，可用的单位"
    return (f"{head}：{_listing(units)} (unknown unit {raw!r}; known: {', '.join(sorted(i for i, _ in units))})")


# -- categories -----------------------------------------------------------------------------
def category_id(rt: Runtime, text: str) -> str:
    """A category id from its id, its Chinese name, a part of the name (问题与建议) or a synonym."""
    raw = (text or "").strip()
    names = rt.category_names
    if raw in names:
        return raw
    t = _fold(raw)
    by_id = {i.lower(): i for i in names}
    if t in by_id:
        return by_id[t]
    for word, ident in _synonyms(rt).categories.items():
        if _fold(word) == t:
            return ident
    named = {i: [_fold(n), *(_fold(p) for p in _PARTS.split(n) if p)] for i, n in names.items()}
    exact = _pick(t, named)
    if len(exact) == 1:
        return exact[0]
    if not exact:
        alias = CATEGORY_WORDS.get(t)
        if alias is not None and alias in names:
            return alias
        inside = [i for i, ns in named.items() if len(t) >= 2 and t in ns[0]]
        if len(inside) == 1:
            return inside[0]
    raise UsageError(f"没有“{raw}”这一类别，可用的类别：{_listing(names.items())} "
                     f"(unknown category {raw!r}; valid: {', '.join(names)})")


# -- levels and kinds -----------------------------------------------------------------------
def level_name(rt: Runtime, event: str, level: str | None) -> str:
    """Short Chinese name of a level: 省级, 市级 …; the scheme's own label as a fall-back."""
    if not level:
        return ""
    return LEVEL_NAMES.get(level) or rt.scheme.label(event, level)


def _plain(text: str) -> str:
    return (text or "").strip().replace(" ", "").lower()


def level_of_word(raw: str, valid: list[str], labels: dict[str, str], synonyms: dict[str, str | list[str]],
                  fold: Callable[[str], str] = _plain) -> str | None:
    """The level of ``valid`` a word names (id, 省级, a scheme label or part of it, a synonym, the
    adopting body such as 省委办公厅), else None. Pure: the config uses it with the plain ``fold``."""
    t = fold(raw)

    def first(candidates: Iterable[str]) -> str | None:
        return next((c for c in candidates if c in valid), None)

    if t in valid:
        return t
    for word, idents in synonyms.items():
        if fold(word) == t and (hit := first([idents] if isinstance(idents, str) else idents)):
            return hit
    if hit := first(LEVEL_WORDS.get(t, ())):
        return hit
    for lv in valid:
        label = labels.get(lv, "")
        if t and t in (fold(label), fold(LEVEL_NAMES.get(lv, "")), *(fold(p) for p in _PARTS.split(label) if p)):
            return lv
    for body, levels in BODY_LEVELS:
        if t and body in t and (hit := first(levels)):
            return hit
    return None


def level_id(rt: Runtime, event: str, text: str) -> str:
    """A level the scheme knows for ``event``: id, 省级, the scheme's label or a part of it, a
    configured synonym, or the adopting body (省委办公厅 → province)."""
    raw = (text or "").strip()
    valid = rt.scheme.levels(event)
    what = EVENT_NAMES.get(event, event)
    if not valid:
        raise UsageError(f"计分方案 {rt.scheme.name} 没有{what}一项 (scheme {rt.scheme.name!r} has no {event} "
                         "events; valid levels: (none))")
    labels = {lv: rt.scheme.label(event, lv) for lv in valid}
    if hit := level_of_word(raw, valid, labels, _synonyms(rt).levels, _fold):
        return hit
    listing = _listing((lv, level_name(rt, event, lv)) for lv in valid)
    raise UsageError(f"没有“{raw}”这一{what}级别，可用的级别：{listing} "
                     f"(unknown {event} level {raw!r}; valid: {', '.join(valid)})")


def kind_id(rt: Runtime, event: str, text: str | None) -> str | None:
    """A kind (the scheme's column) from its id or a Chinese word (调研, 转报, 肯定性); None when not given."""
    if text is None or not text.strip():
        return None
    raw = text.strip()
    valid = rt.scheme.kinds(event)
    t = _fold(raw)
    if t in valid:
        return t
    if KIND_WORDS.get(t) in valid:
        return KIND_WORDS[t]
    raise UsageError(f"没有“{raw}”这一栏目 (unknown {event} kind {raw!r}; valid: "
                     f"{', '.join(valid) or '(none: this scheme has no kinds)'})")
