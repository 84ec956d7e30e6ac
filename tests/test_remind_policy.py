"""The [remind] policy over a simulated quarter, with a frozen clock moved day by day.

Without a policy a unit sending one item a week (52 a year, above its quota of 50) was
reminded on the first 7 Fridays, and nearly every unit was "差额 1" from the first Friday.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import default

from click.testing import CliRunner
from sqlalchemy import select

from mailbot.cli import main
from mailbot.clock import Clock
from mailbot.config import load_settings
from mailbot.daemon import Daemon
from mailbot.db.models import OutboxMail, ReminderSent
from mailbot.reports.remind import plan
from mailbot.runtime import Runtime
from tests.helpers_records import TZ, submit, write_config

UNITS = '''
[[units]]
id = "steady"
name = "甲市卫生局"
class = "city"
emails = ["steady@jia.example.gov.cn"]

[[units]]
id = "slow"
name = "乙市卫生局"
class = "city"
emails = ["slow@yi.example.gov.cn"]

[[units]]
id = "idle"
name = "丙市卫生局"
class = "city"
emails = ["idle@bing.example.gov.cn"]
'''
TOPICS = ["疫苗接种", "医保支付", "家庭医生签约", "院感防控", "中医药传承", "妇幼保健", "健康扶贫", "食品安全",
          "职业病防治", "爱国卫生", "基层卫生院", "急救网络", "老年健康"]
FRIDAYS_REMINDED = [date(2026, 1, 16), date(2026, 1, 30), date(2026, 2, 13), date(2026, 2, 27), date(2026, 3, 13),
                    date(2026, 3, 27)]


class Frozen:
    def __init__(self) -> None:
        self.at = datetime(2026, 1, 1, 9, 0, tzinfo=TZ)

    def __call__(self) -> datetime:
        return self.at


def _quarter(tmp_path):
    cfg = write_config(tmp_path, units=UNITS)
    clock = Frozen()
    rt = Runtime.open(load_settings(cfg), clock=Clock("Asia/Shanghai", fixed=clock))
    daemon = Daemon(rt)
    day, week = date(2026, 1, 1), 0
    while day <= date(2026, 3, 31):
        clock.at = datetime.combine(day, time(8, 0), TZ)
        if day.weekday() == 0:  # steady sends one item every Monday: 52 a year
            topic = TOPICS[week % len(TOPICS)]
            submit(rt, "steady@jia.example.gov.cn", f"甲市第{week + 1}周{topic}工作取得新进展",
                   f"{day.isoformat()} 08:00",
                   body=f"第{week + 1}周，甲市围绕{topic}开展专项工作{week * 37 + 11}次，覆盖{week * 13 + 7}个乡镇。")
            week += 1
        if day == date(2026, 1, 7):  # slow sends one item, then nothing
            submit(rt, "slow@yi.example.gov.cn", "乙市召开卫生健康工作会议", "2026-01-07 08:00")
        clock.at = datetime.combine(day, time(9, 0), TZ)
        daemon.reminders()  # the daily job at [schedule] remind_time
        day += timedelta(days=1)
    return rt, cfg


def _sent(rt) -> dict[str, list[tuple[date, str]]]:
    out: dict[str, list[tuple[date, str]]] = {"steady": [], "slow": [], "idle": []}
    with rt.db.session() as s:
        for r in s.scalars(select(ReminderSent).order_by(ReminderSent.as_of)):
            out[r.unit_id].append((r.as_of, r.level))
    return out


def test_a_simulated_quarter_follows_the_policy(tmp_path):
    # GIVEN the default policy (Fridays, 14 days' grace, at least 2 items short, every 14 days,
    # 零报送 after 4 weeks) and a quarter of daily runs
    rt, _cfg = _quarter(tmp_path)
    sent = _sent(rt)

    # THEN the unit sending one a week is never reminded
    assert sent["steady"] == []
    # the slow unit gets a gentle note every second Friday once the grace period is over
    assert sent["slow"] == [(d, "gentle") for d in FRIDAYS_REMINDED]
    # the idle unit: first gentle, then the 零报送 notice from four weeks into the year
    assert sent["idle"] == [(FRIDAYS_REMINDED[0], "gentle")] + [(d, "zero") for d in FRIDAYS_REMINDED[1:]]

    with rt.db.session() as s:
        mails = {m.dedupe_key: m for m in s.scalars(select(OutboxMail).where(OutboxMail.kind == "reminder"))}
    # a reminder lists the items counted so far
    slow = mails["remind:slow:2026-03-27"]
    assert slow.recipients == ["slow@yi.example.gov.cn"] and slow.cc is None
    assert "已计入的信息（共 1 条）" in slow.body_text and "乙市召开卫生健康工作会议" in slow.body_text
    # ceil(50 × 86 ÷ 365) = 12 due by 27 March
    assert "按进度应报：12 条" in slow.body_text and "尚差：11 条" in slow.body_text
    # the 零报送 notice is firmer and copies the office
    zero = mails["remind:idle:2026-01-30"]
    assert zero.subject.startswith("【零报送通知】丙市卫生局") and zero.cc == ["xinxike@office.example.gov.cn"]
    assert "本期尚无计入的信息" in zero.body_text and "抄送办公室信息科" in zero.body_text
    gentle = mails["remind:idle:2026-01-16"]
    assert gentle.subject.startswith("【催报】丙市卫生局") and gentle.cc is None
    # the Cc reaches the office on the wire too
    sent_file = next(p for p in (tmp_path / "outbox").glob("*.eml") if f"{zero.id:06d}" in p.name)
    raw = message_from_bytes(sent_file.read_bytes(), policy=default)
    assert raw["Cc"] == "xinxike@office.example.gov.cn"
    assert str(make_header(decode_header(raw["Subject"]))).startswith("【零报送通知】")


def test_dry_run_lists_every_unit_behind_with_whether_and_why(tmp_path):
    cfg = write_config(tmp_path, units=UNITS)
    rt = Runtime.open(load_settings(cfg), clock=Clock("Asia/Shanghai", fixed=datetime(2026, 2, 13, 9, 0, tzinfo=TZ)))
    for n, day in enumerate(["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02", "2026-02-09"]):
        submit(rt, "steady@jia.example.gov.cn", f"甲市{TOPICS[n]}工作综述", f"{day} 08:00",
               body=f"甲市围绕{TOPICS[n]}开展专项工作{n * 37 + 11}次，覆盖{n * 13 + 7}个乡镇，投入{n * 91 + 5}万元。")
    run = CliRunner().invoke(main, ["--config", str(cfg), "remind", "--as-of", "2026-02-13", "--dry-run",
                                    "--format", "json"])
    assert run.exit_code == 0, run.output
    rows = {r["unit"]: r for r in json.loads(run.output)}
    # every unit behind is listed in the CONTRACT shape, the steady one too (差额 1), with the decision
    assert set(rows) == {"steady", "slow", "idle"}
    assert {k: rows["steady"][k] for k in ("submitted", "due", "shortfall", "per")} == {
        "submitted": 6, "due": 6 + 1, "shortfall": 1, "per": "year"}
    assert rows["steady"]["mail"] is False and rows["steady"]["reason"] == "差额 1 条，未达催报起点 2 条"
    assert rows["idle"]["mail"] is True and rows["idle"]["level"] == "gentle"
    # on 2 January everyone is in the grace period
    early = {r["unit"]: r for r in plan(rt, date(2026, 1, 2))}
    assert all(not r["mail"] and r["reason"].startswith("宽限期内") for r in early.values())
    with rt.db.session() as s:
        assert s.scalar(select(OutboxMail.id).where(OutboxMail.kind == "reminder")) is None


def test_reminders_can_be_switched_off_and_moved_to_days_of_the_month(tmp_path):
    cfg = write_config(tmp_path, units=UNITS, head='[remind]\nmonthdays = [25]\n')
    rt = Runtime.open(load_settings(cfg), clock=Clock("Asia/Shanghai", fixed=datetime(2026, 2, 25, 9, 0, tzinfo=TZ)))
    assert {r["mail"] for r in plan(rt, date(2026, 2, 27), scheduled=True)} == {False}  # a Friday, not the 25th
    assert {r["unit"] for r in plan(rt, date(2026, 2, 25), scheduled=True) if r["mail"]} == {"steady", "slow", "idle"}
    off = write_config(tmp_path, units=UNITS, head='[remind]\nenabled = false\n', name="off.toml")
    rt_off = Runtime.open(load_settings(off), clock=Clock("Asia/Shanghai", fixed=datetime(2026, 2, 25, 9, 0, tzinfo=TZ)))
    rows = plan(rt_off, date(2026, 2, 25), scheduled=True)
    assert rows and all(not r["mail"] and "已关闭" in r["reason"] for r in rows)
