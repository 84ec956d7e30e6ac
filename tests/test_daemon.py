"""`mailbot run`: polls, answers, and stops cleanly on SIGTERM with exit 0."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

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
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    # THEN it exits 0 and says it stopped
    assert proc.returncode == 0, err[-500:]
    assert "mailbot stopped" in err and "2 new message(s)" in err
