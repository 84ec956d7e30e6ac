"""A message that fails is kept with its full traceback; `retry --show` shows it; `retry` is the
same driver path under the same poll lock. Run as the operator runs it: the real CLI."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from email.message import EmailMessage

from sqlalchemy import select

from mailbot.db.models import Message
from mailbot.polling import poll
from mailbot.reports.listing import list_submissions
from mailbot.runtime import Runtime
from tests.mailbox_helpers import write_config


def _mailbot(config, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mailbot", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=300)


def _with_attachment() -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "xxy@ccws.example.gov.cn", "jlwsxx2012@163.com", "长春市卫生应急演练情况"
    m["Message-ID"], m["Date"] = "<att-1@ccws.example.gov.cn>", "Mon, 02 Mar 2026 09:00:00 +0800"
    m.set_content("长春市卫生局组织开展全市卫生应急演练，参演队伍十二支，检验了指挥协调和现场处置能力。")
    m.add_attachment(b"\x89PNG\r\n\x1a\n" + b"0" * 200, maintype="image", subtype="png", filename="现场.png")
    return bytes(m)


def test_quarantine_keeps_traceback_and_retry_runs_under_the_poll_lock(tmp_path):
    # GIVEN an attachment folder that cannot be created (a file is in its way)
    settings = write_config(tmp_path)
    config = settings.path
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "attachments").write_text("in the way")
    (tmp_path / "mail" / "1.eml").write_bytes(_with_attachment())

    # WHEN the mail is polled
    assert poll(Runtime.open(settings)).statuses == {"quarantined": 1}

    # THEN the message keeps its one-line error and the whole traceback, and `retry --show` prints them
    with Runtime.open(settings).db.session() as s:
        msg = s.scalar(select(Message))
    assert msg.status == "quarantined" and msg.error.splitlines() == [msg.error]
    assert msg.traceback.startswith("Traceback") and "store_attachment" in msg.traceback
    shown = _mailbot(config, "retry", "--show")
    assert shown.returncode == 0, shown.stderr
    assert "store_attachment" in shown.stdout and "Traceback" in shown.stdout and msg.raw_path in shown.stdout
    assert "still quarantined" not in shown.stderr  # --show retries nothing

    # AND WHEN a poll holds the lock, `retry` waits its turn: it refuses rather than race it
    (tmp_path / "var" / "attachments").unlink()
    with open(tmp_path / "var" / "poll.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        busy = _mailbot(config, "retry")
    assert busy.returncode == 1 and "another poll is running" in busy.stderr

    # AND once the fault is gone, `retry` records it through the same stages, answered once
    done = _mailbot(config, "retry")
    assert done.returncode == 0, done.stderr
    assert "1 message(s) processed, 0 still quarantined" in done.stdout
    with Runtime.open(settings).db.session() as s:
        msg = s.scalar(select(Message))
    assert (msg.status, msg.error, msg.traceback, msg.attempts) == ("processed", None, None, 2)
    assert [r["status"] for r in list_submissions(Runtime.open(settings))] == ["accepted"]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_unfinished_archive_writes_of_a_killed_run_are_swept(tmp_path):
    # GIVEN temp files a killed archive write left beside real archived mail
    settings = write_config(tmp_path)
    raw = tmp_path / "var" / "raw" / "ab"
    raw.mkdir(parents=True)
    (raw / ".tmp-k1ll3d").write_bytes(b"half a mail")
    (raw / "ab12.eml").write_bytes(b"a whole mail")
    (tmp_path / "var" / "attachments" / "cd").mkdir(parents=True)
    (tmp_path / "var" / "attachments" / "cd" / ".tmp-x").write_bytes(b"half an attachment")
    # WHEN the next poll takes the lock
    poll(Runtime.open(settings))
    # THEN the temp files are gone and the real file is kept
    assert sorted(p.name for p in raw.iterdir()) == ["ab12.eml"]
    assert list((tmp_path / "var" / "attachments" / "cd").iterdir()) == []
