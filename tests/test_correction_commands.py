"""Corrections by mail (归属, 不计, 恢复, 查看) through a real Dovecot and answered through a real SMTP server.

Each command changes the tally as expected and is undone by the next; the answers are the
mails the SMTP server received.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from mailbot.clock import Clock
from mailbot.db.models import CommandLog, Submission
from mailbot.polling import poll
from mailbot.reports.item import item_view
from mailbot.reports.listing import list_submissions
from mailbot.reports.tally import tally
from mailbot.runtime import Runtime
from tests.mailbox_helpers import item_mail, write_config

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone(timedelta(hours=8)))
ADMIN = "office@example.gov.cn"  # the config's [office] admins
STAMP = f"mx.163.com; dkim=pass header.d=example.gov.cn; spf=pass smtp.mailfrom={ADMIN}"
SPAMMER = "fapiao@spam.example.net"


@pytest.fixture
def rt(tmp_path, dovecot, smtp_server, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    source = (f'[source]\nkind = "imap"\nhost = "{dovecot.host}"\nport = {dovecot.port}\ntls = false\n'
              f'username = "{dovecot.username}"\npassword_env = "TEST_IMAP_PASSWORD"\ntimeout_seconds = 5\n'
              'backfill_before = 2000-01-01\n')
    outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{smtp_server.host}"\nport = {smtp_server.port}\n'
                'from = "信息科 <xinxi@example.gov.cn>"\n')
    runtime = Runtime.open(write_config(tmp_path, source=source, outgoing=outgoing),
                           clock=Clock("Asia/Shanghai", fixed=NOW))
    yield runtime
    runtime.close()


_n = [0]


def command(subject: str) -> bytes:
    _n[0] += 1
    m = EmailMessage()
    m["Authentication-Results"] = STAMP
    m["From"], m["To"], m["Subject"] = f"信息科 <{ADMIN}>", "jlwsxx2012@163.com", subject
    m["Message-ID"], m["Date"] = f"<cmd-{_n[0]}@example.gov.cn>", format_datetime(NOW - timedelta(minutes=30))
    m.set_content("请办理。")
    return bytes(m)


def answers(smtp, since: int) -> list[tuple[str, str, str]]:
    """(To, subject, plain text) of the replies the SMTP server received since ``since``."""
    out = []
    for msg in smtp.messages[since:]:
        m = message_from_bytes(msg.content, policy=default_policy)
        if m["X-Mailbot-Kind"] != "reply":
            continue
        out.append((str(m["To"]), str(make_header(decode_header(m["Subject"]))), m.get_body(("plain",)).get_content()))
    return out


def scores(rt) -> dict[str, float]:
    return {r["unit"]: r["score"] for r in tally(rt, "2026Q1")["units"]}


def points(rt) -> dict[str, float]:
    return {r["receipt"]: r["points"] for r in list_submissions(rt, period="2026Q1")}


def test_corrections_by_mail_change_the_tally_and_are_undone(rt, dovecot, smtp_server):
    # GIVEN an item of 长春市卫生局 and a 代开发票 advert from a stranger, polled and answered
    dovecot.append(item_mail(1), internaldate=NOW - timedelta(days=8))
    spam = EmailMessage()
    spam["From"], spam["To"], spam["Subject"] = SPAMMER, "jlwsxx2012@163.com", "您好！长期代开各类正规发票"
    spam["Message-ID"], spam["Date"] = "<spam-1@spam.example.net>", format_datetime(NOW - timedelta(days=7))
    spam.set_content("长期代开各类正规发票，增值税发票、普通发票均可，点数优惠，欢迎来电咨询。")
    dovecot.append(bytes(spam), internaldate=NOW - timedelta(days=7))
    poll(rt)
    with rt.db.session() as s:
        item, advert = (x.receipt for x in s.scalars(select(Submission).order_by(Submission.id)))
    assert scores(rt) == {"changchun": 2, "jilin": 0, "yizheng": 0}
    sent = len(smtp_server.messages)

    # WHEN the office mails 归属 (by the unit's Chinese name), 不计 the advert, and 查看 the item
    dovecot.append(command(f"归属 {item} 吉林市卫生局"))
    dovecot.append(command(f"不计 {advert} 代开发票广告"))
    dovecot.append(command(f"查看 {item}"))
    dovecot.append(command(f"归属 {item} 火星"))
    report = poll(rt)

    # THEN the item's points moved to 吉林市, the advert is dismissed, each command is answered
    assert report.statuses == {"ignored": 4}
    assert scores(rt) == {"changchun": 0, "jilin": 2, "yizheng": 0}
    assert points(rt) == {item: 2, advert: 0}
    replies = answers(smtp_server, sent)
    assert len(replies) == 4 and all(ADMIN in to for to, _, _ in replies)
    (_, s1, t1), (_, s2, t2), (_, s3, t3), (_, s4, t4) = replies
    assert "【已办理】" in s1 and f"已记录：{item} 改归属 长春市卫生局 → 吉林市卫生局，+2 分随之转入" in t1
    assert "【已办理】" in s2 and f"已记录：{advert} 不计分（代开发票广告）" in t2
    # 查看 answers with the item whole: the same content as `mailbot show`
    assert "【已办理】" in s3
    for needle in (f"回执号：{item}", "单　位：吉林市卫生局（依据：办公室指定）", "计分记录：", "更正记录：",
                   "归属  长春市卫生局 → 吉林市卫生局", "正文：", "基层医疗机构标准化建设"):
        assert needle in t3, needle
    assert "【未办理】" in s4 and "没有单位“火星”，可用的单位：长春市卫生局（changchun）、吉林市卫生局（jilin）" in t4
    assert not any(SPAMMER in ",".join(m.rcpt_tos) for m in smtp_server.messages)  # the spammer hears nothing
    with rt.db.session() as s:
        logs = [(log.accepted, log.sender) for log in s.scalars(select(CommandLog).order_by(CommandLog.id))]
    assert logs == [(True, ADMIN)] * 3 + [(False, ADMIN)]

    # WHEN the office undoes them: back to the unit by its alias, the item dismissed and restored
    sent = len(smtp_server.messages)
    dovecot.append(command(f"归属 {item} 长春市卫健委 原单位无误"))
    dovecot.append(command(f"不计 {item} 核实中"))
    poll(rt)
    assert scores(rt) == {"changchun": 0, "jilin": 0, "yizheng": 0} and points(rt) == {item: 0, advert: 0}
    dovecot.append(command(f"恢复 {item}"))
    poll(rt)

    # THEN the tally is as it was, and the answers say so
    assert scores(rt) == {"changchun": 2, "jilin": 0, "yizheng": 0} and points(rt) == {item: 2, advert: 0}
    texts = [t for _, _, t in answers(smtp_server, sent)]
    assert f"已记录：{item} 改归属 吉林市卫生局 → 长春市卫生局，+2 分随之转入" in texts[0]
    assert f"已记录：{item} 不计分（核实中），冲回 -2 分" in texts[1]
    assert f"已记录：{item} 已恢复计分（长春市卫生局），+2 分" in texts[2]
    with rt.db.session() as s:
        assert s.scalar(select(Submission.status).where(Submission.receipt == advert)) == "dismissed"
    changes = item_view(rt, item)["changes"]
    assert [(c["action"], c["reason"], c["by"]) for c in changes] == [
        ("assign", None, ADMIN), ("assign", "原单位无误", ADMIN), ("dismiss", "核实中", ADMIN), ("restore", None, ADMIN)]
