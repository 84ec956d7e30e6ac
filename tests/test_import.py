"""Bulk adoptions from the office's register (CSV/XLSX): Chinese headings, titles as editors change
them, level words and adopting bodies, re-importing a running register, the confirmation list, dry run."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from mailbot.cli import main
from mailbot.db.models import ScoreEvent
from mailbot.errors import UsageError
from mailbot.importer import import_adoptions
from mailbot.reports.tally import tally
from tests.helpers_records import make_runtime, rows_by_unit, submit, write_config

ALPHA, BETA = "alpha@alpha.example.gov.cn", "beta@beta.example.gov.cn"


@pytest.fixture
def rt(tmp_path):
    return make_runtime(write_config(tmp_path))


def adoptions(rt) -> int:
    with rt.db.session() as s:
        return s.scalar(select(func.count(ScoreEvent.id)).where(ScoreEvent.kind == "adopt"))


def test_csv_with_chinese_headings_receipts_and_titles(rt, tmp_path):
    a = submit(rt, ALPHA, "甲市推进分级诊疗", "2026-02-03 10:00")
    submit(rt, BETA, "乙市开展义诊活动", "2026-02-04 10:00")
    f = tmp_path / "adoptions.csv"
    f.write_text("回执号,标题,级别,日期,刊物,期号\n"
                 f"{a},,省级,2026-02-10,《卫生信息》,第3期\n"
                 ",乙市开展义诊活动,厅级,2026/02/11,,\n", encoding="utf-8-sig")
    report = import_adoptions(rt, f)
    assert report.lines[0] == f"已记录：{a} 省级采用（《卫生信息》第3期） +30 分"
    assert report.total_points == 40
    rows = rows_by_unit(tally(rt, "2026Q1"))
    assert (rows["alpha"]["score"], rows["beta"]["score"]) == (32, 12)


def test_one_bad_row_and_nothing_is_recorded(rt, tmp_path):
    a = submit(rt, ALPHA, "甲市推进医养结合", "2026-02-03 10:00")
    f = tmp_path / "bad.csv"
    f.write_text("receipt,level,date\n"
                 f"{a},province,2026-02-10\n"
                 f"{a},galaxy,2026-02-10\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"bad.csv row 3: .*unknown adopt level 'galaxy'.*nothing was imported"):
        import_adoptions(rt, f)
    assert adoptions(rt) == 0


def test_a_row_twice_in_the_file_is_recorded_once(rt, tmp_path):
    a = submit(rt, ALPHA, "甲市卫生应急演练", "2026-02-03 10:00")
    f = tmp_path / "twice.csv"
    f.write_text(f"receipt,level,date\n{a},province,2026-02-10\n{a},province,2026-02-10\n", encoding="utf-8")
    report = import_adoptions(rt, f)
    assert len(report.lines) == 1 and report.already == [f"第3行 {a} 省级采用（2026-02-10）"]
    assert adoptions(rt) == 1


def test_a_title_matching_two_items_goes_on_the_confirmation_list(rt, tmp_path):
    a = submit(rt, ALPHA, "召开年度卫生工作会议", "2026-02-03 10:00",
               body="甲市卫生局召开年度卫生工作会议，总结去年工作，部署今年任务，会议要求抓好落实。")
    b = submit(rt, BETA, "召开年度卫生工作会议", "2026-02-04 10:00",
               body="乙市卫生局近日召开全市卫生系统年度会议，表彰先进集体和个人，签订责任书。")
    f = tmp_path / "ambiguous.csv"
    f.write_text("标题,级别,日期\n召开年度卫生工作会议,省级,2026-02-10\n", encoding="utf-8")
    report = import_adoptions(rt, f)
    assert report.lines == [] and len(report.doubtful) == 1
    assert report.doubtful[0].startswith("第2行《召开年度卫生工作会议》可能是：")
    assert a in report.doubtful[0] and b in report.doubtful[0]
    assert adoptions(rt) == 0


def test_dry_run_records_nothing_and_xlsx_works(rt, tmp_path):
    a = submit(rt, ALPHA, "甲市卫生健康信息化", "2026-02-03 10:00")
    wb = Workbook()
    ws = wb.active
    ws.append(["回执号", "级别", "日期"])
    ws.append([a, "厅级", "2026-02-10"])
    f = tmp_path / "adoptions.xlsx"
    wb.save(f)
    cfg = str(rt.settings.path)
    dry = CliRunner().invoke(main, ["--config", cfg, "import-adoptions", str(f), "--dry-run"])
    assert dry.exit_code == 0 and f"将记录：{a} 厅级采用 +10 分" in dry.output and "试运行" in dry.output
    assert adoptions(rt) == 0
    done = CliRunner().invoke(main, ["--config", cfg, "import-adoptions", str(f)])
    assert done.exit_code == 0 and "已记录 1 条（合计 +10 分），已有记录 0 条" in done.output
    assert adoptions(rt) == 1


def test_missing_columns_refused(rt, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("foo,bar\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(rt.settings.path), "import-adoptions", str(f)])
    assert result.exit_code == 2 and "receipt (回执号) or title (标题)" in result.output


def test_a_running_register_with_edited_titles_and_adopting_bodies(rt, tmp_path):
    # GIVEN items as the units titled them
    a1 = submit(rt, ALPHA, "【甲市卫生局】甲市召开全市卫生工作会议", "2026-02-03 10:00")
    a2 = submit(rt, ALPHA, "关于甲市乡镇卫生院运行情况的调研报告", "2026-02-20 10:00")
    b1 = submit(rt, BETA, "乙市开展爱国卫生运动", "2026-03-02 10:00")
    b2 = submit(rt, BETA, "乙市推进分级诊疗", "2026-03-05 10:00",
                body="乙市以医联体为抓手推进分级诊疗，基层首诊率提升到百分之六十五，双向转诊三千余人次。")
    # AND the office's register: titles as the editors printed them, bodies instead of levels
    register = tmp_path / "采用登记.csv"
    register.write_text(
        "标题,采用级别,采用日期,刊物,期号\n"
        "甲市召开卫生工作会议,省委办公厅,2026-02-10,《吉林信息》,第5期\n"      # tag dropped, 全市 cut
        "甲市乡镇卫生院运行情况调研,卫生厅,2026-02-25,《卫生信息》,第8期\n"      # 关于…的…报告 shortened
        "乙市开展爱国卫生运动,国务院办公厅,2026-03-10,《昨日要情》,\n"           # the same title
        "乙市扎实推进分级诊疗制度建设,省政府办公厅,2026-03-12,,\n"                # rewritten: doubtful
        "丙市开展卫生监督执法,省级,2026-03-12,,\n", encoding="utf-8")            # no such item

    # WHEN it is imported
    first = import_adoptions(rt, register)

    # THEN the clear rows are recorded at the right levels, the doubtful one is listed, the unknown one reported
    assert [ln.split("：", 1)[1].split(" ")[0] for ln in first.lines] == [a1, a2, b1]
    assert "省级采用（《吉林信息》第5期） +30 分" in first.lines[0]
    assert "厅级采用（《卫生信息》第8期） +10 分" in first.lines[1]
    assert "中央采用" in first.lines[2] and first.lines[2].endswith("+50 分")
    assert len(first.doubtful) == 1 and first.doubtful[0].startswith("第5行《乙市扎实推进分级诊疗制度建设》可能是：")
    assert b2 in first.doubtful[0] and "相似度" in first.doubtful[0]
    assert first.unmatched == ["第6行《丙市开展卫生监督执法》"]

    # WHEN the office writes the receipt into the doubtful row, adds a new row, and imports the register again
    text = register.read_text(encoding="utf-8").replace("标题,", "回执号,标题,", 1)
    lines = text.splitlines()
    lines = [lines[0]] + ["," + ln for ln in lines[1:]]
    lines[4] = b2 + lines[4]
    lines.append(f"{a2},,省级,2026-03-20,《吉林信息》,第9期")
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cli = CliRunner().invoke(main, ["--config", str(rt.settings.path), "import-adoptions", str(register)])

    # THEN only the confirmed and the new rows are recorded; the rest were there already
    assert cli.exit_code == 0, cli.output
    assert "已记录 2 条（合计 +60 分），已有记录 3 条，需确认 0 条，未找到 1 条" in cli.output
    assert adoptions(rt) == 5
    rows = rows_by_unit(tally(rt, "2026Q1"))
    assert (rows["alpha"]["score"], rows["beta"]["score"]) == (4 + 30 + 10 + 30, 4 + 50 + 30)
