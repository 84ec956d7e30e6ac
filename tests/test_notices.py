"""Adoption notices: the unit hears of an adoption, 批示 or 约稿 the same day, one mail per unit per day."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from mailbot import records
from mailbot.cli import main
from mailbot.db.models import OutboxMail
from mailbot.importer import import_adoptions
from mailbot.notices import queue_adoption_notices
from tests.helpers_records import ADMIN, feed, make_runtime, submit, write_config

ALPHA, BETA = "alpha@alpha.example.gov.cn", "beta@beta.example.gov.cn"
PASS = {"Authentication-Results": "mx.office.example.gov.cn; dkim=pass header.d=office.example.gov.cn "
                                  "header.s=s1; spf=pass smtp.mailfrom=chief@office.example.gov.cn"}


def _notices(rt) -> list[OutboxMail]:
    with rt.db.session() as s:
        return list(s.scalars(select(OutboxMail).where(OutboxMail.kind == "notice").order_by(OutboxMail.id)))


def test_one_notice_per_unit_per_day_whatever_recorded_it(tmp_path):
    cfg = write_config(tmp_path)
    rt = make_runtime(cfg, now="2026-03-10 17:30")
    a1 = submit(rt, ALPHA, "甲市召开全市卫生工作会议", "2026-02-03 10:00")
    a2 = submit(rt, ALPHA, "关于甲市乡镇卫生院运行情况的调研报告", "2026-02-20 10:00")
    b1 = submit(rt, BETA, "乙市推进家庭医生签约服务", "2026-03-02 10:00")
    # WHEN the office records an adoption by CLI, a 批示 by mail, and an adoption by import
    assert CliRunner().invoke(main, ["--config", str(cfg), "adopt", a1, "--level", "province"]).exit_code == 0
    feed(rt, ADMIN, f"批示 {a2} 厅级", "请记录。", "2026-03-10 11:00", headers=PASS)
    sheet = tmp_path / "采用登记.csv"
    sheet.write_text(f"回执号,级别,日期\n{b1},厅级,2026-03-09\n", encoding="utf-8")
    import_adoptions(rt, sheet)
    # AND a 约稿 recorded and withdrawn again before the batch
    records.commission(rt, a1, "department")
    records.commission(rt, a1, "department", withdraw=True)

    # WHEN the day's batch runs
    assert queue_adoption_notices(rt) == 2

    # THEN alpha gets one mail with both items, the points and its new total; beta one with its adoption
    alpha, beta = _notices(rt)
    assert alpha.recipients == [ALPHA] and beta.recipients == [BETA]
    assert alpha.dedupe_key == "notice:alpha:2026-03-10"
    assert "2 条信息被采用或获批示" in alpha.subject
    assert f"回执号 {a1}" in alpha.body_text and "省级采用，+30 分" in alpha.body_text
    assert f"回执号 {a2}" in alpha.body_text and "厅级批示，+30 分" in alpha.body_text
    assert "厅级约稿" not in alpha.body_text  # withdrawn before it was told
    assert "2026年度累计得分 64 分" in alpha.body_text  # 2 items × 2 + 30 + 30
    assert beta.subject.endswith("厅级采用（+10 分）")
    assert "年度累计得分 12 分" in beta.body_text

    # AND nothing is told twice; a later record waits for the next day's batch
    assert queue_adoption_notices(rt) == 0
    records.adopt(rt, a2, "department")
    assert queue_adoption_notices(rt) == 0
    tomorrow = make_runtime(cfg, now="2026-03-11 17:30")
    assert queue_adoption_notices(tomorrow) == 1
    assert _notices(tomorrow)[-1].dedupe_key == "notice:alpha:2026-03-11"


def test_notices_can_be_switched_off_and_old_ledger_is_not_mailed(tmp_path):
    off = make_runtime(write_config(tmp_path, head="[notices]\nenabled = false\n"), now="2026-03-10 17:30")
    a1 = submit(off, ALPHA, "甲市召开全市卫生工作会议", "2026-02-03 10:00")
    records.adopt(off, a1, "province")
    assert queue_adoption_notices(off) == 0
    # switched on ten days later: the old adoption is history, not news
    on = make_runtime(write_config(tmp_path, name="on.toml"), now="2026-03-20 17:30")
    assert queue_adoption_notices(on) == 0 and _notices(on) == []
