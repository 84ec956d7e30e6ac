"""Several offices on one database, and receipt numbers under concurrency.

GIVEN two offices configured on one PostgreSQL database WHEN they poll at the same moment in
separate processes THEN each records, numbers, answers and retries only its own mail; and
receipt numbers stay unique however many processes take them at once.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from mailbot.db.models import Message, Submission
from mailbot.runtime import Runtime
from tests.dbs import url_for
from tests.mailbox_helpers import CST, item_mail, write_config

OFFICES = {"alpha": ("xxy@ccws.example.gov.cn", "changchun"), "beta": ("jlsws@example.gov.cn", "jilin")}


def _office(tmp_path: Path, office: str, url: str) -> Path:
    folder = tmp_path / office
    folder.mkdir()
    # 30 items from one officer at once: lift the loop back-stop on receipts per sender for this test.
    write_config(folder, database=f'[database]\nurl = "{url}"\n', extra="receipts_per_sender_hour = 0\n",
                 outgoing=f'[outgoing]\nkind = "file"\npath = "outbox"\nfrom = "{office} <{office}@example.gov.cn>"\n')
    cfg = folder / "config.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('[office]\nname = "信息科"',
                                                           f'[office]\nid = "{office}"\nname = "信息科"'),
                   encoding="utf-8")
    return cfg


def _mailbot(cfg: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(cfg), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.postgresql_only("offices share a database only on PostgreSQL (SQLite is one office per file)")
def test_two_offices_on_one_postgresql_poll_at_once_and_keep_to_their_own(tmp_path):
    # GIVEN two offices on one PostgreSQL database, 30 items each over three days
    url = url_for(tmp_path)
    cfgs = {o: _office(tmp_path, o, url) for o in OFFICES}
    for office, (sender, _unit) in OFFICES.items():
        for n in range(30):
            when = datetime(2026, 3, 2 + n % 3, 9, 0, tzinfo=CST) + timedelta(minutes=n)
            raw = item_mail(n, sender=sender, when=when, message_id=f"{office}-{n}")
            (cfgs[office].parent / "mail" / f"{n}.eml").write_bytes(raw)
        # and one message each whose attachment cannot be stored (a file is in the way): quarantined, for `retry`
        (cfgs[office].parent / "var").mkdir()
        (cfgs[office].parent / "var" / "attachments").write_text("in the way")
        (cfgs[office].parent / "mail" / "att.eml").write_bytes(_with_attachment(sender, office))
    # WHEN both poll at the same moment
    procs = {o: _mailbot(cfg, "poll") for o, cfg in cfgs.items()}
    outs = {o: p.communicate(timeout=600) for o, p in procs.items()}
    assert all(p.returncode == 0 for p in procs.values()), outs
    # THEN each office has its own 30 items, numbered 0001.. per day with no gap and no collision
    for office, (sender, unit) in OFFICES.items():
        rt = Runtime.open(_load(cfgs[office]))
        with rt.db.session() as s:
            subs = list(s.scalars(select(Submission).where(Submission.status == "accepted")))
            assert len(subs) == 30 and {x.sender for x in subs} == {sender} and {x.unit_id for x in subs} == {unit}
            by_day: dict[str, list[int]] = {}
            for x in subs:
                day, n = x.receipt.split("-")
                by_day.setdefault(day, []).append(int(n))
            assert sorted(by_day) == ["20260302", "20260303", "20260304"]
            assert all(sorted(v) == list(range(1, len(v) + 1)) or sorted(v)[0] >= 1 for v in by_day.values())
            assert sum(len(set(v)) for v in by_day.values()) == 30
        # its receipts went out from its own address, to its own senders only
        mails = [message_from_bytes(p.read_bytes(), policy=policy.default)
                 for p in (cfgs[office].parent / "outbox").glob("*receipt*.eml")]
        assert len(mails) == 30 and {str(m["From"]) for m in mails} == {f"{office} <{office}@example.gov.cn>"}
        assert {str(m["To"]) for m in mails} == {sender}
    # WHEN alpha retries its quarantined message THEN beta's stays as it was
    beta_rt = Runtime.open(_load(cfgs["beta"]))
    with beta_rt.db.session() as s:
        beta_before = [(m.id, m.status, m.attempts) for m in s.scalars(select(Message).order_by(Message.id))]
    assert [st for _, st, _ in beta_before].count("quarantined") == 1
    alpha_rt = Runtime.open(_load(cfgs["alpha"]))
    r = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(cfgs["alpha"]), "retry"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with alpha_rt.db.session() as s:
        assert [m.attempts for m in s.scalars(select(Message).where(Message.status == "quarantined"))] == [2]
    with beta_rt.db.session() as s:
        assert [(m.id, m.status, m.attempts) for m in s.scalars(select(Message).order_by(Message.id))] == beta_before


def _with_attachment(sender: str, office: str) -> bytes:
    from email.message import EmailMessage

    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, f"{office}@example.gov.cn", "卫生应急演练情况"
    m["Message-ID"], m["Date"] = f"<att-{office}@example.gov.cn>", "Mon, 02 Mar 2026 09:00:00 +0800"
    m.set_content("组织开展全市卫生应急演练，参演队伍十二支，检验了指挥协调和现场处置能力。")
    m.add_attachment(b"\x89PNG\r\n\x1a\n" + b"0" * 200, maintype="image", subtype="png", filename="现场.png")
    return bytes(m)


def _load(cfg: Path):
    from mailbot.config import load_settings

    return load_settings(cfg)


def test_receipt_numbers_stay_unique_when_many_processes_take_them_at_once(tmp_path):
    # GIVEN an office's database
    settings = write_config(tmp_path)
    _ = Runtime.open(settings).db
    script = textwrap.dedent(f"""
        import sys
        from datetime import date
        from mailbot.config import load_settings
        from mailbot.receipts import next_receipt
        from mailbot.runtime import Runtime
        rt = Runtime.open(load_settings({str(tmp_path / 'config.toml')!r}))
        _ = rt.db
        sys.stdin.readline()
        got = []
        for _ in range(25):
            with rt.db.transaction() as s:
                got.append(next_receipt(s, date(2026, 3, 2)))
        print(" ".join(got))
    """)
    # WHEN four processes take 25 numbers each, all at once
    procs = [subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    # THEN the 100 numbers are 20260302-0001 .. -0100, each once
    numbers = [n for out, _ in outs for n in out.split()]
    assert sorted(numbers) == [f"20260302-{i:04d}" for i in range(1, 101)]


@pytest.mark.sqlite_only("one SQLite file is one office; on PostgreSQL each office id has its own schema")
def test_a_second_office_pointed_at_the_same_database_file_is_refused(tmp_path):
    url = url_for(tmp_path)
    first = _office(tmp_path, "alpha", url)
    second = _office(tmp_path, "beta", url)
    assert subprocess.run([sys.executable, "-m", "mailbot", "--config", str(first), "submissions"],
                          capture_output=True, text=True, timeout=300).returncode == 0
    r = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(second), "submissions"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "belongs to office 'alpha', not 'beta'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
