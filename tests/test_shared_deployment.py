"""Shared deployments: two daemons (two hosts) on one database, a daemon plus a cron `poll`.

GIVEN one office's mailbox on a real Dovecot and a real SMTP server that records every
delivery WHEN two `mailbot run` processes with separate data folders (two hosts) share one
PostgreSQL database, or a daemon runs while cron starts `mailbot poll` again and again,
THEN every message is recorded once and every receipt delivered once; and a scheduled job
due at the same time in two daemons runs in one of them only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mailbot.config import load_settings
from mailbot.db.models import JobRun, Message, OutboxMail, Submission
from mailbot.runtime import Runtime
from tests.dbs import url_for
from tests.mailbox_helpers import item_mail, write_config


def _host(tmp_path: Path, name: str, account, smtp, url: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    source = (f'[source]\nkind = "imap"\nhost = "{account.host}"\nport = {account.port}\ntls = false\n'
              f'username = "{account.username}"\npassword_env = "TEST_IMAP_PASSWORD"\ntimeout_seconds = 10\n'
              'poll_minutes = 0.03\n'
              # The mail below "arrived" in March 2026, before these hosts' first poll: say it is new
              # mail to answer, not an old mailbox being switched on (that is tests/test_switch_on.py).
              'backfill_before = 2026-01-01\n')
    outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\n'
                'from = "信息科 <xinxi@example.gov.cn>"\n')
    # 30 items from one officer within minutes: lift the loop back-stop on receipts per sender here.
    write_config(folder, source=source, outgoing=outgoing, database=f'[database]\nurl = "{url}"\n',
                 extra="receipts_per_sender_hour = 0\n")
    return folder / "config.toml"


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)  # watching other processes, bounded by the deadline
    return False


def _stop(procs: list[subprocess.Popen]) -> list[str]:
    errs = []
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            errs.append(p.communicate(timeout=120)[1])
        except subprocess.TimeoutExpired:
            p.kill()
            errs.append(p.communicate()[1])
    return errs


def _check_once(rt: Runtime, smtp, n: int) -> None:
    with rt.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == n
        assert s.scalar(select(func.count()).select_from(Submission).where(Submission.status == "accepted")) == n
        assert s.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.sent_at.is_(None))) == 0
    ids = Counter(message_from_bytes(m.content, policy=policy.default)["Message-ID"] for m in smtp.messages)
    assert len(ids) == n and set(ids.values()) == {1}, ids.most_common(3)


def _feed(account, start: int, count: int) -> None:
    arrived = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    for n in range(start, start + count):
        account.append(item_mail(n), internaldate=arrived + timedelta(minutes=n))


@pytest.mark.postgresql_only("two hosts can share only a PostgreSQL database")
def test_two_daemons_on_one_postgresql_record_and_send_each_once(tmp_path, dovecot, smtp_server, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    # GIVEN two hosts (own data folders) of one office on one PostgreSQL database, and a slow SMTP server
    url = url_for(tmp_path)
    cfgs = [_host(tmp_path, f"host{i}", dovecot, smtp_server, url) for i in (1, 2)]
    smtp_server.delay = 0.05
    _feed(dovecot, 0, 15)
    # WHEN both run, while more mail keeps arriving
    procs = [subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(c), "run"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ}) for c in cfgs]
    try:
        _feed(dovecot, 15, 15)
        ok = _wait_for(lambda: len(smtp_server.messages) >= 30, 240)
        time.sleep(2)  # a few more polls of both daemons: nothing more may happen
    finally:
        errs = _stop(procs)
    assert ok, errs
    # THEN each of the 30 messages is recorded once and answered once
    assert all(p.returncode == 0 for p in procs), errs
    _check_once(Runtime.open(load_settings(cfgs[0])), smtp_server, 30)


def test_daemon_and_cron_poll_record_and_send_each_once(tmp_path, dovecot, smtp_server, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    # GIVEN a daemon running
    cfg = _host(tmp_path, "host", dovecot, smtp_server, url_for(tmp_path))
    smtp_server.delay = 0.05
    _feed(dovecot, 0, 10)
    daemon = subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(cfg), "run"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        # WHEN cron starts `mailbot poll` five times while mail arrives
        polls = []
        for round_ in range(5):
            _feed(dovecot, 10 + 4 * round_, 4)
            polls.append(subprocess.run([sys.executable, "-m", "mailbot", "--config", str(cfg), "poll"],
                                        capture_output=True, text=True, timeout=300))
        ok = _wait_for(lambda: len(smtp_server.messages) >= 30, 240)
        time.sleep(2)
    finally:
        errs = _stop([daemon])
    # THEN each poll either polled or said another poll was running, and nothing was done twice
    assert ok, errs
    assert all(p.returncode == 0 or "another poll is running" in p.stderr for p in polls), [p.stderr for p in polls]
    _check_once(Runtime.open(load_settings(cfg)), smtp_server, 30)


def test_a_job_due_in_two_daemons_at_once_runs_in_one(tmp_path, smtp_server):
    # GIVEN two daemons' processes of one office whose clocks say Monday 2026-03-09 08:30
    outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{smtp_server.host}"\nport = {smtp_server.port}\n'
                'from = "信息科 <xinxi@example.gov.cn>"\n')
    settings = write_config(tmp_path, outgoing=outgoing)
    _ = Runtime.open(settings).db
    script = textwrap.dedent(f"""
        import sys
        from datetime import datetime, timezone
        from mailbot.clock import Clock
        from mailbot.config import load_settings
        from mailbot.daemon import Daemon
        from mailbot.runtime import Runtime
        rt = Runtime.open(load_settings({str(settings.path)!r}),
                     clock=Clock(fixed=datetime(2026, 3, 9, 0, 30, tzinfo=timezone.utc)))
        _ = rt.db
        sys.stdin.readline()
        Daemon(rt).weekly_digest()
    """)
    # WHEN the weekly digest job fires in both at the same moment
    procs = [subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    # THEN it ran once: one job run, one digest, delivered once
    with Runtime.open(settings).db.session() as s:
        runs = list(s.scalars(select(JobRun)))
        assert [(r.job, r.due, r.outcome) for r in runs] == [("digest", "2026-W10", "done")]
    assert [message_from_bytes(m.content, policy=policy.default)["X-Mailbot-Kind"] for m in smtp_server.messages] \
        == ["digest"]
