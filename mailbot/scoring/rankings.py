"""Rankings within member classes, and the annual prizes (一、二、三等奖, 优秀奖).

Ranking is competition ranking (1, 2, 2, 4): higher is better, ties share a rank, and
zero rows are ranked like any other.

Prizes (Jilin health 第十二条) go only to units that met every quota (``eligible``) and
scored above zero. A plan gives, per class id (``"*"`` for any class not named), how many
units get each prize, in prize order: an int is a count, a float in (0, 1] a share of the
class's prize candidates (rounded half up). Prizes are handed out by rank among the
candidates: a unit gets the first prize whose cumulative count reaches its rank, so units
tied at a boundary all get the better prize (there may then be more winners than planned).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from math import floor
from typing import Any

PRIZES = ("一等奖", "二等奖", "三等奖", "优秀奖")

Row = dict[str, Any]


def _competition_ranks(values: list[Any]) -> list[int]:
    """Rank of each value, 1 = highest; equal values share a rank (1, 2, 2, 4)."""
    ordered = sorted(values, reverse=True)
    first_at: dict[Any, int] = {}
    for i, v in enumerate(ordered):
        first_at.setdefault(v, i + 1)
    return [first_at[v] for v in values]


def _groups(rows: list[Row], within: str | None) -> dict[Any, list[Row]]:
    groups: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row.get(within) if within else None].append(row)
    return groups


def rank(rows: list[Row], key: str = "score", within: str | None = "class") -> None:
    """Set ``row["rank"]`` on every row, ranking within groups of ``row[within]`` (None: all)."""
    for group in _groups(rows, within).values():
        for row, r in zip(group, _competition_ranks([row[key] for row in group])):
            row["rank"] = r


def _slots(plan: Mapping[str, int | float], candidates: int, where: str) -> list[int]:
    """Cumulative number of places up to each prize, from counts or shares."""
    for prize in plan:
        if prize not in PRIZES:
            raise ValueError(f"award plan {where}: unknown prize {prize!r}; valid: {', '.join(PRIZES)}")
    cumulative, total = [], 0
    for prize in PRIZES:
        amount = plan.get(prize, 0)
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0:
            raise ValueError(f"award plan {where}.{prize} = {amount!r}: give a count ≥ 0 or a share in (0, 1]")
        if isinstance(amount, float):
            if amount > 1:
                raise ValueError(f"award plan {where}.{prize} = {amount}: a share must be at most 1")
            amount = floor(amount * candidates + 0.5)
        total += amount
        cumulative.append(total)
    return cumulative


def awards(
    rows: list[Row],
    eligible: Callable[[Row], bool],
    plan: Mapping[str, Mapping[str, int | float]],
    key: str = "score",
    within: str | None = "class",
    id_key: str = "unit",
) -> dict[str, str]:
    """Prize per unit id, among eligible rows scoring above zero; see the module docstring."""
    result: dict[str, str] = {}
    for group_id, group in _groups(rows, within).items():
        plan_key = group_id if group_id is not None and group_id in plan else "*"
        if plan_key not in plan:
            continue  # no prizes planned for this class
        candidates = [row for row in group if eligible(row) and row[key] > 0]
        slots = _slots(plan[plan_key], len(candidates), str(plan_key))
        for row, r in zip(candidates, _competition_ranks([row[key] for row in candidates])):
            for prize, limit in zip(PRIZES, slots):
                if r <= limit:
                    result[row[id_key]] = prize
                    break
    return result
