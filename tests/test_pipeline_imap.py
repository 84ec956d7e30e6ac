"""The ingestion spine against a real Dovecot and a real SMTP server.

GIVEN mail in a real IMAP folder, WHEN mailbot polls, THEN each message is recorded exactly
once, flagged or moved only after the commit, and answered once — through connection cuts,
restarts, UIDVALIDITY changes and an SMTP server that refuses once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, select

from mailbot.clock import Clock
from mailbot.db.models import Message, OutboxMail, Submission
from mailbot.mail import outbox
from mailbot.polling import make_source, poll
from mailbot.runtime import Runtime
from tests.mailbox_helpers import item_mail, write_config


def _settings(tmp_path, account, smtp, port=None, processed=None, batch=50, backfill="2000-01-01"):
    # backfill_before long ago: these tests' mail is all new mail, answered (see test_switch_on.py)
    source = (f'[source]\nkind = "imap"\nhost = "{account.host}"\nport = {port or account.port}\ntls = false\n'
              f'username = "{account.username}"\npassword_env = "TEST_IMAP_PASSWORD"\nbatch_size = {batch}\n'
              f'timeout_seconds = 5\n' + (f'processed_folder = "{processed}"\n' if processed else "")
              + (f'backfill_before = {backfill}\n' if backfill else ""))
    outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\n'
                'from = "信息科 <xinxi@example.gov.cn>"\n')
    return write_config(tmp_path, source=source, outgoing=outgoing)


@pytest.fixture
def env(monkeypatch, dovecot):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)


def _count(rt, model=Submission, **where):
    with rt.db.session() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalar(q)


def _no_sleep(rt):
    source = make_source(rt)
    source._sleep = lambda _s: None
    return source


def test_poll_records_flags_after_commit_and_answers_once(tmp_path, dovecot, smtp_server, env):
    # GIVEN three submissions from a registered officer in the real mailbox
    arrived = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    uids = [dovecot.append(item_mail(n), internaldate=arrived + timedelta(minutes=n)) for n in range(3)]
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server))

    # WHEN mailbot polls twice
    first = poll(rt)
    second = poll(rt)

    # THEN each is recorded once, from INTERNALDATE, flagged after the commit, answered once
    assert first.statuses["accepted"] == 3 and second.statuses == {}
    assert _count(rt) == 3
    with rt.db.session() as s:
        rows = s.scalars(select(Submission).order_by(Submission.id)).all()
    assert {r.unit_id for r in rows} == {"changchun"} and {r.unit_via for r in rows} == {"address"}
    assert rows[0].received_at == arrived  # the mailbox's arrival time, not the Date: header
    for uid in uids:
        assert "\\Seen" not in dovecot.flags(uid) and "$MailbotDone" in dovecot.flags(uid)
    assert len(smtp_server.messages) == 3
    receipt = message_from_bytes(smtp_server.messages[0].content)
    assert receipt["Auto-Submitted"] == "auto-replied"
    assert receipt["In-Reply-To"] == "<item0@ccws.example.gov.cn>"
    assert smtp_server.messages[0].rcpt_tos == ["xxy@ccws.example.gov.cn"]
    assert rows[0].receipt in str(make_header(decode_header(receipt["Subject"])))


def test_connection_cut_mid_batch_loses_nothing_and_doubles_nothing(tmp_path, dovecot, smtp_server, env):
    # GIVEN six messages, fetched in batches of two, through a proxy that cuts the connection
    for n in range(6):
        dovecot.append(item_mail(n))
    proxy = dovecot.proxy()
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server, port=proxy.port, batch=2))
    source = _no_sleep(rt)
    proxy.cut_after(6000)  # in the middle of the second batch's bodies

    # WHEN mailbot polls (it reconnects), and polls again
    poll(rt, source=source)
    source.close()
    again = _no_sleep(rt)
    poll(rt, source=again)
    again.close()

    # THEN every message is recorded exactly once and flagged, and six receipts went out
    assert source.reconnects >= 1
    assert _count(rt) == 6
    with rt.db.session() as s:
        assert s.scalar(select(func.count(func.distinct(Message.source_key)))) == 6
    assert all("$MailbotDone" in dovecot.flags(u) for u in dovecot.uids())
    assert len(smtp_server.messages) == 6


def test_restart_after_commit_before_flag_does_not_record_twice(tmp_path, dovecot, smtp_server, env):
    # GIVEN a poll that crashed after the commit but before flagging (mark_done never ran)
    for n in range(3):
        dovecot.append(item_mail(n))
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server))
    crashed = make_source(rt)
    crashed.mark_done = crashed.mark_done_many = lambda msg: None  # the process died before this step
    poll(rt, source=crashed)
    crashed.close()
    assert not any("$MailbotDone" in dovecot.flags(u) for u in dovecot.uids())

    # WHEN a new process (a fresh Runtime on the same database) polls again
    rt2 = Runtime.open(rt.settings)
    report = poll(rt2)

    # THEN nothing is recorded twice, and the messages are flagged now
    assert report.statuses == {}
    assert _count(rt2) == 3
    assert all("$MailbotDone" in dovecot.flags(u) for u in dovecot.uids())
    assert len(smtp_server.messages) == 3


def test_a_message_is_flagged_only_once_its_group_is_committed(tmp_path, dovecot, smtp_server, env, monkeypatch):
    # GIVEN five messages, and a poll that writes them in groups of two (one transaction each)
    from contextlib import contextmanager

    from mailbot import polling
    from mailbot.pipeline import driver

    monkeypatch.setattr(polling, "GROUP_MESSAGES", 2)
    for n in range(5):
        dovecot.append(item_mail(n))
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server))
    source = make_source(rt)
    events: list[tuple[str, int]] = []
    group, mark = rt.db.group, source.mark_done_many

    @contextmanager
    def watched_group():
        with group() as s:
            yield s
        events.append(("committed", _count(rt, Message)))

    def watched_mark(msgs):
        for msg in msgs:  # seen from another connection: only what is committed
            events.append(("flag" if driver.is_done(rt, msg) else "flag before commit", _count(rt, Message)))
        return mark(msgs)

    monkeypatch.setattr(rt.db, "group", watched_group)
    monkeypatch.setattr(source, "mark_done_many", watched_mark)
    # WHEN it polls
    poll(rt, source=source)
    source.close()
    # THEN every message is flagged after its record was committed, group by group (the first
    # two are flagged before the last one is written)
    assert [what for what, _ in events].count("flag") == 5
    assert "flag before commit" not in [what for what, _ in events]
    assert [n for what, n in events if what == "committed"] == [2, 4, 5]
    assert events.index(("flag", 2)) < events.index(("committed", 5))
    assert all("$MailbotDone" in dovecot.flags(u) for u in dovecot.uids())


def test_uidvalidity_change_does_not_record_again(tmp_path, dovecot, smtp_server, env):
    # GIVEN two recorded messages
    for n in range(2):
        dovecot.append(item_mail(n))
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server))
    poll(rt)
    old = dovecot.uidvalidity()

    # WHEN the server renumbers the folder (new UIDVALIDITY) and a new message arrives
    new = dovecot.reset_uidvalidity()
    dovecot.append(item_mail(7))
    report = poll(rt)

    # THEN only the new message is a new submission; the old ones are seen as repeats
    assert new != old
    assert report.statuses == {"accepted": 1}
    assert report.outcomes["repeat"] == 2
    assert _count(rt) == 3
    assert _count(rt, Message, status="repeat") == 2
    assert len(smtp_server.messages) == 3


def test_processed_folder_move_after_commit(tmp_path, dovecot, smtp_server, env):
    # GIVEN a processed_folder in the config
    for n in range(2):
        dovecot.append(item_mail(n))
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server, processed="已处理"))

    # WHEN mailbot polls
    poll(rt)

    # THEN the messages left INBOX for the processed folder and are recorded once
    assert dovecot.uids("INBOX") == []
    assert len(dovecot.uids("已处理")) == 2
    assert _count(rt) == 2


def test_receipt_retried_after_smtp_refused_once_and_sent_once(tmp_path, dovecot, smtp_server, env):
    # GIVEN an SMTP server that refuses the next message with a temporary error
    dovecot.append(item_mail(1))
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    clock_time = [now]
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server), clock=Clock(fixed=lambda: clock_time[0]))
    smtp_server.refuse_next(1)

    # WHEN mailbot polls: the receipt is refused and kept for a retry
    report = poll(rt)
    assert report.deferred == 1 and smtp_server.messages == []
    with rt.db.session() as s:
        row = s.scalar(select(OutboxMail))
        assert row.sent_at is None and row.attempts == 1 and "451" in row.last_error

    # AND the outbox is flushed again before and after the back-off
    assert outbox.flush(rt).sent == 0  # not due yet
    clock_time[0] = now + timedelta(minutes=5)
    assert outbox.flush(rt).sent == 1
    assert outbox.flush(rt).sent == 0

    # THEN it went out exactly once
    assert smtp_server.refused == 1
    assert len(smtp_server.messages) == 1
    assert _count(rt, OutboxMail) == 1


def test_no_receipt_for_unassigned_or_ignored_mail(tmp_path, dovecot, smtp_server, env):
    # GIVEN spam from an unknown sender naming no unit, and an auto-reply
    dovecot.append(item_mail(1, sender="promo@spam.example.net", subject="代开发票，优惠多多",
                             body="本公司长期代开各类发票，联系电话138xxxx。"))
    auto = item_mail(2, subject="自动回复：您的邮件已收到", body="我正在休假，回来后回复您。")
    auto = auto.replace(b"Subject:", b"Auto-Submitted: auto-replied\nSubject:", 1)
    dovecot.append(auto)
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server))

    # WHEN mailbot polls
    report = poll(rt)

    # THEN both are recorded with their status, and no mail goes back to either
    assert report.statuses == {"unassigned": 1, "ignored": 1}
    assert smtp_server.messages == []


def test_poll_reports_progress_to_the_callers_object(tmp_path, dovecot, smtp_server, env):
    # GIVEN two messages in the mailbox and a caller's own progress object
    arrived = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    for n in range(2):
        dovecot.append(item_mail(n), internaldate=arrived + timedelta(minutes=n))
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server))

    class Counting:
        done, closed = 0, False

        def update(self, n: int = 1) -> None:
            self.done += n

        def close(self) -> None:
            self.closed = True

    seen = Counting()

    # WHEN mailbot polls with it
    report = poll(rt, send=False, progress=seen)

    # THEN it is told of every message done, and closed at the end
    assert report.statuses["accepted"] == 2
    assert seen.done == 2 and seen.closed
