"""The office forwards a published issue (a .docx, then a .pdf) to the mailbox with the subject
``刊物 《名称》 第N期``: delivered through a real Dovecot, answered through a real SMTP server.
Its articles' items are adopted, the units are told, the tally counts them; sending an issue
again changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from mailbot.db.models import ScoreEvent, Submission
from mailbot.mail import outbox
from mailbot.notices import queue_adoption_notices
from mailbot.polling import poll
from mailbot.reports.tally import tally
from mailbot.runtime import Runtime
from tests.bulletin_helpers import items, make_issue, write_docx, write_pdf
from tests.mailbox_helpers import write_config

pytestmark = pytest.mark.needs_corpus  # real items and mail from ../shared/corpus

CST = timezone(timedelta(hours=8))
MX = "mx.office.example.gov.cn"
CHIEF = "chief@office.example.gov.cn"
UNITS = ["xxy@ccws.example.gov.cn", "jlsws@example.gov.cn", "yzc@example.gov.cn"]
PUBLICATION = '[[publications]]\nname = "吉林卫生信息"\naliases = ["卫生信息"]\nlevel = "department"\n'
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _settings(tmp_path, account, smtp):
    source = (f'[source]\nkind = "imap"\nhost = "{account.host}"\nport = {account.port}\ntls = false\n'
              f'username = "{account.username}"\npassword_env = "TEST_IMAP_PASSWORD"\ntimeout_seconds = 5\n'
              'backfill_before = 2000-01-01\n')
    outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\n'
                'from = "信息科 <xinxi@example.gov.cn>"\n')
    settings = write_config(tmp_path, source=source, outgoing=outgoing, extra=PUBLICATION)
    text = settings.path.read_text(encoding="utf-8").replace(
        'admins = ["office@example.gov.cn"]\nauthserv_ids = ["mx.163.com"]', f'admins = ["{CHIEF}"]\nauthserv_ids = ["{MX}"]')
    settings.path.write_text(text, encoding="utf-8")
    from mailbot.config import load_settings

    return load_settings(settings.path)


def _item(n: int, sender: str, title: str, paragraphs: list[str]) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = f"信息员 <{sender}>", "jlwsxx2012@163.com", title
    m["Message-ID"], m["Date"] = f"<item-{n}@example.gov.cn>", f"Mon, {2 + n:02d} Nov 2026 09:00:00 +0800"
    m.set_content("\n\n".join(paragraphs))
    return bytes(m)


def _forward(n: int, subject: str, filename: str, data: bytes, ctype: str) -> bytes:
    m = EmailMessage()
    m["Authentication-Results"] = f"{MX}; dkim=pass header.d=office.example.gov.cn; spf=pass smtp.mailfrom={CHIEF}"
    m["From"], m["To"], m["Subject"] = CHIEF, "jlwsxx2012@163.com", subject
    m["Message-ID"], m["Date"] = f"<issue-{n}@office.example.gov.cn>", "Fri, 20 Nov 2026 16:00:00 +0800"
    m.set_content("请登记本期采用情况。")
    maintype, subtype = ctype.split("/")
    m.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(m)


def _adoptions(rt) -> list[tuple[str, str, float, str, str]]:
    with rt.db.session() as s:
        return [(sub.receipt, e.level, e.points, e.publication, e.issue_no) for e, sub in s.execute(
            select(ScoreEvent, Submission).join(Submission, Submission.id == ScoreEvent.submission_id)
            .where(ScoreEvent.kind == "adopt").order_by(ScoreEvent.id))]


def _replies(smtp) -> list[str]:
    out = []
    for m in smtp.messages:
        if b"X-Mailbot-Kind: reply" in m.content:
            out.append(message_from_bytes(m.content, policy=policy.default).get_body(("plain",)).get_content())
    return out


def test_issues_forwarded_by_mail_record_their_adoptions_once(tmp_path, dovecot, smtp_server, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server))
    try:
        # GIVEN six real items from three units in the mailbox
        it = items(8)
        for n, x in enumerate(it[:6]):
            dovecot.append(_item(n, UNITS[n % 3], x["title"], x["paragraphs"]),
                           internaldate=datetime(2026, 11, 2 + n, 9, 0, tzinfo=CST))
        poll(rt)
        with rt.db.session() as s:
            receipts = list(s.scalars(select(Submission.receipt).order_by(Submission.id)))
        assert len(receipts) == 6
        # AND issue 第5期 (docx): item 0 cut down, items 1 and 2 merged into a 综合 article, one article without a source
        fifth = make_issue(5, date(2026, 11, 20), [
            ("扎实推进" + it[0]["title"][:12], it[0]["paragraphs"][:1] + it[0]["paragraphs"][2:4], []),
            ("各地扎实推进重点工作（综合）", it[1]["paragraphs"][:2] + it[2]["paragraphs"][:2], []),
            (it[7]["title"][:20], it[7]["paragraphs"][:3], [])])
        # AND issue 第6期 (pdf): item 3 whole, under a new title
        sixth = make_issue(6, date(2026, 11, 20), [("深入推进" + it[3]["title"][:10], it[3]["paragraphs"], [])])
        docx = write_docx(fifth, styled=True, toc=True, numbered=False)
        dovecot.append(_forward(1, "转发：刊物 《吉林卫生信息》 2026年第5期", "卫生信息第5期.docx", docx, DOCX))
        dovecot.append(_forward(2, "刊物《卫生信息》第6期", "卫生信息第6期.pdf", write_pdf(sixth, False, False),
                                "application/pdf"))

        # WHEN mailbot polls
        poll(rt)

        # THEN items 0, 1, 2 are adopted from 第5期 and item 3 from 第6期, at the department level (10 points)
        assert sorted(_adoptions(rt)) == sorted(
            [(receipts[i], "department", 10, "吉林卫生信息", "2026年第5期") for i in (0, 1, 2)]
            + [(receipts[3], "department", 10, "吉林卫生信息", "6")])
        # AND the office's replies list what was recorded and the article without a source
        replies = _replies(smtp_server)
        assert len(replies) == 2, replies
        fifth_reply = next(r for r in replies if "第5期" in r)
        assert "共 3 篇，记录厅级采用 3 条" in fifth_reply, fifth_reply
        assert f"已记录：{receipts[1]} 厅级采用（《吉林卫生信息》2026年第5期） +10 分" in fifth_reply
        assert "未找到对应来稿" in fifth_reply and "✗" not in fifth_reply
        # AND the units are told, and the tally counts the adoptions
        assert queue_adoption_notices(rt) == 3
        outbox.flush(rt)
        notices = [m for m in smtp_server.messages if b"X-Mailbot-Kind: notice" in m.content]
        assert sorted(r for m in notices for r in m.rcpt_tos) == sorted(UNITS)
        rows = {r["unit"]: r for r in tally(rt, "2026Q4")["units"]}
        assert (rows["changchun"]["adopted"], rows["jilin"]["adopted"], rows["yizheng"]["adopted"]) == (2, 1, 1)
        before = rows

        # WHEN the office sends 第5期 again (a new mail)
        dovecot.append(_forward(3, "刊物 《吉林卫生信息》 2026年第5期", "卫生信息第5期.docx", docx, DOCX))
        poll(rt)
        # THEN nothing changes, and the reply says the items were recorded before
        assert len(_adoptions(rt)) == 4
        again = _replies(smtp_server)[-1]
        assert "记录厅级采用 0 条，已记录过 3 条" in again, again
        assert {r["unit"]: r["score"] for r in tally(rt, "2026Q4")["units"]} == {u: r["score"] for u, r in before.items()}
    finally:
        rt.close()
