"""个人排名: people named from the register or their From name, with their unit; only counted items."""

from __future__ import annotations

from sqlalchemy import select

from mailbot import records
from mailbot.db.models import Submission
from mailbot.reports.tally import tally
from tests.helpers_records import feed, make_runtime, receipt_of, write_config


def _item(rt, sender: str, subject: str, when: str, headers=None):
    body = f"{subject}。近日，{subject}，有关情况报告如下：{subject}取得新进展，{subject}工作持续推进。"
    return receipt_of(rt, feed(rt, sender, subject, body, when, headers=headers))


def test_individuals_are_named_with_their_unit_and_only_counted_items_rank(tmp_path):
    rt = make_runtime(write_config(tmp_path), now="2026-04-10 09:00")
    # a registered officer (the register says 李明) writing as "xiaoli"
    a1 = _item(rt, "xiaoli <li@alpha.example.gov.cn>", "甲市召开全市卫生工作会议", "2026-02-03 10:00")
    # the unit's own address, a traditional-character display name
    _item(rt, "趙敏 <alpha@alpha.example.gov.cn>", "甲市推进家庭医生签约服务", "2026-02-10 10:00")
    # a personal address, the unit found from the subject
    _item(rt, "王芳 <wangfang@163.example.com>", "【乙市卫生局】乙市开展爱国卫生运动", "2026-02-12 10:00")
    # a spam advert (unassigned), an auto-reply (ignored), and an item the office ruled out (dismissed)
    _item(rt, "发票代开 <ad@spam.example.com>", "代开各类发票，联系电话13800000000", "2026-02-14 10:00")
    _item(rt, "赵敏 <alpha@alpha.example.gov.cn>", "自动回复：您的邮件已收到", "2026-02-15 10:00",
          headers={"Auto-Submitted": "auto-replied"})
    gone = _item(rt, "孙强 <gamma@gamma.example.gov.cn>", "厅办公室开展保密检查", "2026-02-16 10:00")
    with rt.db.transaction() as s:
        s.scalar(select(Submission).where(Submission.receipt == gone)).status = "dismissed"
    records.adopt(rt, a1, "province", date="2026-03-01")

    officers = tally(rt, "2026Q1", officers=True)["officers"]

    assert [(r["rank"], r["name"], r["unit_name"], r["score"]) for r in officers] == [
        (1, "李明", "甲市卫生局", 32), (2, "赵敏", "甲市卫生局", 2), (2, "王芳", "乙市卫生局", 2)]
    assert {r["officer"] for r in officers} == {"li@alpha.example.gov.cn", "alpha@alpha.example.gov.cn",
                                                 "wangfang@163.example.com"}
