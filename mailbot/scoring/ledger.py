"""Score arithmetic over ledger events: per-unit (and per-officer) totals for a period.

The database keeps one row per event with the points it earned when recorded; the
db layer maps rows to ``ScoreEvent`` and calls ``unit_totals``. Rules applied here:

* Reversals. A withdrawal is an event with ``reverses = <id of the event>`` (and the
  negated points). A reversed event and its reversal both drop out of *every*
  period, whatever their dates: the tally is restated as if the withdrawn adoption had
  never been recorded (withdrawals are corrections). A reversal may itself be reversed,
  which reinstates the original. A reversal whose target is not among the events
  (pass all events of the year and their reversals to avoid this) counts its own
  points on its own date.
* Same-level instruction once (``scheme.instruction_once_per_level``): of several
  instructions at one level on one item, only the one with the most points counts
  (the earliest among equals), in its own period; the others earn nothing.
* Zero without adoption (``scheme.zero_without_adoption``, Jilin transport): a unit with
  no net adoption dated within the assessment ``year`` scores zero, manual adjustments
  included (the seed zeroes the whole 政务信息 item of the annual assessment). This is
  applied only when the tallied period covers the whole year; for a quarter or month the
  points are shown and ``no_adoption_in_year`` flags the unit as at risk.
* Counting. ``submitted`` counts distinct items with a net submit event in the period,
  so the db layer must write a submit event for every accepted submission even when the
  scheme pays 0 points for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from mailbot.scoring.calendar import Period
from mailbot.scoring.schemes import Scheme

EVENT_KINDS = ("submit", "adopt", "instruct", "commission", "adjust")


@dataclass
class ScoreEvent:
    """One scored event; ``kind`` is the event type, ``sub_kind`` the scheme's kind column."""

    submission: str | None
    unit: str | None
    officer: str | None
    kind: str
    level: str | None
    sub_kind: str | None
    category: str | None
    points: float  # whole in the schemes' tables; an `adjust` may give a fraction
    occurred: date
    reverses: int | None = None
    id: int | None = None


@dataclass
class UnitScore:
    """Totals of one unit (or officer) over a period."""

    unit: str
    score: float = 0
    raw_score: float = 0  # before the zero-without-adoption rule
    submitted: int = 0
    adopted: int = 0  # distinct items with a net adoption in the period
    adoptions: int = 0  # adoption events (an item adopted at two levels counts 2)
    instructions: int = 0  # instructions that count (after the same-level rule)
    commissions: int = 0
    points_by_kind: dict[str, float] = field(default_factory=dict)
    no_adoption_in_year: bool = False  # only set when the scheme has zero_without_adoption
    zeroed: bool = False  # score forced to 0 by zero_without_adoption


def net_events(events: Iterable[ScoreEvent]) -> list[ScoreEvent]:
    """Events that still stand once reversals are applied (see module docstring)."""
    events = list(events)
    for e in events:
        if e.kind not in EVENT_KINDS:
            raise ValueError(f"unknown score event kind {e.kind!r}; valid: {', '.join(EVENT_KINDS)}")
    by_id = {e.id: e for e in events if e.id is not None}
    reversed_by: dict[int, list[ScoreEvent]] = defaultdict(list)
    for e in events:
        if e.reverses is not None and e.reverses in by_id:
            reversed_by[e.reverses].append(e)

    live_cache: dict[int, bool] = {}

    def live(e: ScoreEvent) -> bool:
        if e.id is None:
            return True
        if e.id not in live_cache:
            live_cache[e.id] = True  # guards against a malformed cycle
            live_cache[e.id] = not any(live(r) for r in reversed_by.get(e.id, ()))
        return live_cache[e.id]

    return [e for e in events if live(e) and (e.reverses is None or e.reverses not in by_id)]


def _instruction_winners(events: list[ScoreEvent]) -> set[int]:
    """Indexes (into events) of instructions that count under the same-level rule."""
    best: dict[tuple[str, str | None], int] = {}
    for i, e in enumerate(events):
        if e.kind != "instruct" or e.submission is None or e.reverses is not None:
            continue
        key = (e.submission, e.level)
        j = best.get(key)
        if j is None or (-e.points, e.occurred, e.id or 0) < (-events[j].points, events[j].occurred, events[j].id or 0):
            best[key] = i
    return set(best.values())


def item_points(events: Iterable[ScoreEvent], scheme: Scheme) -> dict[str, float]:
    """Points each item (``submission``) earns, all its events included, by the tally's own rules
    (reversals drop out, same-level instructions count once): the figure ``submissions``, ``show``
    and a unit's ``查询`` show, which adds up to the tally's score."""
    net = net_events(events)
    winners = _instruction_winners(net) if scheme.instruction_once_per_level else None
    out: dict[str, float] = {}
    for i, e in enumerate(net):
        if e.submission is None:
            continue
        counts = not (e.kind == "instruct" and winners is not None and e.reverses is None and i not in winners)
        out[e.submission] = out.get(e.submission, 0) + (e.points if counts else 0)
    return out


def counting_events(events: Iterable[ScoreEvent], scheme: Scheme) -> set[int]:
    """Ids of the events that count (standing, and winning under the same-level instruction rule)."""
    net = net_events(events)
    winners = _instruction_winners(net) if scheme.instruction_once_per_level else None
    return {e.id for i, e in enumerate(net) if e.id is not None
            and not (e.kind == "instruct" and winners is not None and e.reverses is None and i not in winners)}


def _tally(
    events: Iterable[ScoreEvent], period: Period, scheme: Scheme, key: str, names: Iterable[str] = ()
) -> tuple[dict[str, UnitScore], list[ScoreEvent]]:
    net = net_events(events)
    winners = _instruction_winners(net) if scheme.instruction_once_per_level else None
    scores = {n: UnitScore(n) for n in names}
    items: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for i, e in enumerate(net):
        who = getattr(e, key)
        if who is None or not period.contains(e.occurred):
            continue
        row = scores.setdefault(who, UnitScore(who))
        counts = True
        if e.kind == "instruct" and winners is not None and e.submission is not None and e.reverses is None:
            counts = i in winners
        if not counts:
            continue
        row.raw_score += e.points
        row.points_by_kind[e.kind] = row.points_by_kind.get(e.kind, 0) + e.points
        if e.reverses is not None:
            continue  # an orphan reversal moves points, not counts
        if e.kind == "adopt":
            row.adoptions += 1
        elif e.kind == "instruct":
            row.instructions += 1
        elif e.kind == "commission":
            row.commissions += 1
        if e.submission is not None and e.kind in ("submit", "adopt"):
            items[who][e.kind].add(e.submission)
    for who, row in scores.items():
        row.submitted = len(items[who]["submit"])
        row.adopted = len(items[who]["adopt"])
        row.score = row.raw_score
    return scores, net


def unit_totals(
    events: Iterable[ScoreEvent],
    period: Period,
    scheme: Scheme,
    year: Period,
    units: Iterable[str] = (),
) -> dict[str, UnitScore]:
    """Per-unit totals for ``period``; ``year`` is the assessment year for the zero rule.

    ``units`` adds zero rows for units without events. Events without a unit
    (unassigned items) are left out.
    """
    scores, net = _tally(events, period, scheme, "unit", units)
    if scheme.zero_without_adoption:
        adopting = {e.unit for e in net if e.kind == "adopt" and e.reverses is None and year.contains(e.occurred)}
        whole_year = period.start <= year.start and period.end >= year.end
        for who, row in scores.items():
            row.no_adoption_in_year = who not in adopting
            if row.no_adoption_in_year and whole_year:
                row.zeroed = True
                row.score = 0
    return scores


def officer_totals(
    events: Iterable[ScoreEvent], period: Period, scheme: Scheme, officers: Iterable[str] = ()
) -> dict[str, UnitScore]:
    """Per-officer totals (个人排名); the zero-without-adoption rule is for units only."""
    scores, _ = _tally(events, period, scheme, "officer", officers)
    return scores
