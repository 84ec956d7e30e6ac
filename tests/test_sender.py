"""The one sender, against a real SMTP server: claims, fixed Message-IDs, failures that never
block the queue, per-recipient caps, and servers that refuse, stall or are down.

GIVEN rows in the outbox WHEN the sender runs THEN each row reaches the server at most once
(outside the one window between the server's 250 and the commit), with the Message-ID it was
queued with, and what cannot be sent is marked failed with its reason for the office's digest.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from mailbot.clock import Clock
from mailbot.db.models import OutboxMail
from mailbot.mail import outbox, sender
from mailbot.mail.render import Rendered
from mailbot.runtime import Runtime
from tests.mailbox_helpers import write_config
from tests.servers import StallingServer

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class Ticking:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime = NOW):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _rt(tmp_path: Path, host: str, port: int, extra: str = "", clock: Ticking | None = None) -> Runtime:
    outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{host}"\nport = {port}\nfrom = "信息科 <xinxi@example.gov.cn>"\n'
                f'timeout_seconds = 2\n{extra}')
    settings = write_config(tmp_path, outgoing=outgoing)
    return Runtime.open(settings, clock=Clock(fixed=clock or Ticking()))


def _queue(rt: Runtime, n: int, to: str = "xxy@ccws.example.gov.cn", subject: str = "【回执】第{i}条",
           attachments=None) -> list[int]:
    ids = []
    with rt.db.transaction() as s:
        for i in range(n):
            row = outbox.queue(s, kind="receipt", key=f"test:{to}:{i}:{subject}", recipients=[to],
                               mail=Rendered(subject.format(i=i), f"正文 {i}", None), attachments=attachments,
                               now=rt.clock.now())
            ids.append(row.id)
    return ids


def _rows(rt: Runtime) -> dict[int, OutboxMail]:
    with rt.db.session() as s:
        return {r.id: r for r in s.scalars(select(OutboxMail))}


def _ids_received(server) -> list[str]:
    return [message_from_bytes(m.content, policy=policy.default)["Message-ID"] for m in server.messages]


def test_message_id_is_fixed_when_queued_and_sent_as_is(tmp_path, smtp_server):
    rt = _rt(tmp_path, smtp_server.host, smtp_server.port)
    ids = _queue(rt, 2)
    queued = {i: r.message_id for i, r in _rows(rt).items()}
    assert all(v and v.endswith("@example.gov.cn") for v in queued.values()) and len(set(queued.values())) == 2
    assert outbox.flush(rt).sent == 2
    assert sorted(_ids_received(smtp_server)) == sorted(f"<{queued[i]}>" for i in ids)


def test_two_senders_at_once_send_each_row_once(tmp_path, smtp_server):
    # GIVEN 12 due rows and a slow server (each mail takes 0.2 s), so the two passes overlap
    smtp_server.delay = 0.2
    rt = _rt(tmp_path, smtp_server.host, smtp_server.port)
    _queue(rt, 12)
    script = textwrap.dedent(f"""
        from mailbot.config import load_settings
        from mailbot.mail import outbox
        from mailbot.runtime import Runtime
        r = outbox.flush(Runtime.open(load_settings({str(tmp_path / 'config.toml')!r})))
        print(r.sent, r.busy)
    """)
    # WHEN two processes send at the same moment
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    # THEN every row reached the server exactly once
    received = _ids_received(smtp_server)
    assert len(received) == 12 and len(set(received)) == 12
    assert sum(int(o.split()[0]) for o, _ in outs) == 12
    assert all(r.sent_at is not None and r.claimed_at is None for r in _rows(rt).values())


def test_claim_is_won_by_exactly_one_of_many_processes(tmp_path, smtp_server):
    # GIVEN one due row
    rt = _rt(tmp_path, smtp_server.host, smtp_server.port)
    [row_id] = _queue(rt, 1)
    script = textwrap.dedent(f"""
        import sys
        from datetime import datetime, timezone
        from mailbot.config import load_settings
        from mailbot.mail import sender
        from mailbot.runtime import Runtime
        rt = Runtime.open(load_settings({str(tmp_path / 'config.toml')!r}))
        _ = rt.db  # opened (schema upgraded) before the race
        sys.stdin.readline()  # all start together
        print(sender.claim(rt, {row_id}, datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc), runner=sys.argv[1]))
    """)
    # WHEN six processes try to claim it at the same moment (bypassing the sender lock)
    procs = [subprocess.Popen([sys.executable, "-c", script, f"p{i}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(6)]
    time.sleep(3)  # let the interpreters start; the outcome does not depend on it
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    # THEN exactly one won
    assert sorted(outs) == ["False"] * 5 + ["True"], outs


def test_a_dead_senders_claim_is_resent_only_when_stale_with_the_same_message_id(tmp_path, smtp_server):
    # GIVEN a row claimed by a sender that was killed after the server took the mail
    clock = Ticking()
    rt = _rt(tmp_path, smtp_server.host, smtp_server.port, clock=clock)
    [row_id] = _queue(rt, 1)
    assert sender.claim(rt, row_id, clock.at, runner="dead-host:1")
    # WHEN another sender runs a minute later
    clock.at += timedelta(minutes=1)
    assert outbox.flush(rt).sent == 0 and smtp_server.messages == []
    # THEN nothing is sent until the claim is stale; then the copy carries the queued Message-ID
    clock.at += sender.stale_after(rt)
    assert outbox.flush(rt).sent == 1
    assert _ids_received(smtp_server) == [f"<{_rows(rt)[row_id].message_id}>"]


def test_a_subject_with_line_breaks_is_sent_on_one_line_and_blocks_nothing(tmp_path, smtp_server):
    rt = _rt(tmp_path, smtp_server.host, smtp_server.port)
    _queue(rt, 1, subject="【回执】长春市\r\n扎实推进\n工作")
    _queue(rt, 1, subject="【回执】下一封")
    r = outbox.flush(rt)
    assert (r.sent, r.failed) == (2, 0)
    subjects = [message_from_bytes(m.content, policy=policy.default)["Subject"] for m in smtp_server.messages]
    assert subjects == ["【回执】长春市 扎实推进 工作", "【回执】下一封"]


def test_a_row_that_cannot_be_composed_is_failed_with_its_reason_and_the_queue_goes_on(tmp_path, smtp_server):
    # GIVEN a tally whose attachment was deleted, queued before an ordinary receipt
    rt = _rt(tmp_path, smtp_server.host, smtp_server.port)
    [bad] = _queue(rt, 1, to="office@example.gov.cn", subject="通报",
                   attachments=[{"filename": "通报.xlsx", "path": str(tmp_path / "gone.xlsx"),
                                 "content_type": "application/vnd.ms-excel"}])
    [good] = _queue(rt, 1)
    # WHEN the sender runs, twice
    first, second = outbox.flush(rt), outbox.flush(rt)
    # THEN the bad row is failed with its reason, never retried, and the good one is sent
    rows = _rows(rt)
    assert (first.sent, first.failed, second.sent, second.failed) == (1, 1, 0, 0)
    assert rows[bad].failed and "cannot be composed: FileNotFoundError" in rows[bad].last_error
    assert rows[bad].failed_at is not None and rows[bad].sent_at is None
    assert rows[good].sent_at is not None and len(smtp_server.messages) == 1


def test_550_fails_the_row_451_retries_it_and_the_digest_tells_the_office(tmp_path, smtp_server):
    from mailbot.reports.digest import digest_data, render_digest

    clock = Ticking()
    rt = _rt(tmp_path, smtp_server.host, smtp_server.port, clock=clock)
    smtp_server.refuse_rcpt["nobody@ccws.example.gov.cn"] = "550 5.1.1 Mailbox unavailable"
    [refused] = _queue(rt, 1, to="nobody@ccws.example.gov.cn")
    smtp_server.refuse_next(1, "451 4.3.0 Try again later")
    [later] = _queue(rt, 1)
    r = outbox.flush(rt)
    assert (r.sent, r.deferred, r.failed) == (0, 1, 1)
    rows = _rows(rt)
    assert rows[refused].failed and "550" in rows[refused].last_error
    assert rows[later].attempts == 1 and not rows[later].failed and rows[later].sent_at is None
    clock.at += timedelta(minutes=5)
    assert outbox.flush(rt).sent == 1
    # The next digest (week 10, generated the following Monday) lists the refused mail.
    clock.at = datetime(2026, 3, 9, 0, 30, tzinfo=UTC)
    text = render_digest(rt, digest_data(rt, "2026-W10")).text
    assert "未能发出的邮件（1 封）" in text and "nobody@ccws.example.gov.cn" in text and "550" in text


def test_some_recipients_refused_is_sent_to_the_others_and_reported(tmp_path, smtp_server):
    rt = _rt(tmp_path, smtp_server.host, smtp_server.port)
    smtp_server.refuse_rcpt["gone@example.gov.cn"] = "550 5.1.1 No such user"
    with rt.db.transaction() as s:
        row = outbox.queue(s, kind="alert", key="alert:x", recipients=["office@example.gov.cn", "gone@example.gov.cn"],
                           mail=Rendered("【紧急】", "正文", None), now=rt.clock.now())
    assert outbox.flush(rt).sent == 1
    got = _rows(rt)[row.id]
    assert smtp_server.messages[0].rcpt_tos == ["office@example.gov.cn"]
    assert got.sent_at is not None and got.failed_at is not None and "gone@example.gov.cn (550" in got.last_error


@pytest.mark.parametrize("trickle", [None, 0.3], ids=["silent", "trickling"])
def test_a_stalled_server_costs_one_bounded_session_and_the_mail_waits(tmp_path, trickle):
    # GIVEN five due rows and a server that accepts TCP but never (or only byte by byte) answers
    server = StallingServer(trickle=trickle)
    try:
        rt = _rt(tmp_path, server.host, server.port, extra="session_timeout_seconds = 3\n")
        _queue(rt, 5)
        # WHEN the sender runs
        started = time.monotonic()
        r = outbox.flush(rt)
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    # THEN it tried one connection, gave up within the session limit, and every row still waits untouched
    assert server.connections == 1
    assert elapsed < 3 + 2 + 5  # session limit + one call's time-out + slack; unbounded without the limit
    assert r.server_down and r.sent == 0
    assert all(x.sent_at is None and not x.failed and x.attempts == 0 and x.claimed_at is None
               for x in _rows(rt).values())


def test_a_server_that_is_down_leaves_the_mail_queued(tmp_path):
    from tests.servers import free_port

    rt = _rt(tmp_path, "127.0.0.1", free_port())
    _queue(rt, 3)
    r = outbox.flush(rt)
    assert r.server_down and "ConnectionRefusedError" in r.server_down
    assert all(x.sent_at is None and not x.failed and x.attempts == 0 for x in _rows(rt).values())


def test_no_address_gets_more_than_the_hourly_cap(tmp_path, smtp_server):
    # GIVEN a cap of 3 an hour and 5 receipts for one officer, 1 for another
    clock = Ticking()
    rt = _rt(tmp_path, smtp_server.host, smtp_server.port, extra="max_per_recipient_hour = 3\n", clock=clock)
    _queue(rt, 5)
    _queue(rt, 1, to="jlsws@example.gov.cn")
    # WHEN the sender runs now, and again half an hour and an hour later
    first = outbox.flush(rt)
    clock.at += timedelta(minutes=30)
    second = outbox.flush(rt)
    clock.at += timedelta(minutes=31)
    third = outbox.flush(rt)
    # THEN 3 go now (plus the other officer's), none at half past, the last 2 an hour later
    assert (first.sent, second.sent, third.sent) == (4, 0, 2)
    per_hour = [m for m in smtp_server.messages if m.rcpt_tos == ["xxy@ccws.example.gov.cn"]]
    assert len(per_hour) == 5


def test_a_flush_sends_everything_due_in_rounds_not_one_round(tmp_path, smtp_server):
    # GIVEN 7 receipts for 7 officers, and rounds of 3 (a back-fill's thousands, in rounds of 500)
    rt = _rt(tmp_path, smtp_server.host, smtp_server.port)
    for n in range(7):
        _queue(rt, 1, to=f"xxy{n}@ccws.example.gov.cn")
    # WHEN the outbox is flushed once
    result = outbox.flush(rt, limit=3)
    # THEN all seven are sent now, each once
    assert result.sent == 7
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(f"xxy{n}@ccws.example.gov.cn" for n in range(7))
    assert all(r.sent_at is not None for r in _rows(rt).values())


def test_commands_that_send_use_the_same_sender(tmp_path, smtp_server):
    """`digest` queues and wakes the one sender: while another sender runs, it only queues."""
    rt = _rt(tmp_path, smtp_server.host, smtp_server.port, clock=lambda: datetime.now(UTC))
    with sender.sender_lock(rt) as mine:
        assert mine
        r = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(tmp_path / "config.toml"), "digest",
                            "--week", "2026-W10"], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert smtp_server.messages == []
    assert [x.kind for x in _rows(rt).values()] == ["digest"]
    assert outbox.flush(rt).sent == 1
