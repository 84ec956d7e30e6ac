"""Quota-shortfall reminders: pro-rata due on a date, category quotas, queued mails, CLI."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner
from sqlalchemy import select

from mailbot import records
from mailbot.cli import main
from mailbot.db.models import OutboxMail
from mailbot.reports.remind import queue_reminders, shortfalls
from tests.helpers_records import make_runtime, submit, write_config

ALPHA, BETA = "alpha@alpha.example.gov.cn", "beta@beta.example.gov.cn"

KEY_CLASSES = '''
[[classes]]
id = "key"
name = "重点单位"
quotas = [{per = "week", count = 1}, {per = "month", count = 2, category = "research"}]
'''
KEY_UNITS = '''
[[units]]
id = "alpha"
name = "甲市卫生局"
class = "key"
emails = ["alpha@alpha.example.gov.cn"]
'''


def test_pro_rata_due_counts_only_items_up_to_the_as_of_day(tmp_path):
    rt = make_runtime(write_config(tmp_path))
    submit(rt, ALPHA, "甲市召开卫生工作会议", "2026-02-03 10:00")
    submit(rt, ALPHA, "甲市推进医共体建设", "2026-03-31 23:00")
    submit(rt, ALPHA, "甲市启动健康促进行动", "2026-04-01 08:00")  # after the as-of day
    rows = {r["unit"]: r for r in shortfalls(rt, date(2026, 3, 31))}
    assert set(rows) == {"alpha", "beta", "gamma"}
    # 50 a year: ceil(50 × 90 ÷ 365) = 13; 30 a year: 8
    assert {k: rows["alpha"][k] for k in ("submitted", "due", "shortfall", "per", "class")} == {
        "submitted": 2, "due": 13, "shortfall": 11, "per": "year", "class": "city"}
    assert (rows["gamma"]["due"], rows["gamma"]["shortfall"]) == (8, 8)
    # on 1 January a yearly quota of 50 owes ceil(50/365) = 1
    assert {r["unit"]: r["due"] for r in shortfalls(rt, date(2026, 1, 1))} == {"alpha": 1, "beta": 1, "gamma": 1}


def test_category_quota_counts_only_its_category(tmp_path):
    rt = make_runtime(write_config(tmp_path, classes=KEY_CLASSES, units=KEY_UNITS))
    r1 = submit(rt, ALPHA, "甲市医疗服务价格调整情况的调研", "2026-03-02 10:00")
    r2 = submit(rt, ALPHA, "甲市召开卫生应急演练", "2026-03-24 10:00")
    r3 = submit(rt, ALPHA, "甲市推进智慧医院建设", "2026-03-25 10:00")
    records.set_category(rt, r1, "research")
    records.set_category(rt, r2, "meeting")
    records.set_category(rt, r3, "progress")
    rows = shortfalls(rt, date(2026, 3, 31))
    # the week of 30 Mar–5 Apr owes ceil(1 × 2 ÷ 7) = 1 and has none; March owes 2 research items and has 1
    assert sorted((r["per"], r["category"], r["due"], r["submitted"], r["shortfall"]) for r in rows) == [
        ("month", "research", 2, 1, 1), ("week", None, 1, 0, 1)]


def test_queue_reminders_mails_each_unit_once(tmp_path):
    rt = make_runtime(write_config(tmp_path))
    submit(rt, BETA, "乙市开展卫生城市创建工作", "2026-02-03 10:00")
    assert queue_reminders(rt, date(2026, 3, 31)) == 3
    assert queue_reminders(rt, date(2026, 3, 31)) == 0
    with rt.db.session() as s:
        mails = {m.dedupe_key: m for m in s.scalars(select(OutboxMail).where(OutboxMail.kind == "reminder"))}
    beta = mails["remind:beta:2026-03-31"]
    assert beta.recipients == ["beta@beta.example.gov.cn"]
    assert "催报" in beta.subject and "尚差 12 条" in beta.subject
    assert "按进度应报：13 条" in beta.body_text and "已报送：1 条" in beta.body_text


def test_cli_remind_dry_run_json_and_send(tmp_path):
    cfg = write_config(tmp_path)
    rt = make_runtime(cfg)
    submit(rt, ALPHA, "甲市卫生工作动态", "2026-02-03 10:00")
    run = CliRunner().invoke
    dry = run(main, ["--config", str(cfg), "remind", "--as-of", "2026-03-31", "--dry-run", "--format", "json"])
    assert dry.exit_code == 0
    data = json.loads(dry.output)
    assert sorted(r["unit"] for r in data) == ["alpha", "beta", "gamma"]
    assert set(data[0]) >= {"unit", "name", "class", "submitted", "due", "shortfall", "per"}
    with rt.db.session() as s:
        assert s.scalar(select(OutboxMail.id).where(OutboxMail.kind == "reminder")) is None
    sent = run(main, ["--config", str(cfg), "remind", "--as-of", "2026-03-31"])
    assert sent.exit_code == 0 and "已排队 3 封催报邮件" in sent.output
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert any("reminder" in f.name for f in files)
    bad = run(main, ["--config", str(cfg), "remind", "--as-of", "31/03/2026"])
    assert bad.exit_code == 2
