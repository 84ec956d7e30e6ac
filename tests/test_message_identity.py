"""The same message, or only the same Message-ID? Real TREC 2006 Chinese mail through a real Dovecot.

A message is the same message only when its Message-ID and its content hash agree (or its source
key does): trec06c reuses Message-IDs across different mail, and each of those is a new message.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mailbot.db.models import Message
from mailbot.polling import make_source, poll
from mailbot.runtime import Runtime
from tests.dbs import url_for
from tests.mailbox_helpers import item_mail, write_config

SHARED = Path(os.environ.get("MAILBOT_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
TREC = SHARED / "corpus" / "trec06c-bayesspam" / "data"


def _reused_message_ids(limit: int = 40) -> list[bytes]:
    """Raw trec06c messages whose Message-ID another, different message also carries."""
    groups: dict[bytes, list[bytes]] = defaultdict(list)
    for folder in ("normal", "spam"):
        for name in sorted(os.listdir(TREC / folder), key=int):
            raw = (TREC / folder / name).read_bytes()
            m = re.search(rb"^Message-I[Dd]:\s*(\S+)", raw, re.M | re.I)
            if m:
                groups[m.group(1)].append(raw)
    out: list[bytes] = []
    for raws in groups.values():
        if len(raws) > 1 and len(out) < limit:
            out.extend(raws[: limit - len(out)])
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    """The [database] table: each test here runs on SQLite and on the machine's PostgreSQL."""
    if request.param == "sqlite":
        return f'[database]\nurl = "sqlite:///{tmp_path}/mailbot.db"\n'
    return f'[database]\nurl = "{request.getfixturevalue("pg_url")}"\n'


@pytest.fixture
def runtimes():
    """Runtimes a test opens, closed afterwards (their pooled database connections)."""
    opened: list[Runtime] = []
    yield opened
    for rt in opened:
        rt.close()


def _settings(tmp_path, account, smtp, name="office", database=None):
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    source = (f'[source]\nkind = "imap"\nhost = "{account.host}"\nport = {account.port}\ntls = false\n'
              f'username = "{account.username}"\npassword_env = "TEST_IMAP_PASSWORD"\ntimeout_seconds = 5\n'
              'backfill_before = 2000-01-01\n')  # all new mail, answered (switch-on: test_switch_on.py)
    outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\n'
                'from = "信息科 <xinxi@example.gov.cn>"\n')
    return write_config(folder, source=source, outgoing=outgoing,
                        database=database or f'[database]\nurl = "{url_for(tmp_path, "shared.db")}"\n')


def _statuses(rt) -> dict[str, int]:
    with rt.db.session() as s:
        return dict(s.execute(select(Message.status, func.count()).group_by(Message.status)).all())


@pytest.mark.needs_corpus
def test_reused_message_ids_are_new_messages_and_true_repeats_are_not(tmp_path, dovecot, smtp_server, monkeypatch,
                                                                     database, runtimes):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    # GIVEN real trec06c mail in which different messages share Message-IDs
    raws = _reused_message_ids()
    ids = {re.search(rb"^Message-I[Dd]:\s*(\S+)", r, re.M | re.I).group(1) for r in raws}
    assert len(raws) == 40 and len(ids) < 20
    for raw in raws:
        dovecot.append(raw)
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server, database=database))
    runtimes.append(rt)

    # WHEN mailbot polls
    first = poll(rt)

    # THEN every one of them is a new message: none is dropped as a repeat
    assert first.outcomes["new"] + first.outcomes["quarantined"] == 40 and first.outcomes["repeat"] == 0
    assert _statuses(rt).get("repeat", 0) == 0

    # AND WHEN the server renumbers the folder (the same 40 messages under new UIDs)
    dovecot.reset_uidvalidity()
    again = poll(rt)

    # THEN each is recognised as the same message (Message-ID and content agree): nothing new
    assert again.outcomes["repeat"] == 40 and again.statuses == {}
    assert _statuses(rt)["repeat"] == 40


def test_mail_cc_to_two_offices_is_recorded_by_each(tmp_path, dovecot_server, smtp_server, monkeypatch, database,
                                                   runtimes):
    # GIVEN one mail delivered to two offices' mailboxes, read into one shared database
    a, b = dovecot_server.add_account(), dovecot_server.add_account()
    monkeypatch.setenv("TEST_IMAP_PASSWORD", a.password)
    raw = item_mail(3)
    a.append(raw)
    b.append(raw)
    rt_a = Runtime.open(_settings(tmp_path, a, smtp_server, "a", database))
    rt_b = Runtime.open(_settings(tmp_path, b, smtp_server, "b", database))
    runtimes.extend([rt_a, rt_b])

    # WHEN each office polls its own mailbox
    ra, rb = poll(rt_a), poll(rt_b)

    # THEN each records it as a new message of its own mailbox
    assert ra.outcomes["new"] == 1 and rb.outcomes["new"] == 1
    with rt_a.db.session() as s:
        rows = s.execute(select(Message.mailbox, Message.status).order_by(Message.id)).all()
    assert [st for _, st in rows] == ["processed", "processed"]
    assert rows[0][0] == make_source(rt_a).mailbox and rows[1][0] == make_source(rt_b).mailbox


def test_reused_message_id_with_other_content_in_one_mailbox(tmp_path, dovecot, smtp_server, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    # GIVEN two different submissions from a unit whose mail client reuses one Message-ID
    dovecot.append(item_mail(1, message_id="same"))
    dovecot.append(item_mail(2, message_id="same"))
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server))
    # WHEN polled
    report = poll(rt)
    # THEN both are accepted and both senders' items answered
    assert report.statuses == {"accepted": 2}
    assert len(smtp_server.messages) == 2
