"""Bulk adoptions from CSV/XLSX: Chinese headings, titles, all-or-nothing, dry run."""

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


def test_repeat_within_the_file_refused(rt, tmp_path):
    a = submit(rt, ALPHA, "甲市卫生应急演练", "2026-02-03 10:00")
    f = tmp_path / "twice.csv"
    f.write_text(f"receipt,level,date\n{a},province,2026-02-10\n{a},province,2026-02-10\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"row 3: .*repeat"):
        import_adoptions(rt, f)
    assert adoptions(rt) == 0


def test_title_matching_two_submissions_refused(rt, tmp_path):
    submit(rt, ALPHA, "召开年度卫生工作会议", "2026-02-03 10:00", body="甲市卫生局召开年度卫生工作会议，总结去年工作，部署今年任务，会议要求抓好落实。")
    submit(rt, BETA, "召开年度卫生工作会议", "2026-02-04 10:00", body="乙市卫生局近日召开全市卫生系统年度会议，表彰先进集体和个人，签订责任书。")
    f = tmp_path / "ambiguous.csv"
    f.write_text("标题,级别,日期\n召开年度卫生工作会议,省级,2026-02-10\n", encoding="utf-8")
    with pytest.raises(UsageError, match="matches 2 submissions"):
        import_adoptions(rt, f)
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
    assert done.exit_code == 0 and "已导入：1 条" in done.output
    assert adoptions(rt) == 1


def test_missing_columns_refused(rt, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("foo,bar\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(rt.settings.path), "import-adoptions", str(f)])
    assert result.exit_code == 2 and "receipt (回执号) or title (标题)" in result.output
