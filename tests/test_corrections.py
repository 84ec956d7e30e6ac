"""The office's corrections: show, assign (also re-assign), dismiss, restore; and the one name resolver.

Each correction changes the tally as expected, is recorded with who/when/why, and can be undone;
after each one ``submissions`` and ``tally`` agree (the same rule gives an item's points).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mailbot import corrections, names, records
from mailbot.cli import main
from mailbot.config import load_settings
from mailbot.db.models import ItemChange, OutboxMail, ScoreEvent, Submission
from mailbot.errors import ConfigError, UsageError
from mailbot.reports.item import item_view
from mailbot.reports.listing import list_submissions
from mailbot.reports.tally import tally
from tests.helpers_records import feed, make_runtime, receipt_of, rows_by_unit, submit, write_config

ALPHA = "alpha@alpha.example.gov.cn"
BETA = "beta@beta.example.gov.cn"
SPAM_TEXT = "长期代开各类正规发票，增值税发票、普通发票均可，点数优惠，欢迎来电咨询。"


@pytest.fixture
def rt(tmp_path):
    return make_runtime(write_config(tmp_path), now="2026-03-20 09:00")


def scores(rt, period: str = "2026Q1") -> dict[str, float]:
    return {u: r["score"] for u, r in rows_by_unit(tally(rt, period)).items()}


def agree(rt, period: str = "2026Q1") -> None:
    """``submissions`` and ``tally`` say the same: each unit's items' points add up to its score."""
    per_unit: dict[str, float] = {}
    for r in list_submissions(rt, period=period):
        if r["unit"]:
            per_unit[r["unit"]] = per_unit.get(r["unit"], 0) + r["points"]
    for unit, row in rows_by_unit(tally(rt, period)).items():
        assert per_unit.get(unit, 0) == row["score"] - row["adjustments"], unit


def status_of(rt, receipt: str) -> tuple[str, str | None]:
    with rt.db.session() as s:
        sub = s.scalar(select(Submission).where(Submission.receipt == receipt))
        return sub.status, sub.unit_id


def receipts_queued(rt, receipt: str) -> int:
    with rt.db.session() as s:
        return len(list(s.scalars(select(OutboxMail).where(OutboxMail.dedupe_key == f"receipt:{receipt}"))))


def test_reassign_moves_every_point_in_the_same_period_and_back(rt):
    # GIVEN an item of 甲市 adopted at province level (+30) with a department instruction (+30)
    r = submit(rt, ALPHA, "甲市推进紧密型医共体建设", "2026-02-03 10:00")
    records.adopt(rt, r, "province", date="2026-02-10")
    records.instruct(rt, r, "department", date="2026-02-11")
    before = scores(rt)
    assert (before["alpha"], before["beta"]) == (62, 0)
    # WHEN the office re-attributes it to 乙市 by the unit's Chinese name
    line = corrections.assign(rt, r, "乙市卫生局", by="office", reason="报错单位").line
    # THEN all 62 points move: reversals on 甲市, the same events on 乙市, in the same quarter
    assert line == f"已记录：{r} 改归属 甲市卫生局 → 乙市卫生局，+62 分随之转入"
    after = rows_by_unit(tally(rt, "2026Q1"))
    assert (after["alpha"]["score"], after["alpha"]["submitted"]) == (0, 0)
    assert (after["beta"]["score"], after["beta"]["submitted"], after["beta"]["adopted"]) == (62, 1, 1)
    assert status_of(rt, r) == ("accepted", "beta")
    with rt.db.session() as s:
        rows = list(s.scalars(select(ScoreEvent).where(ScoreEvent.reverses.is_not(None)).order_by(ScoreEvent.id)))
        assert {(e.unit_id, e.kind, e.points) for e in rows} == {("alpha", "submit", -2), ("alpha", "adopt", -30),
                                                                 ("alpha", "instruct", -30)}
        assert all(e.recorded_by == "office" and "报错单位" in (e.note or "") for e in rows)
        change = s.scalar(select(ItemChange))
        assert (change.action, change.old_unit, change.new_unit, change.reason, change.by) == (
            "assign", "alpha", "beta", "报错单位", "office")
    agree(rt)
    assert receipts_queued(rt, r) == 1  # it had its receipt: none again
    # WHEN it is put back (by the unit's id)
    corrections.assign(rt, r, "alpha", by="office")
    # THEN the tally is as before, and show lists both changes with who and why
    assert scores(rt) == before
    agree(rt)
    view = item_view(rt, r)
    assert [(c["action"], c["old_unit"], c["new_unit"], c["by"]) for c in view["changes"]] == [
        ("assign", "alpha", "beta", "office"), ("assign", "beta", "alpha", "office")]
    assert view["points"] == 62 and view["unit"] == "alpha" and view["unit_via"] == "office"


def test_dismiss_reverses_everything_and_restore_brings_it_back(rt):
    r = submit(rt, ALPHA, "甲市开展医疗质量专项检查", "2026-02-03 10:00")
    other = submit(rt, ALPHA, "甲市召开卫生健康工作会议", "2026-02-05 10:00")
    records.adopt(rt, r, "department", date="2026-02-10")
    records.commission(rt, r, "department", date="2026-02-10")
    assert scores(rt)["alpha"] == 2 + 10 + 5 + 2
    # WHEN the office rules the item out
    line = corrections.dismiss(rt, r, "转载他人稿件", by="office").line
    # THEN its submission, adoption and commission points are all reversed; the other item stands
    assert line == f"已记录：{r} 不计分（转载他人稿件），冲回 -17 分"
    row = rows_by_unit(tally(rt, "2026Q1"))["alpha"]
    assert (row["score"], row["submitted"], row["adopted"]) == (2, 1, 0)
    assert status_of(rt, r)[0] == "dismissed"
    assert next(x for x in list_submissions(rt, status="dismissed"))["receipt"] == r
    agree(rt)
    # AND nothing more can be recorded on it, and its unsent receipt is withdrawn
    with pytest.raises(UsageError, match="restore it first"):
        records.adopt(rt, r, "province")
    with pytest.raises(UsageError, match="dismissed already"):
        corrections.dismiss(rt, r, "again")
    assert receipts_queued(rt, r) == 0 and receipts_queued(rt, other) == 1
    # WHEN it is restored
    line = corrections.restore(rt, r, by="office").line
    # THEN the same events stand again (the adoption is the one recorded before) and it is answered once
    assert line == f"已记录：{r} 已恢复计分（甲市卫生局），+17 分，已给发件人回执"
    assert scores(rt)["alpha"] == 19 and rows_by_unit(tally(rt, "2026Q1"))["alpha"]["adopted"] == 1
    agree(rt)
    assert receipts_queued(rt, r) == 1
    view = item_view(rt, r)
    assert [c["action"] for c in view["changes"]] == ["dismiss", "restore"]
    assert view["changes"][0]["reason"] == "转载他人稿件" and view["changes"][0]["points"] == -17
    standing = [e for e in view["events"] if e["counts"]]
    assert sorted(e["kind"] for e in standing) == ["adopt", "commission", "submit"]
    assert all(e["reverses"] is None for e in standing)
    # AND it can be dismissed and restored again
    corrections.dismiss(rt, r, "再次核实：转载", by="office")
    assert scores(rt)["alpha"] == 2
    corrections.restore(rt, r, by="office")
    assert scores(rt)["alpha"] == 19
    agree(rt)


def test_spam_is_dismissed_without_a_word_to_the_sender_and_can_be_assigned_after_restore(rt):
    spam = receipt_of(rt, feed(rt, "fapiao@spam.example.net", "您好！长期代开各类正规发票", SPAM_TEXT,
                               "2026-02-20 03:15"))
    assert status_of(rt, spam) == ("unassigned", None)
    line = corrections.dismiss(rt, spam, "代开发票广告", by="office").line
    assert line == f"已记录：{spam} 不计分（代开发票广告）"
    assert status_of(rt, spam) == ("dismissed", None) and receipts_queued(rt, spam) == 0
    assert all(v == 0 for v in scores(rt).values())
    # a restored item without a unit waits for one; assigning it then counts and answers
    assert "尚未归属单位" in corrections.restore(rt, spam, by="office").line
    assert status_of(rt, spam) == ("unassigned", None)
    assert corrections.assign(rt, spam, "gamma").line.endswith("已给发件人回执")
    assert scores(rt)["gamma"] == 2 and receipts_queued(rt, spam) == 1
    agree(rt)


def test_assign_keeps_a_dismissed_item_dismissed_until_restored(rt):
    r = submit(rt, ALPHA, "甲市推进健康乡村建设", "2026-02-03 10:00")
    records.adopt(rt, r, "province", date="2026-02-10")
    corrections.dismiss(rt, r, "单位存疑", by="office")
    line = corrections.assign(rt, r, "beta", by="office").line
    assert "状态仍为“不计分”" in line and scores(rt)["beta"] == 0
    corrections.restore(rt, r, by="office")  # the adoption follows the item to 乙市
    assert (scores(rt)["alpha"], scores(rt)["beta"]) == (0, 32)
    agree(rt)


def test_duplicate_judged_distinct_is_restored_and_its_resend_of_a_dismissed_item_is_not_counted(rt):
    text = "甲市卫生局组织开展基层医疗卫生机构服务能力提升行动，全市共培训基层医务人员一千二百余人次，成效明显。"
    original = submit(rt, ALPHA, "甲市基层医疗服务能力提升", "2026-02-04 10:00", body=text)
    dup = submit(rt, ALPHA, "甲市基层医疗服务能力提升", "2026-02-04 11:00", body=text)
    assert status_of(rt, dup)[0] == "duplicate" and scores(rt)["alpha"] == 2
    # the office judges the second a distinct item
    assert corrections.restore(rt, dup, by="office").line == f"已记录：{dup} 已恢复计分（甲市卫生局），+2 分"
    row = rows_by_unit(tally(rt, "2026Q1"))["alpha"]
    assert (row["score"], row["submitted"]) == (4, 2)
    assert item_view(rt, dup)["duplicate_of"] is None
    agree(rt)
    # and undone
    corrections.dismiss(rt, dup, "确属重复", by="office")
    assert scores(rt)["alpha"] == 2
    # a resend of the dismissed original is dismissed too: not counted, not answered
    corrections.dismiss(rt, original, "非信息稿件", by="office")
    again = submit(rt, ALPHA, "甲市基层医疗服务能力提升", "2026-02-06 10:00", body=text)
    assert status_of(rt, again)[0] == "dismissed" and receipts_queued(rt, again) == 0
    assert scores(rt)["alpha"] == 0
    agree(rt)


def test_refusals_leave_nothing_written(rt):
    r = submit(rt, ALPHA, "甲市卫生工作动态", "2026-02-03 10:00")
    ignored = receipt_of(rt, feed(rt, ALPHA, "收到", "收到", "2026-02-04 10:00"))
    for call, message in [
        (lambda: corrections.dismiss(rt, r, "  "), "needs a reason"),
        (lambda: corrections.restore(rt, r), "only dismissed or duplicate"),
        (lambda: corrections.assign(rt, r, "alpha"), "already attributed"),
        (lambda: corrections.assign(rt, r, "火星"), "没有单位“火星”"),
        (lambda: corrections.dismiss(rt, ignored, "x"), "only accepted, unassigned, duplicate or dismissed"),
        (lambda: corrections.dismiss(rt, "20990101-0001", "x"), "unknown receipt"),
    ]:
        with pytest.raises(UsageError, match=message) as err:
            call()
        assert "\n" not in str(err.value)
    with rt.db.session() as s:
        assert s.scalar(select(ItemChange)) is None
        assert len(list(s.scalars(select(ScoreEvent)))) == 1


def test_names_by_id_chinese_name_alias_part_and_synonym(tmp_path):
    units = '''
[[units]]
id = "yanbian"
name = "延边州卫生局"
class = "city"
aliases = ["延边州卫健委"]
emails = ["yb@yb.example.gov.cn"]

[[units]]
id = "siping"
name = "四平市卫生局"
class = "city"
emails = ["sp@sp.example.gov.cn"]

[[units]]
id = "gamma"
name = "厅办公室"
class = "division"
emails = ["gamma@gamma.example.gov.cn"]
'''
    head = '''[synonyms]
units = {"州局" = "yanbian"}
categories = {"群众呼声" = "problem"}
levels = {"两办" = "province"}
'''
    rt = make_runtime(write_config(tmp_path, units=units, head=head))
    for text in ("yanbian", "YANBIAN", "延边州卫生局", "延边州卫健委", "延邊州衛生局", "州局", "延边", "延边州卫生局办公室"):
        assert names.unit_id(rt, text) == "yanbian", text
    for text in ("problem", "问题与建议、社情民意", "问题与建议", "社情民意", "群众呼声"):
        assert names.category_id(rt, text) == "problem", text
    assert names.category_id(rt, "工作动态") == "progress" and names.category_id(rt, "突发事件") == "emergency"
    for text, level in (("省委办公厅", "province"), ("省级", "province"), ("两办", "province"),
                        ("国务院办公厅", "central"), ("卫生厅相关报刊", "department"), ("CENTRAL", "central")):
        assert names.level_id(rt, "adopt", text) == level, text
    assert names.level_id(rt, "instruct", "国务院") == "national"
    # refusals list the Chinese names with their ids
    with pytest.raises(UsageError, match="“卫生局”可指多个单位，请写明：延边州卫生局（yanbian）、四平市卫生局（siping）"):
        names.unit_id(rt, "卫生局")
    with pytest.raises(UsageError, match="没有单位“火星”，可用的单位：延边州卫生局（yanbian）、四平市卫生局（siping）、厅办公室（gamma）"):
        names.unit_id(rt, "火星")
    with pytest.raises(UsageError, match="可用的类别：突发事件与重大疫情（emergency）、会议与领导活动（meeting）"):
        names.category_id(rt, "八卦")
    with pytest.raises(UsageError, match="可用的级别：厅级（department）、省级（province）、中央（central）"):
        names.level_id(rt, "adopt", "银河系")


def test_a_synonym_naming_no_unit_is_refused_at_start(tmp_path):
    path = write_config(tmp_path, head='[synonyms]\nunits = {"州局" = "nowhere"}\n')
    with pytest.raises(ConfigError, match=r"config.toml:\d+: `synonyms`: units: '州局' names 'nowhere'"):
        load_settings(path)


def test_cli_show_assign_dismiss_restore_change_the_tally_and_undo(tmp_path):
    cfg = write_config(tmp_path)
    rt = make_runtime(cfg)
    r = submit(rt, ALPHA, "甲市推进公立医院综合改革", "2026-02-03 10:00")
    spam = receipt_of(rt, feed(rt, "fapiao@spam.example.net", "您好！长期代开各类正规发票", SPAM_TEXT, "2026-02-20 03:15"))
    records.adopt(rt, r, "省委办公厅", date="2026-02-10")

    def run(*args: str):
        return CliRunner().invoke(main, ["--config", str(cfg), *args])

    def cli_scores() -> dict[str, float]:
        out = run("tally", "--period", "2026Q1", "--format", "json")
        assert out.exit_code == 0, out.output
        return {row["unit"]: row["score"] for row in json.loads(out.output)["units"]}

    def cli_points() -> dict[str, float]:
        out = run("submissions", "--period", "2026Q1", "--format", "json")
        return {row["receipt"]: row["points"] for row in json.loads(out.output)}

    assert cli_scores() == {"alpha": 32, "beta": 0, "gamma": 0}
    # show: the item whole, as a table for people and as JSON for scripts
    table = run("show", r)
    assert table.exit_code == 0
    for needle in (f"回执号：{r}", "单　位：甲市卫生局（依据：登记邮箱）", "得　分：32 分", "省级采用", "+30 分", "正文："):
        assert needle in table.output, needle
    view = json.loads(run("show", r, "--format", "json").output)
    assert {"receipt", "text", "attachments", "status", "unit", "unit_via", "category", "category_reasons",
            "events", "changes", "points"} <= set(view)
    assert [(e["kind"], e["level"], e["points"], e["counts"]) for e in view["events"]] == [
        ("submit", None, 2, True), ("adopt", "province", 30, True)]
    assert view["events"][1]["recorded_by"] == "cli" and view["events"][1]["recorded_at"]

    # assign by Chinese name: the 32 points move to 乙市; back by id: as before
    out = run("assign", r, "乙市卫生局", "--reason", "报错单位")
    assert out.exit_code == 0 and "改归属 甲市卫生局 → 乙市卫生局" in out.output
    assert cli_scores() == {"alpha": 0, "beta": 32, "gamma": 0} and cli_points()[r] == 32
    assert run("assign", r, "alpha").exit_code == 0
    assert cli_scores() == {"alpha": 32, "beta": 0, "gamma": 0}

    # dismiss the advert (no points either way) and the item; restore the item
    assert run("dismiss", spam, "--reason", "代开发票广告").exit_code == 0
    out = run("dismiss", r, "--reason", "非本单位信息")
    assert out.exit_code == 0 and "冲回 -32 分" in out.output
    assert cli_scores() == {"alpha": 0, "beta": 0, "gamma": 0} and cli_points() == {r: 0, spam: 0}
    assert json.loads(run("show", r, "--format", "json").output)["changes"][-1]["reason"] == "非本单位信息"
    out = run("restore", r)
    assert out.exit_code == 0 and "+32 分" in out.output
    assert cli_scores() == {"alpha": 32, "beta": 0, "gamma": 0} and cli_points()[r] == 32

    # usage errors exit 2 with one line
    bad = run("restore", r)
    assert bad.exit_code == 2 and "only dismissed or duplicate" in bad.output and bad.output.count("\n") == 1
    bad = run("assign", r, "火星")
    assert bad.exit_code == 2 and "甲市卫生局（alpha）" in bad.output
    assert run("dismiss", r).exit_code == 2  # --reason is required
    assert run("show", "NOPE").exit_code == 2


def test_an_items_points_are_the_same_in_submissions_show_the_notice_and_the_tally(rt):
    from mailbot.reports.notice import period_items

    r = submit(rt, ALPHA, "甲市推进医保支付方式改革", "2026-02-03 10:00")
    records.instruct(rt, r, "department", date="2026-02-10")
    line = records.instruct(rt, r, "department", date="2026-02-12")  # the same level again: counts once
    assert "只计一次" in line.line
    assert scores(rt)["alpha"] == 2 + 30
    assert next(x for x in list_submissions(rt) if x["receipt"] == r)["points"] == 32
    assert item_view(rt, r)["points"] == 32
    assert [e["counts"] for e in item_view(rt, r)["events"]] == [True, True, False]
    items = period_items(rt, rt.calendar.parse("2026Q1"))
    assert next(x for x in items if x["receipt"] == r)["points"] == 32
    agree(rt)
