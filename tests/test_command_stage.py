"""The command stage runs before screening: an admin who is also an [office] emails address."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select

from mailbot.db.models import CommandLog, ScoreEvent
from mailbot.polling import ingest
from mailbot.reports.listing import list_submissions
from mailbot.runtime import Runtime
from tests.mailbox_helpers import item_mail, write_config


def _command(subject: str, auto: bool = False) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "办公室 <office@example.gov.cn>", "jlwsxx2012@163.com", subject
    m["Message-ID"], m["Date"] = f"<cmd-{abs(hash(subject))}-{auto}@example.gov.cn>", "Tue, 10 Mar 2026 09:00:00 +0800"
    m["Authentication-Results"] = "mx.163.com; dkim=pass header.d=example.gov.cn; spf=pass smtp.mailfrom=office@example.gov.cn"
    if auto:
        m["Auto-Submitted"] = "auto-replied"
    m.set_content("请办理。")
    return bytes(m)


def test_admin_listed_in_office_emails_can_command(tmp_path):
    # GIVEN an item, and the office's own address (both admin and digest recipient) sending 采用
    rt = Runtime.open(write_config(tmp_path))
    (tmp_path / "mail" / "1.eml").write_bytes(item_mail(1))
    ingest(rt, [tmp_path / "mail"])
    receipt = list_submissions(rt)[0]["receipt"]
    (tmp_path / "mail" / "2.eml").write_bytes(_command(f"采用 {receipt} 省级"))
    # AND an auto-reply from the same address whose subject happens to start with a command word
    (tmp_path / "mail" / "3.eml").write_bytes(_command(f"采用 {receipt} 厅级", auto=True))
    # WHEN ingested
    ingest(rt, [tmp_path / "mail"])
    # THEN the command was carried out once (the auto-reply is only ignored), and logged
    with rt.db.session() as s:
        adopts = [(e.level, e.points) for e in s.scalars(select(ScoreEvent).where(ScoreEvent.kind == "adopt"))]
        logs = list(s.scalars(select(CommandLog)))
    assert adopts == [("province", 30)]
    assert len(logs) == 1 and logs[0].accepted
    assert [r["status"] for r in list_submissions(rt)] == ["accepted", "ignored", "ignored"]
