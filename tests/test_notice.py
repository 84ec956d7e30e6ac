"""The 通报 as the office receives, prints and forwards it: the workbook read back, the mails parsed."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from mailbot import records
from mailbot.cli import main
from mailbot.db.models import OutboxMail
from mailbot.mail.compose import compose
from mailbot.reports.notice_mail import queue_unit_tallies, write_xlsx
from mailbot.reports.tally import annual_awards, tally
from tests.helpers_records import make_runtime, rows_by_unit, submit, write_config
from tests.mail_parts import disagreement, has_cjk, html_text, parse, parts

ALPHA, BETA, GAMMA = "alpha@alpha.example.gov.cn", "beta@beta.example.gov.cn", "gamma@gamma.example.gov.cn"
REPORTS = '''
[reports]
tally_title = "全省卫生系统政务信息报送采用情况通报（{period}）"
tally_number = "吉卫办信〔{year}〕{n}号"
signature = "吉林省卫生厅办公室"
'''


@pytest.fixture
def health(tmp_path):
    rt = make_runtime(write_config(tmp_path, head=REPORTS), now="2026-04-02 09:00")
    a1 = submit(rt, ALPHA, "甲市召开全市卫生工作会议", "2026-02-03 10:00")
    a2 = submit(rt, "li@alpha.example.gov.cn", "关于甲市乡镇卫生院运行情况的调研报告", "2026-02-20 10:00")
    submit(rt, BETA, "乙市推进家庭医生签约服务", "2026-03-02 10:00")
    records.adopt(rt, a2, "department", date="2026-03-01", publication="卫生信息", issue_no="12")
    records.adopt(rt, a2, "province", date="2026-03-05")
    records.instruct(rt, a2, "department", date="2026-03-06")
    records.commission(rt, a1, "department", date="2026-02-04")
    records.adjust(rt, "beta", -3, "迟报", date="2026-03-20")
    return rt


def test_workbook_sheets_print_settings_and_numbers(health, tmp_path):
    # GIVEN a quarter with adoptions, an instruction, a commission and a manual adjustment
    result = tally(health, "2026Q1", officers=True)
    cli = CliRunner().invoke(main, ["--config", str(health.settings.path), "tally", "--period", "2026Q1",
                                    "--format", "json"])
    as_json = rows_by_unit(json.loads(cli.output))
    # WHEN the workbook is written and read back
    wb = load_workbook(write_xlsx(health, result, tmp_path / "q1.xlsx"))
    # THEN it has the office's sheets, each set up to print on A4 landscape, one page wide
    assert wb.sheetnames == ["汇总", "图表", "明细", "个人", "说明"]
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
    for name in ("汇总", "明细", "个人", "说明"):
        ws = wb[name]
        assert ws.print_title_rows, name
        assert any(str(m).startswith("A1:") for m in ws.merged_cells.ranges), f"{name}: merged title row"
    assert wb["汇总"].freeze_panes == "A3" and wb["明细"].freeze_panes == "A4"
    summary = wb["汇总"]
    assert summary["A1"].value == "全省卫生系统政务信息报送采用情况通报（2026年第一季度）"
    assert "吉卫办信〔2026〕1号" in summary["A2"].value and "吉林省卫生厅办公室" in summary["A2"].value
    # AND a native chart per class and one for the year to date
    assert len(wb["图表"]._charts) == 3
    # AND every unit is in its class table, with numbers (not text) equal to `tally --format json`
    head_row = next(r for r in summary.iter_rows() if r[0].value == "排名")
    heads = [c.value for c in head_row]
    assert heads[:3] == ["排名", "单位", "报送"] and {"厅级采用", "省级采用", "批示", "约稿", "调整", "得分", "应报",
                                                       "差额", "完成情况"} <= set(heads)
    names = {u["name"]: u for u in as_json.values()}
    seen = {}
    for row in summary.iter_rows(min_row=head_row[0].row + 1):
        if row[0].value == "序号":
            break  # the year-to-date table follows the class tables
        values = dict(zip(heads, (c.value for c in row)))
        if values.get("单位") in names and isinstance(values.get("排名"), int):
            seen[values["单位"]] = values
    assert set(seen) == set(names)
    for name, u in names.items():
        v = seen[name]
        assert (v["报送"], v["得分"], v["应报"], v["差额"], v["排名"]) == (
            u["submitted"], u["score"], u["quota"], u["shortfall"], u["rank"])
        assert v["调整"] == u["adjustments"] and isinstance(v["得分"], int)
    assert (seen["甲市卫生局"]["厅级采用"], seen["甲市卫生局"]["省级采用"], seen["甲市卫生局"]["批示"],
            seen["甲市卫生局"]["约稿"]) == (1, 1, 1, 1)
    assert seen["乙市卫生局"]["调整"] == -3 and seen["乙市卫生局"]["得分"] == -1
    assert seen["厅办公室"]["备注"] == "零信息"
    cell = summary.cell(head_row[0].row + 1, 2)
    assert cell.border.left.style == "thin" and summary.column_dimensions["B"].width >= 12
    # AND the items sheet lists every item with its publication; officers are ranked
    detail = [[c.value for c in r] for r in wb["明细"].iter_rows(min_row=4)]
    assert len(detail) == 3 and all(r[0] for r in detail)
    assert any("《卫生信息》第12期" in (r[7] or "") for r in detail)
    assert [r[1].value for r in wb["个人"].iter_rows(min_row=4)][:1] == ["李明"]
    # AND 说明 states the rules and points, the quotas and the period, not a preset's id
    notes = " ".join(str(c.value) for r in wb["说明"].iter_rows() for c in r if c.value)
    for words in ("每报送一条信息计 2 分", "计 10 分", "计 30 分", "计 50 分", "每年信息 50 条",
                  "2026年第一季度（2026年1月1日至3月31日）"):
        assert words in notes
    assert "jilin-health" not in notes


def test_awards_workbook_has_prizes_and_quota_met(health, tmp_path):
    out = tmp_path / "awards.xlsx"
    cli = CliRunner().invoke(main, ["--config", str(health.settings.path), "awards", "--year", "2026",
                                    "--format", "xlsx", "--output", str(out)])
    assert cli.exit_code == 0, cli.output
    ws = load_workbook(out)["汇总"]
    heads = [c.value for c in next(r for r in ws.iter_rows() if r[0].value == "排名")]
    assert "奖项" in heads and "完成情况" in heads
    done = {r[heads.index("完成情况")].value for r in ws.iter_rows() if isinstance(r[0].value, int)}
    assert done == {"未完成任务"}
    assert ws["A1"].value == "2026年度政务信息工作考核情况通报"
    result = annual_awards(health, 2026)
    assert {r["unit"]: r["prize"] for r in result["units"]} == {"alpha": None, "beta": None, "gamma": None}


def _sent(rt) -> dict[str, object]:
    with rt.db.session() as s:
        rows = list(s.scalars(select(OutboxMail).where(OutboxMail.kind == "tally")))
        return {r.dedupe_key: parse(bytes(compose(r, rt.settings.outgoing.from_, rt.settings.tz))) for r in rows}


def test_notice_mails_parts_agree_and_carry_the_chart(health):
    # WHEN the quarter's notice is queued
    assert queue_unit_tallies(health, "2026Q1") == 4
    mails = _sent(health)
    for key, msg in mails.items():
        text, html = parts(msg)
        # THEN both parts are there, in Chinese, and say the same things
        assert has_cjk(text) and has_cjk(html_text(html)), key
        only_text, only_html = disagreement(text, html)
        assert not only_text and not only_html, (key, only_text, only_html)
        # AND the HTML carries a bar chart made of table cells (shown with images blocked)
        assert 'class="chart"' in html and "bgcolor=" in html, key
        assert "2026年第一季度" in text and "2026Q1" not in text
    office = mails["tally:2026Q1:office"]
    text, html = parts(office)
    assert office["Subject"] == "【通报】全省卫生系统政务信息报送采用情况通报（2026年第一季度）（吉卫办信〔2026〕1号）"
    for words in ("一、总体情况", "被采用 1 条（2 次）", "获领导批示 1 件", "零信息单位：厅办公室", "三、信息采用情况",
                  "《卫生信息》第12期", "2026年度累计情况", "吉林省卫生厅办公室", "2026年4月2日"):
        assert words in text, words
    assert [p.get_filename() for p in office.iter_attachments()] == ["2026年第一季度政务信息通报.xlsx"]
    alpha = mails["tally:2026Q1:alpha"]
    text, html = parts(alpha)
    assert alpha["To"] == "alpha@alpha.example.gov.cn, li@alpha.example.gov.cn"
    assert text.startswith("全省卫生系统") and "甲市卫生局：" in text and text.count("甲市卫生局") == 4  # greeting, table, chart, progress bar
    assert "本期贵单位报送信息 2 条" in text and "▶甲市卫生局" in text and "乙市卫生局" in text
    assert "厅机关处室" not in text  # another class's table is not in this unit's copy
    assert "FFF2CC" in html  # its own row highlighted
    assert "全年任务 50 条" in text and "全年尚需报送 48 条" in text
    for receipt in [r["receipt"] for r in _items(health) if r["unit"] == "alpha"]:
        assert receipt in text and receipt in html_text(html)


def _items(rt):
    from mailbot.reports.listing import list_submissions

    return list_submissions(rt, "2026Q1")


def test_preview_writes_mails_and_workbook_and_sends_nothing(health, tmp_path):
    out = tmp_path / "preview"
    cli = CliRunner().invoke(main, ["--config", str(health.settings.path), "tally", "--period", "2026Q1",
                                    "--preview", str(out)])
    assert cli.exit_code == 0, cli.output
    names = sorted(p.name for p in out.iterdir())
    assert "04-tally-office.eml" in names and "04-tally-office.html" in names
    assert any(n.endswith(".xlsx") for n in names) and "01-tally-alpha.eml" in names
    msg = parse((out / "04-tally-office.eml").read_bytes())
    assert parts(msg)[1].strip() == (out / "04-tally-office.html").read_text(encoding="utf-8").strip()
    with health.db.session() as s:
        assert s.scalar(select(OutboxMail.id).where(OutboxMail.kind == "tally")) is None  # nothing queued
