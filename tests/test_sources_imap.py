"""ImapSource against a real Dovecot (tests/servers.py)."""

from __future__ import annotations

import ssl
import time
from datetime import datetime, timedelta, timezone

import pytest

from mailbot.sources.base import SourceMessage
from mailbot.sources.imap import DONE_KEYWORD, ImapSource, SourceError
from tests.servers import DovecotServer, ImapAccount, free_port

BEIJING = timezone(timedelta(hours=8))


def make_mail(n: int, size: int = 0) -> bytes:
    body = (f"第{n}期 工作动态\r\n" + "x" * size + "\r\n").encode("utf-8")
    return (f"From: unit{n}@example.gov.cn\r\nTo: office@example.gov.cn\r\n"
            f"Subject: =?utf-8?b?5pS/5Yqh5L+h5oGv?= {n}\r\n"
            f"Message-ID: <m{n}@example.gov.cn>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n").encode() + body


class Recorder:
    """A caller that records what it has done, as the pipeline does with its database."""

    def __init__(self) -> None:
        self.done: set[tuple[int, int]] = set()
        self.asked: list[SourceMessage] = []

    def is_done(self, msg: SourceMessage) -> bool:
        self.asked.append(msg)
        return (msg.uidvalidity, msg.uid) in self.done

    def take(self, msg: SourceMessage) -> None:
        self.done.add((msg.uidvalidity, msg.uid))


def source_for(account: ImapAccount, **kwargs) -> ImapSource:
    kwargs.setdefault("sleep", lambda seconds: None)
    return ImapSource(account.host, kwargs.pop("port", account.port), account.username,
                      account.password, tls=kwargs.pop("tls", False), **kwargs)


@pytest.fixture
def far_local_timezone(monkeypatch):
    """Run with a local zone far from the server's, so naive local times would show."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_fetch_new_yields_raw_bytes_and_internaldate_without_setting_seen(dovecot,
                                                                         far_local_timezone):
    # GIVEN two messages with known arrival times
    arrived = [datetime(2026, 3, 2, 9, 30, tzinfo=BEIJING), datetime(2026, 3, 31, 23, 59,
                                                                          tzinfo=BEIJING)]
    uids = [dovecot.append(make_mail(i), internaldate=t) for i, t in enumerate(arrived)]
    caller = Recorder()
    # WHEN the source is polled
    with source_for(dovecot) as source:
        got = list(source.fetch_new(caller.is_done))
    # THEN both come, oldest first, with the exact bytes and tz-aware INTERNALDATE
    assert [m.uid for m in got] == uids
    assert [m.key for m in got] == [str(u) for u in uids]
    assert [m.raw for m in got] == [make_mail(0), make_mail(1)]
    assert [m.arrived_at for m in got] == arrived
    assert all(m.arrived_at.utcoffset() is not None for m in got)
    assert got[0].mailbox == f"imap:{dovecot.username}@127.0.0.1/INBOX"
    assert got[0].uidvalidity == dovecot.uidvalidity() > 0
    assert "\\Seen" not in dovecot.flags(uids[0])  # BODY.PEEK


def test_done_uids_are_asked_without_body_and_not_downloaded(dovecot):
    uids = [dovecot.append(make_mail(i)) for i in range(4)]
    caller = Recorder()
    uidvalidity = dovecot.uidvalidity()
    caller.done = {(uidvalidity, uids[0]), (uidvalidity, uids[2])}
    with source_for(dovecot) as source:
        got = [m.uid for m in source.fetch_new(caller.is_done)]
    assert got == [uids[1], uids[3]]
    assert sorted(m.uid for m in caller.asked) == uids
    assert all(m.raw == b"" for m in caller.asked)
    # Dovecot's own count of bodies sent: only the two not done
    log = dovecot.wait_for_log("body_count=2")
    assert "body_count=2" in log and "body_count=4" not in log


def test_id_command_is_sent(dovecot):
    dovecot.append(make_mail(1))
    with source_for(dovecot, client_id={"name": "mailbot", "version": "9.9"}) as source:
        assert len(list(source.fetch_new(lambda m: False))) == 1
    assert "ID sent: name=mailbot, version=9.9" in dovecot.wait_for_log("ID sent")


def test_mark_done_sets_the_keyword_and_leaves_unread_mail_unread(dovecot):
    # GIVEN an unread message and one the clerk has already read in her mail client
    uid = dovecot.append(make_mail(1))
    read = dovecot.append(make_mail(2), flags=["\\Seen"])
    with source_for(dovecot) as source:
        done = list(source.fetch_new(lambda m: False))
        assert [m.uid for m in done] == [uid, read]
        assert all(source.mark_done(m) for m in done)
    # THEN both carry mailbot's keyword and each keeps its own \Seen state
    assert DONE_KEYWORD in dovecot.flags(uid) and "\\Seen" not in dovecot.flags(uid)
    assert {"\\Seen", DONE_KEYWORD} <= dovecot.flags(read)


def test_a_group_is_flagged_in_one_command_and_moved_in_one(dovecot):
    # GIVEN six fetched messages
    uids = [dovecot.append(make_mail(n)) for n in range(6)]
    with source_for(dovecot) as source:
        done = list(source.fetch_new(lambda m: False))
        sent: list[list[int]] = []
        real = source._client.add_flags
        source._client.add_flags = lambda ids, flags: (sent.append(list(ids)), real(ids, flags))[1]
        # WHEN the group of the first five is marked done
        assert source.mark_done_many(done[:5]) is True
    # THEN one STORE names the five, each carries the keyword, and the sixth is untouched
    assert sent == [uids[:5]]
    assert all(DONE_KEYWORD in dovecot.flags(u) for u in uids[:5]) and DONE_KEYWORD not in dovecot.flags(uids[5])


def test_mark_seen_true_marks_processed_mail_read(dovecot):
    uid = dovecot.append(make_mail(1))
    other = dovecot.append(make_mail(2))
    with source_for(dovecot, mark_seen=True) as source:
        first = next(iter(source.fetch_new(lambda m: False)))
        assert first.uid == uid
        assert source.mark_done(first) is True
    assert {"\\Seen", DONE_KEYWORD} <= dovecot.flags(uid)
    assert "\\Seen" not in dovecot.flags(other)


def test_done_but_unmarked_messages_are_marked_on_the_next_poll(dovecot):
    # GIVEN a message recorded by the caller whose mark was lost (crash after commit)
    uid = dovecot.append(make_mail(1))
    fresh = dovecot.append(make_mail(2))
    with source_for(dovecot) as source:
        got = [m.uid for m in source.fetch_new(lambda m: m.uid == uid)]
    # THEN it is flagged now and not fetched; the new one is fetched and left alone
    assert got == [fresh]
    assert DONE_KEYWORD in dovecot.flags(uid)
    assert "\\Seen" not in dovecot.flags(uid) and "\\Seen" not in dovecot.flags(fresh)


def test_mark_done_moves_to_processed_folder_created_on_demand(dovecot):
    uids = [dovecot.append(make_mail(i)) for i in range(3)]
    with source_for(dovecot, processed_folder="已处理") as source:
        for msg in source.fetch_new(lambda m: False):
            if msg.uid != uids[1]:
                assert source.mark_done(msg)
    assert "已处理" in dovecot.folders()
    assert dovecot.uids("INBOX") == [uids[1]]
    assert len(dovecot.uids("已处理")) == 2


def test_move_falls_back_to_copy_and_uid_expunge_without_move_capability():
    # GIVEN a server that does not advertise MOVE, and a clerk's own \Deleted message
    server = DovecotServer(capability="IMAP4rev1 LITERAL+ UIDPLUS ID IDLE NAMESPACE").start()
    try:
        account = server.add_account()
        clerks = account.append(make_mail(0), flags=["\\Deleted"])
        ours = account.append(make_mail(1))
        with source_for(account, processed_folder="Done") as source:
            msgs = [m for m in source.fetch_new(lambda m: False) if m.uid == ours]
            assert not source._client.has_capability("MOVE")
            assert source.mark_done(msgs[0])
        # THEN ours moved, the clerk's deleted-but-not-expunged message untouched
        assert account.uids("INBOX") == [clerks]
        assert len(account.uids("Done")) == 1
        assert "MOVE" not in server.log_text()
    finally:
        server.stop()


def test_cut_in_the_middle_of_a_batch_reconnects_and_yields_each_message_once(dovecot):
    # GIVEN 7 messages of ~3 KB and a proxy that will cut inside the second FETCH
    uids = [dovecot.append(make_mail(i, size=3000)) for i in range(7)]
    proxy = dovecot.proxy()
    caller, sleeps, seen = Recorder(), [], []
    source = source_for(dovecot, port=proxy.port, batch_size=3, sleep=sleeps.append)
    with source:
        for msg in source.fetch_new(caller.is_done):
            seen.append(msg.uid)
            caller.take(msg)
            if len(seen) == 1:
                proxy.cut_after(4000)  # batch 1 is in memory; batch 2 is cut after ~1 message
    assert proxy.cuts == 1
    assert proxy.connections == 2
    assert source.reconnects == 1
    assert sleeps == [2.0]
    assert seen == uids
    assert "Connection closed (UID FETCH" in dovecot.wait_for_log("Connection closed (UID FETCH")


def test_connection_dropped_between_polls_is_reopened(dovecot):
    first = dovecot.append(make_mail(1))
    caller = Recorder()
    with source_for(dovecot) as source:
        for msg in source.fetch_new(caller.is_done):
            caller.take(msg)
        dovecot.kill_connections()  # the server hangs up the idle connection
        second = dovecot.append(make_mail(2))
        got = [m.uid for m in source.fetch_new(caller.is_done)]
        assert source.mark_done(SourceMessage("x", str(first), b"", None, dovecot.uidvalidity(),
                                              first))
    assert got == [second]
    assert source.reconnects == 1


def test_unreachable_server_raises_source_error_after_bounded_backoff():
    sleeps: list[float] = []
    source = ImapSource("127.0.0.1", free_port(), "u", "p", tls=False, max_attempts=4,
                        backoff=1.5, sleep=sleeps.append, timeout=2)
    with pytest.raises(SourceError, match="cannot connect after 4 attempts"):
        list(source.fetch_new(lambda m: False))
    assert sleeps == [1.5, 3.0, 6.0]


def test_wrong_password_is_refused_at_once(dovecot):
    sleeps: list[float] = []
    source = ImapSource(dovecot.host, dovecot.port, dovecot.username, "wrong", tls=False,
                        sleep=sleeps.append)
    with pytest.raises(SourceError, match="login refused"):
        list(source.fetch_new(lambda m: False))
    assert sleeps == []


def test_unknown_folder_is_a_source_error(dovecot):
    source = source_for(dovecot, folder="NoSuchFolder")
    with pytest.raises(SourceError, match="NoSuchFolder"):
        list(source.fetch_new(lambda m: False))


def test_uidvalidity_change_brings_every_message_again(dovecot):
    for i in range(3):
        dovecot.append(make_mail(i))
    caller = Recorder()
    with source_for(dovecot) as source:
        before = list(source.fetch_new(caller.is_done))
        for msg in before:
            caller.take(msg)
            source.mark_done(msg)
        assert list(source.fetch_new(caller.is_done)) == []
        new_validity = dovecot.reset_uidvalidity()
        after = list(source.fetch_new(caller.is_done))
        # a message of the old numbering is not flagged under the new one
        assert source.mark_done(before[0]) is False
    assert {m.uidvalidity for m in after} == {new_validity}
    assert new_validity != before[0].uidvalidity
    assert sorted(m.raw for m in after) == sorted(m.raw for m in before)


def test_two_polls_at_once_are_refused(dovecot):
    dovecot.append(make_mail(1))
    dovecot.append(make_mail(2))
    with source_for(dovecot) as one, source_for(dovecot) as two:
        running = one.fetch_new(lambda m: False)
        next(running)
        with pytest.raises(SourceError, match="already running"):
            next(iter(two.fetch_new(lambda m: False)))
        assert len(list(running)) == 1
        assert len(list(two.fetch_new(lambda m: False))) == 2  # lock released


def test_tls_refuses_untrusted_certificate_and_works_with_its_ca(dovecot):
    dovecot.append(make_mail(1))
    port = dovecot.server.tls_port
    untrusted = source_for(dovecot, port=port, tls=True)
    with pytest.raises(SourceError, match="certificate not trusted"):
        list(untrusted.fetch_new(lambda m: False))
    context = ssl.create_default_context(cafile=str(dovecot.server.ca_file))
    with source_for(dovecot, port=port, tls=True, ssl_context=context) as source:
        assert [m.raw for m in source.fetch_new(lambda m: False)] == [make_mail(1)]
    assert ", TLS," in dovecot.wait_for_log(", TLS,")
