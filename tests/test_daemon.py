"""`mailbot run`: polls, answers, and stops cleanly on SIGTERM with exit 0."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC

from tests.mailbox_helpers import item_mail, write_config


def _wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)  # waiting for another process's output, bounded by the deadline
    return False


def test_run_polls_then_stops_on_sigterm(tmp_path):
    # GIVEN a maildir with two submissions
    write_config(tmp_path)
    for n in range(2):
        (tmp_path / "mail" / f"{n}.eml").write_bytes(item_mail(n))
    # WHEN the daemon runs until both receipts are written, then gets SIGTERM
    proc = subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(tmp_path / "config.toml"), "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: len(list((tmp_path / "outbox").glob("*.eml"))) == 2 if (tmp_path / "outbox").exists()
                         else False), "daemon did not answer the two submissions"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    # THEN it exits 0 and says it stopped
    assert proc.returncode == 0, err[-500:]
    assert "mailbot stopped" in err and "2 new message(s)" in err


def test_scheduled_jobs_queue_digest_tally_reminders_and_retrain(tmp_path):
    """The daemon's jobs, run at chosen dates with a fixed clock (no waiting for the scheduler)."""
    from datetime import datetime

    from sqlalchemy import select

    from mailbot.clock import Clock
    from mailbot.daemon import Daemon
    from mailbot.db.models import OutboxMail
    from mailbot.polling import ingest
    from mailbot.runtime import Runtime

    # GIVEN two items in 2026Q1 and a daemon whose clock says Wednesday 2026-04-01, a reminder day
    settings = write_config(tmp_path, extra='[remind]\nweekdays = ["wed"]\n')
    for n in range(2):
        (tmp_path / "mail" / f"{n}.eml").write_bytes(item_mail(n))
    rt = Runtime.open(settings, clock=Clock(fixed=datetime(2026, 4, 1, 1, 0, tzinfo=UTC)))
    ingest(rt, [tmp_path / "mail"])
    daemon = Daemon(rt)

    # WHEN the jobs run
    daemon.quarterly_tally()
    daemon.weekly_digest()
    daemon.reminders()
    daemon.schedule()
    before = rt.classifier
    daemon.retrain()

    # THEN tallies for the quarter just ended, last week's digest and reminders are in the outbox
    with rt.db.session() as s:
        keys = list(s.scalars(select(OutboxMail.dedupe_key)))
    assert any(k.startswith("tally:2026Q1") for k in keys)
    assert "digest:2026-W13" in keys
    assert any(k.startswith("remind:") for k in keys)
    assert {j.id for j in daemon.scheduler.get_jobs()} == {"outbox", "digest", "remind", "tally", "retrain",
                                                              "notices"}
    assert rt.classifier is not before  # rebuilt with the corrections so far
