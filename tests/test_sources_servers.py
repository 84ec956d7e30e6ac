"""The shared server fixtures themselves (SMTP, PostgreSQL, the cutting proxy)."""

from __future__ import annotations

import smtplib

import pytest


def test_smtp_server_keeps_envelopes_and_refuses_on_demand(smtp_server):
    raw = "Subject: 回执\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n已收到\r\n".encode()
    smtp_server.refuse_next(1)
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            smtp.sendmail("bot@office.cn", ["unit@example.cn"], raw)
        assert refused.value.smtp_code == 451
        smtp.sendmail("bot@office.cn", ["unit@example.cn", "cc@example.cn"], raw)
    assert smtp_server.refused == 1
    assert len(smtp_server.messages) == 1
    got = smtp_server.messages[0]
    assert (got.mail_from, got.rcpt_tos) == ("bot@office.cn", ["unit@example.cn", "cc@example.cn"])
    assert got.content.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")


@pytest.mark.postgresql_only("about the PostgreSQL URL itself")
def test_pg_url_is_a_fresh_database(pg_url):
    import psycopg

    conninfo = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        tables = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'public'"
        ).fetchone()
        conn.execute("create table probe (id int)")
    assert tables == (0,)


def test_proxy_drop_cuts_a_live_imap_session(dovecot):
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientAbortError

    proxy = dovecot.proxy()
    client = IMAPClient(proxy.host, port=proxy.port, ssl=False, timeout=5)
    client.login(dovecot.username, dovecot.password)
    proxy.drop()
    with pytest.raises((IMAPClientAbortError, OSError)):
        client.select_folder("INBOX")
    client.shutdown()
    again = IMAPClient(proxy.host, port=proxy.port, ssl=False, timeout=5)
    again.login(dovecot.username, dovecot.password)
    assert again.select_folder("INBOX")[b"EXISTS"] == 0
    again.logout()


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
def test_smtp_server_with_tls_needs_its_ca(mode):
    import ssl

    from tests.servers import SmtpServer

    server = SmtpServer(tls=mode).start()
    try:
        trusted = ssl.create_default_context(cafile=str(server.ca_file))
        if mode == "starttls":
            with smtplib.SMTP(server.host, server.port, timeout=10) as smtp, \
                    pytest.raises(ssl.SSLCertVerificationError):
                smtp.starttls(context=ssl.create_default_context())
            with smtplib.SMTP(server.host, server.port, timeout=10) as smtp:
                smtp.starttls(context=trusted)
                smtp.sendmail("a@b.cn", ["c@d.cn"], b"Subject: t\r\n\r\nx\r\n")
        else:
            with pytest.raises(ssl.SSLCertVerificationError):
                smtplib.SMTP_SSL(server.host, server.port, timeout=10,
                                 context=ssl.create_default_context())
            with smtplib.SMTP_SSL(server.host, server.port, timeout=10,
                                  context=trusted) as smtp:
                smtp.sendmail("a@b.cn", ["c@d.cn"], b"Subject: t\r\n\r\nx\r\n")
        assert [m.rcpt_tos for m in server.messages] == [["c@d.cn"]]
    finally:
        server.stop()
