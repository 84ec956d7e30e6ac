"""Switching mailbot on over a real mailbox full of old mail (real Dovecot, real SMTP).

GIVEN a mailbox holding months of mail — read and unread, an old emergency, an old office
command — WHEN mailbot polls it for the first time, THEN every old item is recorded and
scored in its own quarter, nobody gets a receipt, alert or reply for old mail, the clerk's
read/unread markers are untouched, and mail arriving afterwards is answered as usual.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, select

from mailbot.clock import Clock
from mailbot.db.models import MailboxState, ScoreEvent, Submission
from mailbot.polling import poll
from mailbot.reports.tally import tally
from mailbot.runtime import Runtime
from tests.mailbox_helpers import CST, item_mail, write_config

EMERGENCY = ("3月12日12时许，长春市某中学食堂发生一起疑似食物中毒事件，32名学生出现腹痛、呕吐等症状，"
             "已全部送医救治，其中2人病情较重。市卫生局已启动应急预案，派出疾控人员开展流行病学调查和采样检测。")
SWITCH_ON = datetime(2026, 6, 1, 9, 0, tzinfo=CST)


class MovingClock:
    """A frozen clock the test moves by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _config(tmp_path, account, smtp, extra_source: str = ""):
    source = (f'[source]\nkind = "imap"\nhost = "{account.host}"\nport = {account.port}\ntls = false\n'
              f'username = "{account.username}"\npassword_env = "TEST_IMAP_PASSWORD"\ntimeout_seconds = 5\n'
              f'progress_every = 5\n{extra_source}')
    outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\n'
                'from = "信息科 <xinxi@example.gov.cn>"\n')
    return write_config(tmp_path, source=source, outgoing=outgoing)


@pytest.fixture
def env(monkeypatch, dovecot):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)


def _old_mailbox(dovecot) -> dict[str, list[int]]:
    """Twelve old items over Q1 and Q2 (every third already read), an old emergency, an old command."""
    uids: dict[str, list[int]] = {"unread": [], "read": []}
    start = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
    for n in range(12):
        when = start + timedelta(days=9 * n)
        read = n % 3 == 0
        uid = dovecot.append(item_mail(n, when=when), internaldate=when, flags=["\\Seen"] if read else [])
        uids["read" if read else "unread"].append(uid)
    when = datetime(2026, 3, 12, 4, 40, tzinfo=UTC)
    uids["unread"].append(dovecot.append(
        item_mail(40, subject="长春市一中学发生疑似食物中毒事件", body=EMERGENCY, when=when, message_id="old-emergency"),
        internaldate=when))
    when = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)
    command = item_mail(41, sender="office@example.gov.cn", subject="采用 20260202-0001 省级", body="请记录。",
                        when=when, message_id="old-command")
    uids["unread"].append(dovecot.append(command, internaldate=when))
    return uids


def test_first_poll_backfills_old_mail_quietly_and_answers_new_mail(tmp_path, dovecot, smtp_server, env, caplog,
                                                                    monkeypatch):
    # GIVEN a mailbox with months of old mail, switched on on 1 June (written in groups of 4)
    from mailbot import polling

    monkeypatch.setattr(polling, "GROUP_MESSAGES", 4)
    uids = _old_mailbox(dovecot)
    clock = MovingClock(SWITCH_ON)
    rt = Runtime.open(_config(tmp_path, dovecot, smtp_server), clock=Clock(fixed=clock))

    # WHEN mailbot polls it for the first time
    with caplog.at_level(logging.INFO, logger="mailbot.poll"):
        report = poll(rt, progress=None)

    # THEN all 14 messages are recorded, 14 back-filled, and not one mail went out
    assert report.first_poll and report.backfilled == 14
    assert report.statuses == {"accepted": 13, "ignored": 1}
    assert "14 back-filled without receipts" in report.line()
    assert smtp_server.messages == []
    # every old item is scored (2 points each) in the quarter it was received in
    with rt.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ScoreEvent).where(ScoreEvent.kind == "submit")) == 13
        command = s.scalar(select(Submission).where(Submission.message_id.like("old-command@%")))
        assert command.status == "ignored" and "back-filled" in command.status_reason
        assert s.scalar(select(func.count()).select_from(ScoreEvent).where(ScoreEvent.kind == "adopt")) == 0
        assert s.get(MailboxState, f"imap:{dovecot.username}@{dovecot.host}/INBOX").backfilled == 14
    q1 = {r["unit"]: r for r in tally(rt, "2026Q1")["units"]}
    q2 = {r["unit"]: r for r in tally(rt, "2026Q2")["units"]}
    # received 2 Feb + 9n days: n = 0..6 fall in Q1 (to 26 Mar), n = 7..11 in Q2; plus the emergency in Q1
    assert (q1["changchun"]["submitted"], q1["changchun"]["score"]) == (8, 16)
    assert (q2["changchun"]["submitted"], q2["changchun"]["score"]) == (5, 10)
    # the clerk's read/unread markers are exactly as they were; mailbot's keyword marks what it did
    for uid in uids["unread"]:
        assert "\\Seen" not in dovecot.flags(uid) and "$MailbotDone" in dovecot.flags(uid)
    for uid in uids["read"]:
        assert "\\Seen" in dovecot.flags(uid)
    # a long poll says how far it got each time it passes another 5 messages (at the end of a group)
    progress = [r.getMessage() for r in caplog.records if "message(s) done" in r.getMessage()]
    assert progress == ["poll: 8 of 14 message(s) done", "poll: 12 of 14 message(s) done"]

    # WHEN a new item arrives after the switch-on and mailbot polls again
    clock.at = SWITCH_ON + timedelta(hours=2)
    new = dovecot.append(item_mail(50), internaldate=SWITCH_ON + timedelta(hours=1))
    second = poll(rt, progress=False)

    # THEN only it is answered, and it stays unread in the clerk's mail client
    assert not second.first_poll and second.backfilled == 0 and second.statuses == {"accepted": 1}
    assert [m.rcpt_tos for m in smtp_server.messages] == [["xxy@ccws.example.gov.cn"]]
    assert "\\Seen" not in dovecot.flags(new)


def test_backfill_before_sets_the_moment_and_processed_folder_still_moves(tmp_path, dovecot, smtp_server, env):
    # GIVEN `backfill_before = 2026-03-01` and a processed folder: mail of February is old, of March new
    dovecot.append(item_mail(1), internaldate=datetime(2026, 2, 27, 2, 0, tzinfo=UTC))
    dovecot.append(item_mail(2), internaldate=datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    settings = _config(tmp_path, dovecot, smtp_server,
                       'backfill_before = "2026-03-01"\nprocessed_folder = "已处理"\n')
    rt = Runtime.open(settings, clock=Clock(fixed=SWITCH_ON))

    # WHEN mailbot polls
    report = poll(rt, progress=False)

    # THEN the February item is back-filled, the March one answered; both moved, neither marked read
    assert report.backfilled == 1 and report.statuses == {"accepted": 2}
    assert len(smtp_server.messages) == 1
    assert dovecot.uids("INBOX") == [] and len(dovecot.uids("已处理")) == 2
    with rt.db.session() as s:
        receipts = s.scalars(select(Submission.receipt).order_by(Submission.received_at)).all()
    subject = str(make_header(decode_header(message_from_bytes(smtp_server.messages[0].content)["Subject"])))
    assert receipts[1] in subject and receipts[0] not in subject


def test_mark_seen_true_marks_processed_mail_read(tmp_path, dovecot, smtp_server, env):
    uid = dovecot.append(item_mail(1), internaldate=datetime(2026, 2, 27, 2, 0, tzinfo=UTC))
    rt = Runtime.open(_config(tmp_path, dovecot, smtp_server, "mark_seen = true\n"), clock=Clock(fixed=SWITCH_ON))
    poll(rt, progress=False)
    assert {"\\Seen", "$MailbotDone"} <= dovecot.flags(uid)
