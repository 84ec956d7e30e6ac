"""MaildirSource and the ingest path reader (files.py), on real files."""

from __future__ import annotations

import email
import os
from pathlib import Path

import pytest

from benchmarks.shared_corpus import corpus_dir
from mailbot.sources.base import SourceMessage
from mailbot.sources.files import count_paths, is_mbox, iter_paths
from mailbot.sources.imap import SourceError
from mailbot.sources.maildir import MaildirSource

CORPUS = corpus_dir()
MBOX_DIR = CORPUS / "mimekit-testdata/UnitTests/TestData/mbox"
CPYTHON_MBOX = CORPUS / "cpython-test_email/Lib/test/test_email/data/mailbox_01.mbox"

needs_corpus = pytest.mark.skipif(not MBOX_DIR.is_dir(), reason="shared corpus not present")


def mail(n: int) -> bytes:
    return f"From: a{n}@example.cn\nSubject: s{n}\nMessage-ID: <{n}@x>\n\nbody {n}\n".encode()


def subjects(msgs: list[SourceMessage]) -> list[str | None]:
    return [email.message_from_bytes(m.raw)["subject"] for m in msgs]


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    """A Maildir with new/cur/tmp, a Maildir++ subfolder and server housekeeping files."""
    root = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"):
        (root / sub).mkdir(parents=True)
    (root / "new" / "1700000001.M1P1.host").write_bytes(mail(1))
    (root / "cur" / "1700000000.M0P1.host:2,S").write_bytes(mail(0))
    (root / "tmp" / "1700000002.M2P1.host").write_bytes(mail(99))  # delivery in progress
    (root / ".Sent" / "cur" / "1700000003.M3P1.host:2,S").write_bytes(mail(3))
    (root / "dovecot-uidlist").write_text("3 V1 N1\n")
    (root / "subscriptions").write_text("Sent\n")
    return root


def test_maildir_yields_cur_new_and_subfolders_but_not_tmp(maildir):
    source = MaildirSource(maildir)
    got = list(source.fetch_new(lambda m: False))
    assert sorted(m.key for m in got) == [".Sent/1700000003.M3P1.host", "1700000000.M0P1.host",
                                          "1700000001.M1P1.host"]
    assert sorted(subjects(got)) == ["s0", "s1", "s3"]
    assert {m.mailbox for m in got} == {f"maildir:{maildir.resolve()}"}
    assert all(m.arrived_at is None and m.uid == 0 for m in got)


def test_maildir_key_survives_a_mail_client_moving_and_flagging_the_file(maildir):
    # GIVEN a message seen once in new/
    source = MaildirSource(maildir)
    done = {m.key for m in source.fetch_new(lambda m: False)}
    # WHEN a mail client moves it to cur/ and flags it
    os.rename(maildir / "new" / "1700000001.M1P1.host",
              maildir / "cur" / "1700000001.M1P1.host:2,RS")
    # THEN it is still known as done
    assert list(source.fetch_new(lambda m: m.key in done)) == []


def test_maildir_asks_is_done_before_reading_and_never_changes_the_folder(maildir):
    before = sorted((p, p.stat().st_mtime_ns) for p in maildir.rglob("*"))
    asked: list[SourceMessage] = []

    def is_done(msg: SourceMessage) -> bool:
        asked.append(msg)
        return msg.key == "1700000000.M0P1.host"

    source = MaildirSource(maildir)
    got = list(source.fetch_new(is_done))
    for msg in got:
        assert source.mark_done(msg)
    assert len(asked) == 3 and all(m.raw == b"" for m in asked)
    assert "1700000000.M0P1.host" not in [m.key for m in got] and len(got) == 2
    assert sorted((p, p.stat().st_mtime_ns) for p in maildir.rglob("*")) == before


def test_folder_of_eml_files_is_read_recursively(tmp_path):
    (tmp_path / "2026" / "03").mkdir(parents=True)
    (tmp_path / "2026" / "03" / "a.eml").write_bytes(mail(1))
    (tmp_path / "b.EML").write_bytes(mail(2))
    (tmp_path / "notes.txt").write_text("not mail")
    (tmp_path / ".hidden.eml").write_bytes(mail(3))
    got = list(MaildirSource(tmp_path).fetch_new(lambda m: False))
    assert [m.key for m in got] == ["b.EML", "2026/03/a.eml"]
    assert [m.raw for m in got] == [mail(2), mail(1)]


def test_missing_maildir_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="no such folder"):
        list(MaildirSource(tmp_path / "nope").fetch_new(lambda m: False))


def test_maildir_written_by_dovecot_is_read(dovecot):
    # GIVEN a real Maildir with Dovecot's index, uidlist and keyword files beside the mail
    dovecot.append(mail(1))
    dovecot.append(mail(2))
    got = list(MaildirSource(dovecot.maildir()).fetch_new(lambda m: False))
    assert sorted(m.raw.replace(b"\r\n", b"\n") for m in got) == [mail(1), mail(2)]


@needs_corpus
def test_mbox_messages_get_their_index_as_key():
    got = list(iter_paths([MBOX_DIR / "simple.mbox.txt"]))
    assert [m.key for m in got] == ["0", "1", "2"]
    assert {m.mailbox for m in got} == {f"file:{(MBOX_DIR / 'simple.mbox.txt').resolve()}"}
    assert subjects(got) == ["this'll probably break a lot of mime parsers",
                             "this'll probably break even more mime parsers",
                             "if a mime parser can correctly handle this, I'm impressed"]
    assert not any(m.raw.startswith(b"From ") for m in got)


@needs_corpus
def test_unquoted_from_in_a_body_does_not_split_the_message():
    # "From Russia with love" inside a body; the file also starts with a UTF-8 BOM
    got = list(iter_paths([MBOX_DIR / "unmunged.mbox.txt"]))
    assert subjects(got) == ["This is a test message with an unmunged From line",
                             "Another test message with an unmunged From line"]
    assert b"From Russia with love" in got[0].raw
    one = list(iter_paths([CPYTHON_MBOX]))
    assert len(one) == 1 and one[0].raw.endswith(b"From time to time\n")


@needs_corpus
def test_mbox_without_blank_lines_before_from_lines_and_count(tmp_path):
    path = MBOX_DIR / "content-length.mbox.txt"
    got = list(iter_paths([path]))
    assert len(got) == 29 == count_paths([path])
    assert subjects(got)[0] == "Re: mailusr1@navstar1 3.0b6gold #1"


def test_mbox_detected_by_content_and_eml_by_default(tmp_path):
    box = tmp_path / "archive"
    box.write_bytes(b"From a@b Mon Jan  5 10:00:00 2026\n" + mail(1) + b"\n"
                    b"From a@b Mon Jan  5 11:00:00 2026\n" + mail(2))
    single = tmp_path / "message"
    single.write_bytes(mail(3))
    assert is_mbox(box) and not is_mbox(single)
    got = list(iter_paths([box, single]))
    assert [(m.key, m.raw) for m in got] == [("0", mail(1)), ("1", mail(2)), ("message", mail(3))]
    assert count_paths([box, single]) == 3


def test_ingest_folder_mixes_maildir_eml_and_mbox_and_count_matches(tmp_path, maildir):
    (tmp_path / "old.eml").write_bytes(mail(5))
    (tmp_path / "export.mbox").write_bytes(b"From - \n" + mail(6) + b"\nFrom - \n" + mail(7))
    got = list(iter_paths([tmp_path]))
    keys = [m.key for m in got]
    assert "Maildir/1700000001.M1P1.host" in keys and "Maildir/.Sent/1700000003.M3P1.host" in keys
    assert "old.eml" in keys and "export.mbox#0" in keys and "export.mbox#1" in keys
    assert not any("tmp" in k for k in keys)
    assert len(got) == 6 == count_paths([tmp_path])
    assert {m.mailbox for m in got} == {f"file:{tmp_path.resolve()}"}


def test_missing_path_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.eml"):
        list(iter_paths([tmp_path / "nope.eml"]))
