"""Records on the ledger: adoptions, instructions, commissions, adjustments, assignment, categories."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mailbot import corrections, records
from mailbot.cli import main
from mailbot.db.models import CategoryCorrection, ScoreEvent, Submission
from mailbot.errors import UsageError
from mailbot.reports.listing import list_submissions
from mailbot.reports.tally import tally
from tests.helpers_records import (
    TRANSPORT_CLASSES,
    TRANSPORT_HEAD,
    TRANSPORT_UNITS,
    feed,
    make_runtime,
    receipt_of,
    rows_by_unit,
    submit,
    write_config,
)

ALPHA = "alpha@alpha.example.gov.cn"


@pytest.fixture
def health(tmp_path):
    return make_runtime(write_config(tmp_path), now="2026-11-20 09:00")


def points_of(rt, receipt: str) -> int:
    return next(r["points"] for r in list_submissions(rt) if r["receipt"] == receipt)


def test_item_adopted_at_two_levels_adds_both(health):
    # GIVEN an accepted item (2 points for submitting, jilin-health)
    r = submit(health, ALPHA, "甲市推进分级诊疗制度建设", "2026-02-03 10:00")
    # WHEN the office records a department and a provincial adoption
    a = records.adopt(health, r, "department", date="2026-02-10")
    b = records.adopt(health, r, "province", date="2026-02-12", publication="《卫生信息》", issue_no="第5期")
    # THEN each is its own event and the points add up: 2 + 10 + 30
    assert a.line == f"已记录：{r} 厅级采用 +10 分"
    assert b.line == f"已记录：{r} 省级采用（《卫生信息》第5期） +30 分"
    assert points_of(health, r) == 42
    row = rows_by_unit(tally(health, "2026Q1"))["alpha"]
    assert (row["submitted"], row["adopted"], row["adoptions"], row["score"]) == (1, 1, 2, 42)


def test_withdrawn_adoption_takes_its_points_back_with_a_reversing_row(health):
    # GIVEN an item adopted at province level
    r = submit(health, ALPHA, "甲市开展医疗质量专项检查", "2026-02-03 10:00")
    records.adopt(health, r, "province", date="2026-02-10")
    # WHEN the adoption is withdrawn
    w = records.adopt(health, r, "province", withdraw=True)
    # THEN a negative row reverses it (nothing deleted) and the item earns only its submission points
    assert w.line == f"已撤销：{r} 省级采用 -30 分"
    with health.db.session() as s:
        adopts = list(s.scalars(select(ScoreEvent).where(ScoreEvent.kind == "adopt").order_by(ScoreEvent.id)))
    assert [e.points for e in adopts] == [30, -30]
    assert adopts[1].reverses == adopts[0].id
    assert points_of(health, r) == 2
    row = rows_by_unit(tally(health, "2026Q1"))["alpha"]
    assert (row["adopted"], row["score"]) == (0, 2)
    # AND withdrawing again (nothing left standing) is refused
    with pytest.raises(UsageError, match="no 省级采用 recorded"):
        records.adopt(health, r, "province", withdraw=True)


def test_instruction_twice_at_the_same_level_counts_once(health):
    r = submit(health, ALPHA, "甲市基层卫生服务能力调研", "2026-02-03 10:00")
    records.instruct(health, r, "department", date="2026-02-10")
    second = records.instruct(health, r, "department", date="2026-02-11")
    records.instruct(health, r, "province", date="2026-02-12")
    assert "同级批示只计一次" in second.line
    with health.db.session() as s:
        # both same-level instructions are on record; the ledger counts one
        assert len(list(s.scalars(select(ScoreEvent).where(ScoreEvent.kind == "instruct")))) == 3
    row = rows_by_unit(tally(health, "2026Q1"))["alpha"]
    # 2 (submit) + 30 (department, once) + 50 (province)
    assert (row["instructions"], row["score"]) == (2, 82)


def test_commission_points_and_repeat_refused(health):
    r = submit(health, ALPHA, "甲市卫生应急工作情况", "2026-02-03 10:00")
    assert records.commission(health, r, "province", by="t").line == f"已记录：{r} 省级约稿 +10 分"
    with pytest.raises(UsageError, match="already recorded"):
        records.commission(health, r, "province", by="t")
    records.commission(health, r, "province", by="t", withdraw=True)
    assert points_of(health, r) == 2


@pytest.mark.parametrize("call, message", [
    (lambda rt, r: records.adopt(rt, "20990101-0001", "province"), "unknown receipt"),
    (lambda rt, r: records.adopt(rt, r, "galaxy"), "valid: department, province, central"),
    (lambda rt, r: records.adopt(rt, r, "province", date="2026-12-01"), "in the future"),
    (lambda rt, r: records.adopt(rt, r, "province", date="2026-01-15"), "before .* was received"),
    (lambda rt, r: records.adopt(rt, r, "province", date="2026-13-45"), "bad date"),
    (lambda rt, r: records.adopt(rt, r, "province", kind="research"), "kind"),
    (lambda rt, r: records.instruct(rt, r, "city"), "valid: department, province, national"),
    (lambda rt, r: records.adopt(rt, r, "province", withdraw=True), "no 省级采用 recorded to withdraw"),
    (lambda rt, r: records.adjust(rt, "nowhere", 5, "x"), "unknown unit"),
    (lambda rt, r: records.adjust(rt, "alpha", "many", "x"), "bad points"),
    (lambda rt, r: records.adjust(rt, "alpha", 5, " "), "needs a reason"),
    (lambda rt, r: records.set_category(rt, r, "gossip"), "unknown category"),
])
def test_bad_input_is_refused_with_one_line_and_nothing_written(health, call, message):
    r = submit(health, ALPHA, "甲市卫生工作动态", "2026-02-03 10:00")
    with health.db.session() as s:
        before = len(list(s.scalars(select(ScoreEvent))))
    with pytest.raises(UsageError, match=message) as err:
        call(health, r)
    assert "\n" not in str(err.value)
    with health.db.session() as s:
        assert len(list(s.scalars(select(ScoreEvent)))) == before


def test_repeat_adoption_same_level_and_date_refused_but_other_date_allowed(health):
    r = submit(health, ALPHA, "甲市医改工作进展", "2026-02-03 10:00")
    records.adopt(health, r, "department", date="2026-02-10")
    with pytest.raises(UsageError, match="repeat"):
        records.adopt(health, r, "department", date="2026-02-10")
    records.adopt(health, r, "department", date="2026-03-10")  # adopted again in another issue
    assert points_of(health, r) == 22


def test_non_accepted_items_cannot_be_adopted(health):
    # GIVEN an item from an unknown sender (unassigned) and a resend of an accepted item (duplicate)
    text = "甲市卫生局组织开展基层医疗卫生机构服务能力提升行动，全市共培训基层医务人员一千二百余人次，成效明显。"
    stranger = receipt_of(health, feed(health, "someone@mail.example.net", "基层医疗服务能力提升行动", text,
                                       "2026-02-03 10:00"))
    original = submit(health, ALPHA, "甲市基层医疗服务能力提升", "2026-02-04 10:00", body=text)
    dup = submit(health, ALPHA, "甲市基层医疗服务能力提升", "2026-02-04 11:00", body=text)
    with health.db.session() as s:
        statuses = {x.receipt: x.status for x in s.scalars(select(Submission))}
    assert statuses[stranger] == "unassigned" and statuses[original] == "accepted" and statuses[dup] == "duplicate"
    with pytest.raises(UsageError, match="unassigned, not accepted"):
        records.adopt(health, stranger, "province")
    with pytest.raises(UsageError, match="duplicate, not accepted"):
        records.instruct(health, dup, "province")


def test_assign_makes_an_unassigned_item_count(health):
    r = receipt_of(health, feed(health, "someone@mail.example.net", "关于乡村医生队伍建设的思考",
                                "乡村医生队伍老化问题突出，建议完善待遇保障和培养机制，稳定基层队伍。", "2026-02-03 10:00"))
    assert rows_by_unit(tally(health, "2026Q1"))["beta"]["submitted"] == 0
    line = corrections.assign(health, r, "beta", by="office").line
    assert line == f"已记录：{r} 归属 乙市卫生局，报送 +2 分，已给发件人回执"
    with health.db.session() as s:
        sub = s.scalar(select(Submission).where(Submission.receipt == r))
        assert (sub.status, sub.unit_id, sub.unit_via) == ("accepted", "beta", "office")
    row = rows_by_unit(tally(health, "2026Q1"))["beta"]
    assert (row["submitted"], row["score"]) == (1, 2)
    with pytest.raises(UsageError, match="already attributed"):
        corrections.assign(health, r, "beta")


def test_transport_points_follow_the_items_category_and_a_correction_rescores(tmp_path):
    rt = make_runtime(write_config(tmp_path, preset="jilin-transport", head=TRANSPORT_HEAD,
                                   classes=TRANSPORT_CLASSES, units=TRANSPORT_UNITS), now="2026-11-20 09:00")
    news = submit(rt, "cy@cy.example.gov.cn", "船营区开展道路运输安全检查", "2026-01-05 10:00")
    research = submit(rt, "cy@cy.example.gov.cn", "关于农村客运发展的调研报告", "2026-01-06 10:00")
    records.set_category(rt, news, "progress")
    records.set_category(rt, research, "research")
    # research column at province = 15, general news = 5, national research = 30, city forwarded (转报) = 5
    assert records.adopt(rt, news, "province", date="2026-01-10").points == 5
    assert records.adopt(rt, research, "province", date="2026-01-10").points == 15
    assert records.adopt(rt, research, "national", date="2026-01-11").points == 30
    assert records.adopt(rt, news, "city", kind="forwarded", date="2026-01-12").points == 5
    with pytest.raises(UsageError, match="no adoption points at level 'national' for kind 'forwarded'"):
        records.adopt(rt, news, "national", kind="forwarded")
    assert rows_by_unit(tally(rt, "2026Q1"))["chuanying"]["score"] == 5 + 15 + 30 + 5
    # WHEN the office corrects the news item to research
    line = records.set_category(rt, news, "research", by="office").line
    # THEN its provincial adoption is re-scored 5 -> 15 (the forwarded one has its own kind: unchanged)
    assert "得分调整 +10 分" in line
    assert rows_by_unit(tally(rt, "2026Q1"))["chuanying"]["score"] == 15 + 15 + 30 + 5
    with rt.db.session() as s:
        c = list(s.scalars(select(CategoryCorrection).order_by(CategoryCorrection.id)))[-1]
        assert (c.old_category, c.category, c.corrected_by) == ("progress", "research", "office")


def test_adjustment_counts_on_its_date(tmp_path):
    rt = make_runtime(write_config(tmp_path, preset="jilin-transport", head=TRANSPORT_HEAD,
                                   classes=TRANSPORT_CLASSES, units=TRANSPORT_UNITS), now="2026-11-20 09:00")
    assert records.adjust(rt, "fengman", 40, "基础工作", date="2026-11-15").line == "已记录：丰满区交通运输局 调整 +40 分（基础工作）"
    records.adjust(rt, "fengman", -5, "迟报", date="2026-02-01")
    assert rows_by_unit(tally(rt, "2026Q4"))["fengman"]["score"] == 40
    assert rows_by_unit(tally(rt, "2026Q1"))["fengman"]["score"] == -5


def test_cli_prints_one_line_and_exit_codes(tmp_path):
    cfg = write_config(tmp_path)
    rt = make_runtime(cfg)
    r = submit(rt, ALPHA, "甲市卫生健康工作会议召开", "2026-02-03 10:00")
    run = CliRunner().invoke
    ok = run(main, ["--config", str(cfg), "adopt", r, "--level", "province", "--date", "2026-02-05"])
    assert ok.exit_code == 0 and ok.output.strip() == f"已记录：{r} 省级采用 +30 分"
    bad = run(main, ["--config", str(cfg), "adopt", r, "--level", "galaxy"])
    assert bad.exit_code == 2 and "valid: department, province, central" in bad.output
    missing = run(main, ["--config", str(cfg), "instruct", "NOPE", "--level", "province"])
    assert missing.exit_code == 2 and "unknown receipt" in missing.output
    adj = run(main, ["--config", str(cfg), "adjust", "gamma", "-3", "--reason", "迟报", "--date", "2026-02-05"])
    assert adj.exit_code == 0 and "-3 分" in adj.output
    cat = run(main, ["--config", str(cfg), "category", r, "meeting"])
    assert cat.exit_code == 0 and "会议" in cat.output
