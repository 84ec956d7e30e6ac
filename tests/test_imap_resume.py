"""IMAP: a connection the server closes mid-poll is re-opened and the poll resumes; bodies per FETCH
are capped by size. Against a real Dovecot."""

from __future__ import annotations

from mailbot.sources.imap import DONE_KEYWORD, ImapSource
from tests.servers import free_port
from tests.test_sources_imap import Recorder, make_mail


def _source(account, **kw) -> ImapSource:
    return ImapSource(account.host, account.port, account.username, account.password, tls=False, timeout=5, **kw)


def test_server_hangs_up_while_marking_the_poll_resumes_without_backoff_per_message(dovecot):
    # GIVEN five messages fetched in batches of two
    uids = [dovecot.append(make_mail(i)) for i in range(5)]
    caller, sleeps, seen, marked = Recorder(), [], [], []
    source = _source(dovecot, batch_size=2, sleep=sleeps.append)
    with source:
        for msg in source.fetch_new(caller.is_done):
            seen.append(msg.uid)
            caller.take(msg)
            if len(seen) == 1:
                dovecot.kill_connections()  # the server closes the session (restart, admin kick)
            marked.append(source.mark_done(msg))  # as the poll does after each commit
    # THEN every message came once, each was marked, and no back-off was waited
    assert seen == uids and all(marked)
    assert all(DONE_KEYWORD in dovecot.flags(u) for u in uids)
    assert source.reconnects >= 1 and sleeps == []


def test_marking_gives_up_for_the_poll_when_the_server_stays_away(dovecot):
    # GIVEN a source whose server has gone for good after the bodies were read
    uid = dovecot.append(make_mail(1))
    sleeps: list[float] = []
    source = _source(dovecot, sleep=sleeps.append)
    msgs = list(source.fetch_new(lambda m: False))
    source._drop()
    source.port = free_port()  # nothing listens there any more
    # WHEN many messages are to be marked
    results = [source.mark_done(msgs[0]) for _ in range(20)]
    # THEN marking fails fast, once, without a back-off per message (the next poll catches up)
    assert results == [False] * 20 and sleeps == []
    assert DONE_KEYWORD not in dovecot.flags(uid)


def test_bodies_per_fetch_are_capped_by_size(dovecot):
    # GIVEN five mails of about 1 MB and a 1.5 MB cap per FETCH (batch_size alone would take all five)
    uids = [dovecot.append(make_mail(i, size=1_000_000)) for i in range(5)]
    caller = Recorder()
    source = _source(dovecot, batch_size=50, batch_bytes=1_500_000)
    with source:
        got = [m.uid for m in source.fetch_new(caller.is_done) if not caller.take(m)]
    # THEN all five arrive, and no single FETCH brought more than one of them
    assert got == uids
    assert 1_000_000 < source.largest_fetch < 1_500_000
    # AND a mail larger than the cap still comes, alone
    big = dovecot.append(make_mail(9, size=2_000_000))
    with _source(dovecot, batch_bytes=1_500_000) as again:
        assert [m.uid for m in again.fetch_new(caller.is_done)] == [big]
        assert again.largest_fetch > 2_000_000
