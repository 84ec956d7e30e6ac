"""The tally: from mail in to tally out, both seed schemes, boundaries, quotas, XLSX, mails, awards."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from mailbot import records
from mailbot.cli import main
from mailbot.errors import UsageError
from mailbot.reports.tally import annual_awards, tally
from mailbot.rescore import rescore
from tests.helpers_records import (
    TRANSPORT_CLASSES,
    TRANSPORT_HEAD,
    TRANSPORT_UNITS,
    make_runtime,
    rows_by_unit,
    submit,
    write_config,
)

ALPHA, BETA, GAMMA = "alpha@alpha.example.gov.cn", "beta@beta.example.gov.cn", "gamma@gamma.example.gov.cn"
CY, FM = "cy@cy.example.gov.cn", "fm@fm.example.gov.cn"


@pytest.fixture
def health(tmp_path):
    return make_runtime(write_config(tmp_path), now="2026-11-20 09:00")


@pytest.fixture
def transport(tmp_path):
    cfg = write_config(tmp_path, preset="jilin-transport", head=TRANSPORT_HEAD, classes=TRANSPORT_CLASSES,
                       units=TRANSPORT_UNITS)
    return make_runtime(cfg, now="2026-12-10 09:00")


def test_mail_in_tally_out_health(health):
    # GIVEN alpha sends two items in Q1 (one adopted at two levels and instructed), beta one, gamma none
    submit(health, ALPHA, "甲市召开全市卫生工作会议", "2026-02-03 10:00")
    a2 = submit(health, ALPHA, "关于甲市乡镇卫生院运行情况的调研报告", "2026-02-20 10:00")
    submit(health, BETA, "乙市推进家庭医生签约服务", "2026-03-02 10:00")
    submit(health, ALPHA, "甲市启动爱国卫生月活动", "2026-04-01 10:00")  # Q2: not in the Q1 tally
    records.adopt(health, a2, "department", date="2026-03-01")
    records.adopt(health, a2, "province", date="2026-05-01")  # recorded later: counts with its item, in Q1
    records.instruct(health, a2, "department", date="2026-05-02")
    # WHEN the Q1 tally is made
    result = tally(health, "2026Q1")
    # THEN every unit has a row, zero rows included, with the contract's keys
    assert result["period"] == {"name": "2026Q1", "start": "2026-01-01", "end": "2026-03-31"}
    rows = rows_by_unit(result)
    assert set(rows) == {"alpha", "beta", "gamma"}
    for key in ("unit", "name", "class", "submitted", "adopted", "score", "rank", "quota", "shortfall"):
        assert key in rows["gamma"]
    # AND the jilin-health arithmetic holds: alpha 2+2+10+30+30, beta 2, gamma 0
    assert [(rows[u]["submitted"], rows[u]["adopted"], rows[u]["score"]) for u in ("alpha", "beta", "gamma")] == [
        (2, 1, 74), (1, 0, 2), (0, 0, 0)]
    # AND ranks are within the class; yearly 50 over Q1 is 13 owed, 30 is 8
    assert (rows["alpha"]["rank"], rows["beta"]["rank"], rows["gamma"]["rank"]) == (1, 2, 1)
    assert (rows["alpha"]["quota"], rows["alpha"]["shortfall"]) == (13, 11)
    assert (rows["gamma"]["quota"], rows["gamma"]["shortfall"], rows["gamma"]["zero_information"]) == (8, 8, True)
    assert rows["alpha"]["adoption_rate"] == 0.5 and result["zero_information_units"] == 1
    assert rows_by_unit(tally(health, "2026Q2"))["alpha"]["score"] == 2


def test_ties_share_a_rank(health):
    submit(health, ALPHA, "甲市卫生监督执法检查", "2026-01-10 10:00")
    submit(health, BETA, "乙市卫生监督执法检查", "2026-01-11 10:00")
    rows = rows_by_unit(tally(health, "2026-01"))
    assert (rows["alpha"]["rank"], rows["beta"]["rank"]) == (1, 1)


def test_bad_period_refused(health):
    with pytest.raises(UsageError, match="bad period"):
        tally(health, "2026Q5")


def test_transport_dec_nov_year_boundaries(transport):
    # GIVEN items on both sides of the Dec–Nov year's Q1 and Q4 boundaries (local times)
    for when in ("2025-11-30 23:30", "2025-12-01 00:10", "2026-03-31 23:50", "2026-04-01 00:05",
                 "2026-10-01 09:00", "2026-11-30 18:00", "2026-12-01 08:00"):
        submit(transport, CY, f"船营区交通运输工作动态{when[:10]}", when)
    counts = {p: rows_by_unit(tally(transport, p))["chuanying"]["submitted"]
              for p in ("2025Q4", "2026Q1", "2026Q2", "2026Q4", "2026", "2027Q1")}
    # THEN Q1 = 1 Dec–31 Mar (4 months), Q4 = 1 Oct–30 Nov, and the year 2026 = 2025-12-01..2026-11-30
    assert counts == {"2025Q4": 1, "2026Q1": 2, "2026Q2": 1, "2026Q4": 2, "2026": 5, "2027Q1": 1}
    assert tally(transport, "2026Q1")["period"] == {"name": "2026Q1", "start": "2025-12-01", "end": "2026-03-31"}


def test_transport_weekly_quota_over_quarters(transport):
    rows = rows_by_unit(tally(transport, "2026Q1"))
    # 2 a week over 121 days = ceil(34.57) = 35; 1 a week = ceil(17.29) = 18
    assert (rows["chuanying"]["quota"], rows["bangongshi"]["quota"]) == (35, 18)
    rows = rows_by_unit(tally(transport, "2026Q4"))  # 61 days
    assert (rows["chuanying"]["quota"], rows["bangongshi"]["quota"]) == (18, 9)
    # a unit with no items at all still has its row, at zero
    assert (rows["bangongshi"]["submitted"], rows["bangongshi"]["score"], rows["bangongshi"]["rank"]) == (0, 0, 1)


def test_transport_research_vs_news_and_zero_without_adoption(transport):
    news = submit(transport, CY, "船营区开展春运安全检查", "2026-01-05 10:00")
    study = submit(transport, CY, "关于城乡客运一体化的调研报告", "2026-01-06 10:00")
    submit(transport, FM, "丰满区推进公路养护工作", "2026-01-07 10:00")
    records.set_category(transport, news, "progress")
    records.set_category(transport, study, "research")
    records.adopt(transport, news, "province", date="2026-01-20")  # 一般动态 5
    records.adopt(transport, study, "province", date="2026-01-20")  # 调研 15
    records.instruct(transport, study, "city", kind="decisive", date="2026-02-01")  # 20
    records.adjust(transport, "chuanying", 40, "基础工作", date="2026-11-25")
    records.adjust(transport, "fengman", 40, "基础工作", date="2026-11-25")
    q1 = rows_by_unit(tally(transport, "2026Q1"))
    assert (q1["chuanying"]["score"], q1["fengman"]["score"]) == (40, 0)  # transport pays 0 per submission
    assert q1["fengman"]["no_adoption_in_year"] is True and q1["fengman"]["submitted"] == 1
    year = rows_by_unit(tally(transport, "2026"))
    # THEN over the whole year fengman, never adopted, scores zero even with its basic-work points
    assert (year["chuanying"]["score"], year["fengman"]["score"], year["fengman"]["zeroed"]) == (80, 0, True)
    assert year["fengman"]["raw_score"] == 40


def test_officers_ranked(health):
    a = submit(health, "li@alpha.example.gov.cn", "甲市开展健康教育进社区活动", "2026-01-10 10:00")
    submit(health, BETA, "乙市开展健康教育进社区活动", "2026-01-11 10:00")
    records.adopt(health, a, "department", date="2026-01-20")
    result = tally(health, "2026Q1", officers=True)
    top = result["officers"][0]
    assert (top["officer"], top["name"], top["unit"], top["score"], top["rank"]) == (
        "li@alpha.example.gov.cn", "李明", "alpha", 12, 1)
    assert result["officers"][1]["rank"] == 2


TOPICS = ["疫苗接种", "医保支付", "家庭医生", "院感防控", "中医药", "妇幼保健", "健康扶贫", "食品安全", "职业病防治",
          "卫生监督", "血液管理", "急救网络", "精神卫生", "老年健康", "控烟行动", "传染病报告", "计划免疫", "远程医疗",
          "药品集采", "护理服务", "基层首诊", "公立医院改革", "卫生人才", "健康教育", "环境卫生", "爱国卫生"]


def distinct_item(unit: str, i: int) -> tuple[str, str]:
    """A subject and body that share little with any other (so no item looks like a resend)."""
    import random

    rnd = random.Random(f"{unit}{i}")
    words = rnd.sample(TOPICS, 8)
    subject = f"{unit}{words[0]}{words[1]}工作第{i + 1}期"
    body = "。".join(f"{unit}{w}工作{rnd.randint(10, 999)}项任务完成{rnd.randint(1, 99)}%" for w in words) + "。"
    return subject, body


def test_awards_only_for_units_that_met_every_quota(health):
    # GIVEN alpha and beta meet the yearly 50 quota; alpha scores higher; gamma does not meet 30
    for i in range(50):
        for unit, email, day in (("甲市", ALPHA, 1), ("乙市", BETA, 10)):
            subject, body = distinct_item(unit, i)
            submit(health, email, subject, f"2026-{1 + i // 5:02d}-{day + i % 5:02d} 10:00", body=body)
    g = submit(health, GAMMA, "厅办公室政务信息工作要点", "2026-03-01 10:00")
    records.adopt(health, g, "central", date="2026-03-05")
    result = annual_awards(health, 2026)
    rows = rows_by_unit(result)
    assert (rows["alpha"]["submitted"], rows["beta"]["submitted"]) == (50, 50)
    assert (rows["alpha"]["eligible"], rows["gamma"]["eligible"]) == (True, False)
    # a tie between alpha and beta (100 each): both get the better prize
    assert (rows["alpha"]["prize"], rows["beta"]["prize"], rows["gamma"]["prize"]) == ("一等奖", "一等奖", None)
    assert result["officers"][0]["score"] == 100


def test_rescore_after_switching_preset(tmp_path):
    # GIVEN items scored under jilin-health
    cfg = write_config(tmp_path)
    rt = make_runtime(cfg)
    a = submit(rt, ALPHA, "甲市卫生工作动态", "2026-01-10 10:00")
    records.set_category(rt, a, "progress")
    records.adopt(rt, a, "province", date="2026-01-20")
    assert rows_by_unit(tally(rt, "2026Q1"))["alpha"]["score"] == 32
    # WHEN the office switches to jilin-transport (same database) and re-scores
    write_config(tmp_path, preset="jilin-transport")
    rt2 = make_runtime(cfg)
    cli = CliRunner().invoke(main, ["--config", str(cfg), "rescore", "--dry-run"])
    assert cli.exit_code == 0 and "-27" in cli.output and "将更正 2 条记录" in cli.output
    preview = rescore(rt2, dry_run=True)
    assert preview["units"] == {"alpha": -27} and rows_by_unit(tally(rt2, "2026Q1"))["alpha"]["score"] == 32
    done = rescore(rt2)
    # THEN submitting earns 0 and a provincial news adoption 5; the counts are unchanged
    assert done["units"] == {"alpha": -27}
    row = rows_by_unit(tally(rt2, "2026Q1"))["alpha"]
    assert (row["score"], row["submitted"], row["adopted"]) == (5, 1, 1)
    assert rescore(rt2)["moves"] == []


def test_cli_tally_formats(health, tmp_path):
    submit(health, ALPHA, "甲市卫生健康工作要点", "2026-01-10 10:00")
    cfg = str(health.settings.path)
    run = CliRunner().invoke
    j = run(main, ["--config", cfg, "tally", "--period", "2026Q1", "--format", "json"])
    assert j.exit_code == 0 and rows_by_unit(json.loads(j.output))["alpha"]["score"] == 2
    c = run(main, ["--config", cfg, "tally", "--period", "2026Q1", "--format", "csv", "--header", "ids"])
    lines = c.stdout_bytes.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("unit,name,class") and len(lines) == 4
    x = run(main, ["--config", cfg, "tally", "--period", "2026Q1", "--format", "xlsx", "--output",
                   str(tmp_path / "out.xlsx")])
    assert x.exit_code == 0 and load_workbook(tmp_path / "out.xlsx").sheetnames[-1] == "说明"
    t = run(main, ["--config", cfg, "tally", "--period", "2026Q1", "--officers"])
    assert "甲市卫生局" in t.output and "个人排名" in t.output
    bad = run(main, ["--config", cfg, "tally", "--period", "soon"])
    assert bad.exit_code == 2
    aw = run(main, ["--config", cfg, "awards", "--year", "2026"])
    assert aw.exit_code == 0 and "完成任务" in aw.output


@pytest.mark.postgresql_only("the explicit PostgreSQL check; the whole module runs on both anyway")
def test_tally_on_postgresql(pg_url, tmp_path):
    with make_runtime(write_config(tmp_path, db_url=pg_url)) as rt:
        a = submit(rt, ALPHA, "甲市卫生工作动态信息", "2026-02-03 10:00")
        records.adopt(rt, a, "province", date="2026-02-10")
        records.adopt(rt, a, "province", withdraw=True)
        records.adopt(rt, a, "department", date="2026-02-11")
        rows = rows_by_unit(tally(rt, "2026Q1"))
    assert (rows["alpha"]["submitted"], rows["alpha"]["score"], rows["gamma"]["score"]) == (1, 12, 0)


@pytest.mark.parametrize("name", ["adopt", "instruct", "commission", "assign", "category", "adjust",
                                  "import-adoptions", "tally", "remind", "rescore", "awards"])
def test_every_command_has_help(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0 and main.commands[name].help
