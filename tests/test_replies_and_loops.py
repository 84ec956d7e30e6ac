"""Replies to our mail, loops and bounces, empty mail, 收到, the receipt cap and 查询 — through a real
Dovecot and a real SMTP server: the receipts that come back are the ones the SMTP server received."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email import message_from_bytes as _parse
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import default as _default
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from mailbot import records
from mailbot.clock import Clock
from mailbot.db.models import Submission
from mailbot.polling import poll
from mailbot.reports.digest import digest_data
from mailbot.reports.tally import tally
from mailbot.runtime import Runtime
from tests.mailbox_helpers import item_mail, write_config

UNIT = "xxy@ccws.example.gov.cn"  # 长春市卫生局's registered address
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone(timedelta(hours=8)))
BACK = NOW - timedelta(hours=2)  # when the mails that come back arrive


def message_from_bytes(raw: bytes):
    return _parse(raw, policy=_default)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    """The [database] table: each test here runs on SQLite and on the machine's PostgreSQL."""
    if request.param == "sqlite":
        return f'[database]\nurl = "sqlite:///{tmp_path}/mailbot.db"\n'
    return f'[database]\nurl = "{request.getfixturevalue("pg_url")}"\n'


@pytest.fixture
def runtimes():
    """Runtimes a test opens, closed afterwards (their pooled database connections)."""
    opened: list[Runtime] = []
    yield opened
    for rt in opened:
        rt.close()


def _settings(tmp_path, account, smtp, extra="", database=""):
    source = (f'[source]\nkind = "imap"\nhost = "{account.host}"\nport = {account.port}\ntls = false\n'
              f'username = "{account.username}"\npassword_env = "TEST_IMAP_PASSWORD"\ntimeout_seconds = 5\n'
              'backfill_before = 2000-01-01\n')  # all new mail, answered (switch-on: test_switch_on.py)
    outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\n'
                'from = "信息科 <xinxi@example.gov.cn>"\n')
    return write_config(tmp_path, source=source, outgoing=outgoing, extra=extra, database=database)


@pytest.fixture
def env(tmp_path, dovecot, smtp_server, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    return tmp_path, dovecot, smtp_server


def _runtime(settings) -> Runtime:
    return Runtime.open(settings, clock=Clock("Asia/Shanghai", fixed=NOW))


def _mail(sender: str, subject: str, body: str | None, n: int, **headers: str) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, "jlwsxx2012@163.com", subject
    m["Message-ID"], m["Date"] = f"<back-{n}@example.net>", format_datetime(NOW - timedelta(days=1))
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    if body is not None:
        m.set_content(body)
    return bytes(m)


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def _rows(rt) -> list[tuple[str, str | None]]:
    with rt.db.session() as s:
        return [(x.status, x.status_reason) for x in s.scalars(select(Submission).order_by(Submission.id))]


def test_replies_forwards_bounces_and_auto_replies_to_receipts_do_not_loop(env, database, runtimes):
    tmp_path, dovecot, smtp = env
    rt = _runtime(_settings(tmp_path, dovecot, smtp, database=database))
    runtimes.append(rt)
    # GIVEN a unit's item, answered with a receipt through the SMTP server
    dovecot.append(item_mail(1, when=NOW - timedelta(days=1)), internaldate=NOW - timedelta(days=1))
    poll(rt)
    assert len(smtp.messages) == 1
    receipt = smtp.messages[0].content
    ours = message_from_bytes(receipt)
    subject, our_id = _subject(receipt), ours["Message-ID"]
    receipt_text = ours.get_body(("plain",)).get_content()
    assert "报送单位：长春市卫生局" in receipt_text

    # WHEN what comes back is: a plain auto-reply (no RFC 3834 headers) by In-Reply-To,
    dovecot.append(_mail(UNIT, f"答复: {subject}", "您好，您的邮件我已收到，我会尽快处理。", 1, In_Reply_To=our_id), internaldate=BACK)
    # a reply by subject alone (full-width prefix), a forwarding rule that keeps our subject,
    dovecot.append(_mail(UNIT, f"ＲＥ：{subject}", "我单位将继续做好信息报送工作，请多指导。", 2), internaldate=BACK)
    dovecot.append(_mail("xxy-home@163.com", subject, receipt_text, 3), internaldate=BACK)
    # a non-standard bounce quoting our receipt (headers and text) from an unregistered address,
    bounce = (f"您发送的邮件没有送达下列收件人。\n\n------ 原邮件 ------\nX-Mailbot-Kind: receipt\n"
              f"Message-ID: {our_id}\nSubject: {subject}\n\n{receipt_text}")
    dovecot.append(_mail("notice@mail.example.org", "邮件被退回：" + subject[:10], bounce, 4), internaldate=BACK)
    # a reply to a 催报 asking for a reply, a bare 收到, and a header-only mail
    dovecot.append(_mail(UNIT, "回复：【催报】长春市卫生局年度信息报送进度提醒（尚差 12 条）",
                         "收到提醒，我单位本月将加快报送进度。", 5), internaldate=BACK)
    dovecot.append(_mail(UNIT, "收到", "收到，谢谢！", 6), internaldate=BACK)
    dovecot.append(_mail(UNIT, "关于", None, 7), internaldate=BACK)
    report = poll(rt)
    again = poll(rt)

    # THEN none of them is scored or answered; each is recorded ignored with its reason
    assert report.statuses == {"ignored": 7} and again.statuses == {}
    assert len(smtp.messages) == 1
    reasons = [r for st, r in _rows(rt)[1:]]
    assert reasons[0] == f"reply to our mail: In-Reply-To/References names our {our_id}"
    assert reasons[1] == "reply to our mail: subject is a reply to our 【回执】"
    assert reasons[2] == "reply to our mail: subject is our 【回执】 unchanged (forwarded or echoed)"
    assert reasons[3] == "reply to our mail: carries our receipt mail (bounce or forward)"
    assert reasons[4] == "reply to our mail: subject is a reply to our 【催报】"
    assert reasons[5].startswith("acknowledgement only") and reasons[6].startswith("empty mail")
    assert {r["unit"]: r["score"] for r in tally(rt, "2026Q1")["units"]}["changchun"] == 2

    # AND the office's digest lists the units' replies
    week = digest_data(rt, "2026-W11")
    assert [r["reason"] for r in week["replies"]] == reasons[:5]


def test_receipts_per_sender_are_capped(env):
    tmp_path, dovecot, smtp = env
    rt = _runtime(_settings(tmp_path, dovecot, smtp, extra="receipts_per_sender_hour = 3"))
    # GIVEN five distinct items from one address within the hour
    for n in range(5):
        dovecot.append(item_mail(n, when=NOW - timedelta(minutes=30)), internaldate=NOW - timedelta(minutes=30))
    # WHEN polled
    report = poll(rt)
    # THEN all five count, but only three receipts go out; the others say why
    assert report.statuses == {"accepted": 5}
    assert len(smtp.messages) == 3
    with rt.db.session() as s:
        notes = [x.notes for x in s.scalars(select(Submission).order_by(Submission.id))]
    assert [bool(n) for n in notes] == [False, False, False, True, True]
    assert "回执已达每小时上限" in notes[-1][0]


def test_unit_query_is_answered_with_its_standing(env):
    tmp_path, dovecot, smtp = env
    rt = _runtime(_settings(tmp_path, dovecot, smtp))
    # GIVEN two items of 长春市卫生局 in 2026Q1, one adopted at province level (+30)
    for n in range(2):
        dovecot.append(item_mail(n, when=NOW - timedelta(days=5 + n)), internaldate=NOW - timedelta(days=5 + n))
    poll(rt)
    with rt.db.session() as s:
        first, second = list(s.scalars(select(Submission.receipt).order_by(Submission.id)))
    records.adopt(rt, first, "province")
    sent_before = len(smtp.messages)

    # WHEN the unit mails “查询 2026Q1” with no body, and a plain “查询”
    dovecot.append(_mail(UNIT, "查询 2026Q1", None, 20))
    dovecot.append(_mail(UNIT, "查询", "请告知本单位本季度报送情况。", 21))
    report = poll(rt)

    # THEN both are answered with the unit's standing and neither is a submission
    assert report.statuses == {"ignored": 2}
    answers = [message_from_bytes(m.content) for m in smtp.messages[sent_before:]]
    assert len(answers) == 2 and answers[0]["To"] == UNIT
    text = answers[0].get_body(("plain",)).get_content()
    assert "【查询结果】长春市卫生局2026年第一季度" in _subject(smtp.messages[sent_before].content)
    assert "计分信息：2 条，被采用 1 条" in text
    assert "得　　分：34 分（报送 4，采用 30）" in text
    assert "采用得分：" in text and "30 分" in text
    assert "同类排名：第 1 名" in text and "应报条数：13 条，尚差 11 条" in text
    assert f"{first}　已计分　32 分" in text and f"{second}　已计分　2 分" in text
    assert "2026年度累计" in text
    assert _rows(rt)[-1] == ("ignored", "standing query (查询 2026Q1): answered")
    assert {r["unit"]: r["score"] for r in tally(rt, "2026Q1")["units"]}["changchun"] == 34
