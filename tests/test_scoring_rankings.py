"""Competition ranking within classes, and prizes only for units that met their quota."""

import pytest

from mailbot.scoring.rankings import awards, rank


def rows():
    return [
        {"unit": "cc", "class": "city", "score": 120, "met": True},
        {"unit": "jl", "class": "city", "score": 90, "met": True},
        {"unit": "sp", "class": "city", "score": 90, "met": True},
        {"unit": "th", "class": "city", "score": 40, "met": False},
        {"unit": "yb", "class": "city", "score": 0, "met": False},
        {"unit": "bg", "class": "division", "score": 60, "met": True},
        {"unit": "cw", "class": "division", "score": 60, "met": False},
        {"unit": "rs", "class": "division", "score": 0, "met": True},
    ]


def test_rank_ties_share_and_skip():
    """city: 120 → 1, 90 and 90 → 2 and 2, 40 → 4, 0 → 5 (zero rows ranked too);
    division ranked separately: 60, 60 → 1, 1; 0 → 3."""
    data = rows()
    rank(data)
    assert {r["unit"]: r["rank"] for r in data} == {
        "cc": 1, "jl": 2, "sp": 2, "th": 4, "yb": 5, "bg": 1, "cw": 1, "rs": 3}


def test_rank_across_all_and_by_other_key():
    data = rows()
    rank(data, within=None)
    assert [r["rank"] for r in data] == [1, 2, 2, 6, 7, 4, 4, 7]
    data = [{"unit": "a", "class": "x", "adopted": 3}, {"unit": "b", "class": "x", "adopted": 5}]
    rank(data, key="adopted")
    assert [r["rank"] for r in data] == [2, 1]


def test_awards_only_for_eligible():
    """Counts per class: city 1 first prize, 1 second, 1 excellence (优秀奖).
    th (40) missed its quota and yb too: no prize. Candidates cc 120 (rank 1), jl 90 and sp 90
    (both rank 2): the tie at the 二等奖 boundary gives both 二等奖, which fills places 1–3, so
    no 优秀奖 is left. division: bg met its quota, cw did not (same score); rs met it with 0 points:
    no prize for a zero score."""
    plan = {"city": {"一等奖": 1, "二等奖": 1, "优秀奖": 1}, "division": {"一等奖": 1}}
    result = awards(rows(), eligible=lambda r: r["met"], plan=plan)
    assert result == {"cc": "一等奖", "jl": "二等奖", "sp": "二等奖", "bg": "一等奖"}


def test_awards_by_share_and_default_plan():
    """Shares of the candidates, rounded half up: 10 eligible units, 一等奖 10% → 1,
    二等奖 20% → 2, 三等奖 30% → 3; the rest get nothing. The '*' plan covers every class."""
    data = [{"unit": f"u{i}", "class": "c", "score": 100 - i} for i in range(10)]
    data.append({"unit": "late", "class": "c", "score": 500})  # not eligible: highest score, no prize
    result = awards(data, eligible=lambda r: r["unit"] != "late",
                    plan={"*": {"一等奖": 0.1, "二等奖": 0.2, "三等奖": 0.3}})
    assert result == {"u0": "一等奖", "u1": "二等奖", "u2": "二等奖",
                      "u3": "三等奖", "u4": "三等奖", "u5": "三等奖"}


def test_awards_skip_classes_without_plan():
    assert awards(rows(), eligible=lambda r: True, plan={"division": {"一等奖": 1}}) == {
        "bg": "一等奖", "cw": "一等奖"}


@pytest.mark.parametrize(
    "plan, message",
    [
        ({"*": {"特等奖": 1}}, "unknown prize '特等奖'; valid: 一等奖, 二等奖, 三等奖, 优秀奖"),
        ({"*": {"一等奖": -1}}, "give a count"),
        ({"*": {"一等奖": 1.5}}, "a share must be at most 1"),
    ],
)
def test_bad_award_plans(plan, message):
    with pytest.raises(ValueError, match=message):
        awards(rows(), eligible=lambda r: True, plan=plan)
