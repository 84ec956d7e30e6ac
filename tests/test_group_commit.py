"""Group commit and the read-ahead worker: the same records as one message at a time.

A poll writes its messages in groups (one transaction, a savepoint per message) and, from the
second group on, a forked worker reads, classifies and fingerprints the next group ahead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from benchmarks.shared_corpus import corpus_dir
from mailbot import polling
from mailbot.db.models import Message, Submission
from mailbot.pipeline import prepare, record
from mailbot.runtime import Runtime
from tests.mailbox_helpers import item_mail, write_config


def _records(rt: Runtime) -> dict[str, tuple]:
    with rt.db.session() as s:
        rows = s.execute(select(Message.source_key, Message.status, Submission.part, Submission.status,
                                Submission.receipt, Submission.unit_id, Submission.subject, Submission.category,
                                Submission.category_confidence, Submission.fingerprint, Submission.duplicate_of)
                         .join(Submission, Submission.message_pk == Message.id, isouter=True)).all()
    return {f"{r[0]}#{r[2]}": tuple(r[1:]) for r in rows}


def _ingest(tmp_path, name: str, files: dict[str, bytes], monkeypatch, workers: str) -> tuple[dict, int]:
    folder = tmp_path / name
    folder.mkdir()
    settings = write_config(folder)
    for key, raw in files.items():
        (folder / "mail" / key).write_bytes(raw)
    monkeypatch.setenv(prepare.WORKERS_ENV, workers)
    taken = []
    real_take = prepare.Reader.take

    def counted(self, src):
        got = real_take(self, src)
        taken.append(got is not None)
        return got

    monkeypatch.setattr(prepare.Reader, "take", counted)
    rt = Runtime.open(settings)
    polling.ingest(rt, [folder / "mail"], send=False)
    records = _records(rt)
    rt.close()
    return records, sum(taken)


def _generated() -> dict[str, bytes]:
    files = {f"{n:03d}.eml": item_mail(n, charset="gb18030" if n % 2 else "utf-8") for n in range(23)}
    files["100.eml"] = item_mail(3, message_id="resent-3")  # a resend of item 3: a duplicate
    files["101.eml"] = item_mail(5)  # the very same message again under another key: a repeat
    files["102.eml"] = b"\x00\x01 not mail at all"
    return files


def _trec_ham(n: int) -> dict[str, bytes]:
    root = corpus_dir() / "trec06c-bayesspam"
    paths = [root / line.split()[1] for line in (root / "index").read_text().splitlines() if line.startswith("ham")]
    return {f"{i:03d}.eml": p.read_bytes() for i, p in enumerate(paths[:n])}


@pytest.mark.parametrize("mail", ["generated", pytest.param("trec06c", marks=pytest.mark.needs_corpus)])
def test_the_read_ahead_worker_records_exactly_what_one_process_does(tmp_path, monkeypatch, mail):
    # GIVEN the same mail (items, a resend, a repeated message, a file that is not mail; or real
    # Chinese mail in many charsets) ingested once in one process and once with the worker,
    # in groups of 5 so that the worker reads most of it
    files = _generated() if mail == "generated" else _trec_ham(60)
    monkeypatch.setattr(polling, "GROUP_MESSAGES", 5)
    alone, used_alone = _ingest(tmp_path, "alone", files, monkeypatch, "0")
    ahead, used_ahead = _ingest(tmp_path, "ahead", files, monkeypatch, "1")
    # THEN the worker read the groups after the first, and every record is the same: status,
    # receipt, unit, title, category, confidence, fingerprint, what it duplicates
    assert used_alone == 0 and used_ahead >= len(files) - 5 - 3
    assert ahead == alone
    statuses = {v[2] for v in alone.values()}
    assert "accepted" in statuses or "unassigned" in statuses
    if mail == "generated":
        assert "duplicate" in statuses and "quarantined" in statuses
        assert sum(1 for v in alone.values() if v[0] == "repeat") == 1


def test_a_message_that_fails_in_its_group_is_quarantined_alone(tmp_path, monkeypatch):
    # GIVEN five items written in one group, the third of which fails while being recorded
    settings = write_config(tmp_path)
    for n in range(5):
        (tmp_path / "mail" / f"{n}.eml").write_bytes(item_mail(n, when=None))
    real_run = record.run

    def failing(rt, intake):
        real_run(rt, intake)  # its receipt number is taken, then the failure rolls it back
        if "（第2期）" in intake.mail.subject:
            raise RuntimeError("disk trouble while recording")

    monkeypatch.setattr(record, "run", failing)
    monkeypatch.setattr(polling, "GROUP_MESSAGES", 5)
    rt = Runtime.open(settings)
    report = polling.ingest(rt, [tmp_path / "mail"], send=False)
    # THEN the other four are recorded in that group, the third is quarantined with its error,
    # and the day's receipt numbers have no gap: the number its failed write took was given back
    # and taken by its quarantine row
    assert report.statuses == {"accepted": 4, "quarantined": 1}
    with rt.db.session() as s:
        receipts = list(s.scalars(select(Submission.receipt).order_by(Submission.id)))
        failed = s.scalar(select(Message).where(Message.status == "quarantined"))
    assert failed is not None and failed.error == "RuntimeError: disk trouble while recording"
    assert receipts == [f"20260302-{n:04d}" for n in range(1, 6)]
    assert all("（第2期）" not in s for s in _subjects(rt))


def _subjects(rt: Runtime) -> list[str]:
    with rt.db.session() as s:
        return list(s.scalars(select(Submission.subject).where(Submission.status == "accepted")))


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.update(int(t) for t in text)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_a_killed_ingest_leaves_no_worker_behind_and_the_next_records_all_once(tmp_path):
    # GIVEN 160 items for `mailbot ingest` (more than a group: the read-ahead worker starts)
    settings = write_config(tmp_path)
    for n in range(160):
        (tmp_path / "mail" / f"{n:03d}.eml").write_bytes(item_mail(n))
    cmd = [sys.executable, "-m", "mailbot", "--config", str(settings.path), "ingest", "--no-receipts",
           str(tmp_path / "mail")]
    env = {**os.environ, prepare.WORKERS_ENV: "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # WHEN it is killed with kill -9 once its worker is running
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while not workers and proc.poll() is None and time.monotonic() < deadline:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert workers, "the ingest finished or stalled before its worker started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # THEN the worker goes too, within seconds
    deadline = time.monotonic() + 15
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)
    # AND the same ingest run again records every item once
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    rt = Runtime.open(settings)
    with rt.db.session() as s:
        keys = list(s.scalars(select(Message.source_key)))
        items = list(s.scalars(select(Submission.message_id)))
    rt.close()
    assert len(keys) == len(set(keys)) == 160
    assert len(items) == len(set(items)) == 160
