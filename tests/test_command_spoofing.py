"""Forged office commands, delivered through a real Dovecot and answered through a real SMTP server.

Each variant below was either carried out by the earlier header check or is a neighbour of one
that was; none may record an adoption. The genuine command after them is carried out once.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from mailbot.db.models import CommandLog, ScoreEvent
from mailbot.pipeline import driver
from mailbot.polling import poll
from mailbot.runtime import Runtime
from mailbot.sources.base import SourceMessage
from tests.mailbox_helpers import item_mail, write_config

MX = "mx.office.example.gov.cn"  # the receiving server's authserv-id, as configured
CHIEF = "chief@office.example.gov.cn"
FREE = "laowang@163.com"  # an admin on a public free-mail domain


def _command(sender: str, receipt: str, auth: list[str], n: int, auto: bool = False, body: str = "请办理。") -> bytes:
    m = EmailMessage()
    for value in auth:  # top to bottom, as the receiving server left them
        m["Authentication-Results"] = value
    m["From"], m["To"], m["Subject"] = sender, "jlwsxx2012@163.com", f"采用 {receipt} 省级"
    m["Message-ID"], m["Date"] = f"<cmd-{n}@example.net>", "Tue, 10 Mar 2026 09:00:00 +0800"
    if auto:
        m["Auto-Submitted"] = "auto-replied"
    m.set_content(body)
    return bytes(m)


SPOOFS = [
    # 1. the sender wrote the header; the receiving server added none (an untrusted authserv-id)
    (CHIEF, ["mx.evil.example; dkim=pass header.d=office.example.gov.cn; spf=pass smtp.mailfrom=" + CHIEF]),
    # 2. a forged pass above the server's own fail (other authserv-id) ...
    (CHIEF, ["mail.163.com; dkim=pass header.d=office.example.gov.cn", f"{MX}; dkim=fail header.d=office.example.gov.cn"]),
    # 2b. ... and a forged pass claiming our server's id, below the server's own (the topmost counts)
    (CHIEF, [f"{MX}; dkim=fail header.d=office.example.gov.cn", f"{MX}; dkim=pass header.d=office.example.gov.cn"]),
    # 3. another user of the admin's free-mail domain: the domain passes, the user is someone else
    (FREE, [f"{MX}; dkim=pass header.d=163.com header.i=attacker@163.com; spf=pass smtp.mailfrom=attacker@163.com"]),
    # 3b. a domain-level pass only, on a free-mail domain: proves nothing about the user
    (FREE, [f"{MX}; dkim=pass header.d=163.com"]),
    # 4. a quoted smtp.mailfrom carrying ";dkim=pass"
    (CHIEF, [f'{MX}; spf=fail smtp.mailfrom="x;dkim=pass header.d=office.example.gov.cn"@evil.example']),
    # 5. a parent domain's signature for a subdomain's admin
    (CHIEF, [f"{MX}; dkim=pass header.d=gov.cn"]),
    # 6. a look-alike domain
    (CHIEF, [f"{MX}; dkim=pass header.d=office.example.gov.cn.evil.example"]),
    # 7. "dkim=pass" inside a comment of a failing result
    (CHIEF, [f"{MX}; dkim=fail (dkim=pass header.d=office.example.gov.cn) header.d=office.example.gov.cn"]),
    # 8. no Authentication-Results at all
    (CHIEF, []),
    # 9. the server's own header unreadable, a forged readable one below it
    (CHIEF, [f"{MX}; dkim=pass header.d=", f"{MX}; dkim=pass header.d=office.example.gov.cn"]),
    # 10. another admin-domain user's SPF pass
    (CHIEF, [f"{MX}; spf=pass smtp.mailfrom=intern@office.example.gov.cn; dkim=pass header.d=office.example.gov.cn"]),
    # 11. a display name that looks like the admin, from another address
    (f'"{CHIEF}" <attacker@evil.example>', [f"{MX}; dkim=pass header.d=evil.example"]),
]


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


def _settings(tmp_path, account, smtp, office_extra="", database=""):
    source = (f'[source]\nkind = "imap"\nhost = "{account.host}"\nport = {account.port}\ntls = false\n'
              f'username = "{account.username}"\npassword_env = "TEST_IMAP_PASSWORD"\ntimeout_seconds = 5\n'
              'backfill_before = 2000-01-01\n')  # the commands are new mail, not old mail found at switch-on
    outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\n'
                'from = "信息科 <xinxi@example.gov.cn>"\n')
    settings = write_config(tmp_path, source=source, outgoing=outgoing, database=database)
    text = settings.path.read_text(encoding="utf-8").replace(
        'admins = ["office@example.gov.cn"]\nauthserv_ids = ["mx.163.com"]',
        f'admins = ["{CHIEF}", "{FREE}"]\nauthserv_ids = ["{MX}"]\n{office_extra}')
    settings.path.write_text(text, encoding="utf-8")
    from mailbot.config import load_settings

    return load_settings(settings.path)


def _adoptions(rt) -> list[float]:
    with rt.db.session() as s:
        return list(s.scalars(select(ScoreEvent.points).where(ScoreEvent.kind == "adopt")))


def _receipt(rt) -> str:
    result = driver.process(rt, SourceMessage("seed", "1", item_mail(1)))
    from mailbot.db.models import Submission

    with rt.db.session() as s:
        return s.scalar(select(Submission.receipt).where(Submission.message_pk == result.message_pk))


def test_forged_commands_are_refused_and_the_genuine_one_is_carried_out_once(tmp_path, dovecot, smtp_server,
                                                                             monkeypatch, database, runtimes):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server, database=database))
    runtimes.append(rt)
    receipt = _receipt(rt)
    # GIVEN every forged variant in the office mailbox, and an admin's auto-reply quoting a command
    for n, (sender, auth) in enumerate(SPOOFS):
        dovecot.append(_command(sender, receipt, auth, n))
    dovecot.append(_command(CHIEF, receipt, [f"{MX}; dkim=pass header.d=office.example.gov.cn"], 99, auto=True))

    # WHEN mailbot polls
    report = poll(rt)

    # THEN nothing is adopted; each admin-addressed forgery is logged refused and answered as refused
    assert _adoptions(rt) == []
    assert report.statuses["ignored"] >= len(SPOOFS)
    with rt.db.session() as s:
        logs = list(s.scalars(select(CommandLog).order_by(CommandLog.id)))
    assert len(logs) == len(SPOOFS) - 1  # the display-name spoof is not from an admin: not a command at all
    assert not any(log.accepted for log in logs)
    refusals = [m for m in smtp_server.messages if b"X-Mailbot-Kind: reply" in m.content]
    assert len(refusals) == len(logs)

    # AND WHEN the real admin's command arrives, stamped by the receiving server
    dovecot.append(_command(CHIEF.upper(), receipt, [f"{MX}; dkim=pass header.d=office.example.gov.cn "
                                                     f"header.s=s1; spf=pass smtp.mailfrom={CHIEF}"], 100))
    poll(rt)
    # THEN it is carried out once
    assert _adoptions(rt) == [30]


def test_secret_word_for_an_admin_on_free_mail(tmp_path, dovecot, smtp_server, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    monkeypatch.setenv("OFFICE_COMMAND_SECRET", "青松2026")
    rt = Runtime.open(_settings(tmp_path, dovecot, smtp_server, 'command_secret_env = "OFFICE_COMMAND_SECRET"'))
    receipt = _receipt(rt)
    stamped = [f"{MX}; dkim=pass header.d=163.com; spf=pass smtp.mailfrom=163.com"]
    # GIVEN a command from the free-mail admin without the secret word, then one with it
    dovecot.append(_command(FREE, receipt, stamped, 1))
    poll(rt)
    assert _adoptions(rt) == []
    dovecot.append(_command(FREE, receipt, stamped, 2, body="请办理。口令：青松2026"))
    poll(rt)
    # THEN only the second is carried out, and the secret word is not kept in the record
    assert _adoptions(rt) == [30]
    from mailbot.db.models import Submission

    with rt.db.session() as s:
        texts = list(s.scalars(select(Submission.text)))
    assert not any("青松2026" in (t or "") for t in texts)
