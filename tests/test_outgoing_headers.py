"""Every mail mailbot sends carries its loop-prevention headers once, whatever the transport.

GIVEN one mail of every kind in the outbox (receipt, alert, command reply, 查询 answer, digest,
reminder, the 通报 to a unit and to the office with its workbook)
WHEN the one sender sends them through the file transport or a real SMTP server
THEN each message as it arrives has exactly one X-Auto-Response-Suppress, Auto-Submitted,
Message-ID, Date, From, To and Subject, and both a text and an HTML part.
"""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from mailbot import records
from mailbot.db.models import OutboxMail
from mailbot.mail import outbox
from mailbot.mail.preview import queue_all
from mailbot.reports.digest import queue_digest
from mailbot.reports.notice_mail import notice_mails
from mailbot.reports.remind import queue_reminders
from tests.helpers_records import ADMIN, feed, make_runtime, receipt_of, write_config

ALPHA = "alpha@alpha.example.gov.cn"
PASS = {"Authentication-Results": "mx.office.example.gov.cn; dkim=pass header.d=office.example.gov.cn "
                                  "header.s=s1; spf=pass smtp.mailfrom=chief@office.example.gov.cn"}
BODY = ("2月3日，甲市召开全市卫生工作会议，总结2025年工作，部署2026年重点任务。会议要求各地加强基层医疗卫生服务能力建设，"
        "推进紧密型县域医共体建设，确保各项任务落到实处。")
URGENT = ("2月5日12时许，甲市某中学发生一起疑似食物中毒事件，32名学生出现腹痛、呕吐等症状，已送医救治，无危重病例。"
          "市卫生局已派出流行病学调查组赶赴现场，采集样品送检，事件原因正在调查中。")
ONCE = ("X-Auto-Response-Suppress", "Auto-Submitted", "Message-ID", "Date", "From", "To", "Subject", "X-Mailbot-Kind")
KINDS = {"receipt", "alert", "reply", "query", "digest", "reminder", "tally"}


def _every_kind(rt) -> None:
    item = receipt_of(rt, feed(rt, ALPHA, "甲市召开全市卫生工作会议", BODY, "2026-02-03 10:00"))
    feed(rt, ALPHA, "甲市某中学发生疑似食物中毒事件", URGENT, "2026-02-05 12:20")
    feed(rt, ADMIN, f"采用 {item} 省级", "请办理。", "2026-02-06 08:30", headers=PASS)
    feed(rt, ALPHA, "查询", "", "2026-02-06 09:00")
    records.adopt(rt, item, "department", date="2026-02-07")
    assert queue_digest(rt, "2026-W06") is not None
    assert queue_reminders(rt, date(2026, 3, 31)) > 0
    assert queue_all(rt, notice_mails(rt, "2026Q1")) > 0
    with rt.db.session() as s:
        assert set(s.scalars(select(OutboxMail.kind))) >= KINDS


def _check(raw: bytes) -> str:
    msg = message_from_bytes(raw, policy=policy.default)
    for name in ONCE:
        assert len(msg.get_all(name) or []) == 1, (msg["X-Mailbot-Kind"], name, msg.get_all(name))
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg.get_body(preferencelist=("plain",)) is not None and msg.get_body(preferencelist=("html",)) is not None, \
        msg["X-Mailbot-Kind"]
    return str(msg["X-Mailbot-Kind"])


def test_file_transport(tmp_path):
    rt = make_runtime(write_config(tmp_path), now="2026-04-02 09:00")
    _every_kind(rt)
    result = outbox.flush(rt)
    assert result.sent > 0 and not result.failed
    kinds = [_check(p.read_bytes()) for p in sorted((tmp_path / "outbox").glob("*.eml"))]
    assert set(kinds) >= KINDS and len(kinds) == result.sent


@pytest.fixture
def smtp_config(tmp_path, smtp_server):
    cfg = write_config(tmp_path)
    text = cfg.read_text(encoding="utf-8").replace(
        '[outgoing]\nkind = "file"\npath = "outbox"\n',
        f'[outgoing]\nkind = "smtp"\nhost = "{smtp_server.host}"\nport = {smtp_server.port}\ntimeout_seconds = 5\n')
    assert 'kind = "smtp"' in text
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_smtp_transport(smtp_config, smtp_server):
    rt = make_runtime(smtp_config, now="2026-04-02 09:00")
    _every_kind(rt)
    result = outbox.flush(rt)
    assert result.sent > 0 and not result.failed and result.server_down is None
    kinds = [_check(m.content) for m in smtp_server.messages]
    assert set(kinds) >= KINDS and len(kinds) == result.sent
