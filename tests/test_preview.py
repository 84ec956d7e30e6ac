"""``--preview DIR`` on every command that sends mail (CONTRACT.md): the command's own code runs,
what it would send is written into DIR (.eml, .html, attachments), and nothing is recorded or sent.

GIVEN a mailbox with an item, an unassigned item and mail waiting in the outbox
WHEN a sending command runs with --preview DIR
THEN DIR holds the mails it would send (both parts, readable), the database is as it was, the
file outbox got nothing, and the same command without --preview then does for real what was shown.
"""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from mailbot.cli import main
from mailbot.db.models import Message, OutboxMail, ScoreEvent, Submission
from tests.helpers_records import feed, local, make_runtime, receipt_of, write_config
from tests.mail_parts import disagreement, parse, parts

ALPHA = "alpha@alpha.example.gov.cn"
STRANGER = "wang.li@mail.example.com"
BODY = ("2月3日，甲市召开全市卫生工作会议，总结2025年工作，部署2026年重点任务。会议要求各地加强基层医疗卫生服务能力建设，"
        "推进紧密型县域医共体建设，确保各项任务落到实处。")


def run(cfg, *args: str):
    r = CliRunner().invoke(main, ["--config", str(cfg), *args])
    assert r.exit_code == 0, r.output
    return r


def snapshot(rt) -> dict[str, object]:
    """Everything a preview must leave alone: rows of every kind, and what the outbox sent."""
    with rt.db.session() as s:
        return {"messages": s.scalar(select(func.count(Message.id))),
                "submissions": sorted(s.execute(select(Submission.receipt, Submission.status, Submission.unit_id)).all()),
                "events": s.scalar(select(func.count(ScoreEvent.id))),
                "outbox": sorted(s.execute(select(OutboxMail.id, OutboxMail.sent_at)).all())}


def previewed(folder) -> dict[str, EmailMessage]:
    """The .eml files written, parsed; each has an HTML part that agrees with its text part and a .html beside it."""
    mails = {}
    for eml in sorted(folder.glob("*.eml")):
        msg = parse(eml.read_bytes())
        text, html = parts(msg)
        only_text, only_html = disagreement(text, html)
        assert not only_text and not only_html, (eml.name, only_text, only_html)
        assert eml.with_suffix(".html").read_text(encoding="utf-8").strip() == html.strip()
        mails[eml.stem] = msg
    return mails


@pytest.fixture(params=["sqlite", "postgresql"])
def office(request, tmp_path):
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    cfg = write_config(tmp_path, db_url=url)
    rt = make_runtime(cfg, now="2026-02-10 09:00")
    feed(rt, ALPHA, "甲市召开全市卫生工作会议", BODY, "2026-02-03 10:00")
    stray = receipt_of(rt, feed(rt, STRANGER, "关于基层卫生服务的信息", BODY.replace("甲市", "某县"), "2026-02-04 10:00"))
    yield cfg, rt, stray
    rt.close()


def test_digest_preview_writes_the_digest_and_sends_nothing(office, tmp_path):
    cfg, rt, _ = office
    before = snapshot(rt)
    run(cfg, "digest", "--week", "2026-W06", "--preview", str(tmp_path / "p"))
    mails = previewed(tmp_path / "p")
    [(stem, msg)] = mails.items()
    assert stem == "01-digest-2026-W06" and msg["To"] == "xinxike@office.example.gov.cn"
    assert "信息周报" in msg["Subject"] and "甲市召开全市卫生工作会议" in parts(msg)[0]
    assert snapshot(rt) == before and not list((tmp_path / "outbox").glob("*.eml"))
    # AND the real run then queues and sends that digest
    run(cfg, "digest", "--week", "2026-W06")
    with rt.db.session() as s:
        sent = s.scalar(select(OutboxMail).where(OutboxMail.kind == "digest"))
        assert sent.sent_at is not None and sent.subject == str(msg["Subject"])


def test_assign_preview_shows_the_receipt_and_records_nothing(office, tmp_path):
    cfg, rt, stray = office
    before = snapshot(rt)
    r = run(cfg, "assign", stray, "alpha", "--preview", str(tmp_path / "p"))
    assert "预览" in r.output
    [(stem, msg)] = previewed(tmp_path / "p").items()
    assert stem == f"01-receipt-{stray}" and msg["To"] == STRANGER
    assert "甲市卫生局" in parts(msg)[0] and stray in msg["Subject"]
    assert snapshot(rt) == before  # still unassigned, no points, nothing queued or sent
    run(cfg, "assign", stray, "alpha")
    with rt.db.session() as s:
        assert s.scalar(select(Submission.unit_id).where(Submission.receipt == stray)) == "alpha"


def test_remind_preview_writes_one_mail_per_unit_behind(office, tmp_path):
    cfg, rt, _ = office
    before = snapshot(rt)
    run(cfg, "remind", "--as-of", "2026-03-31", "--preview", str(tmp_path / "p"))
    mails = previewed(tmp_path / "p")
    # every unit is behind on 31 March (one item of 13 due, or none): one mail each, to its own address
    assert sorted(stem.split("-", 2)[2].split("_")[0] for stem in mails) == ["alpha", "beta", "gamma"]
    assert all(m["To"].startswith(unit) for unit, m in zip(("alpha@", "beta@", "gamma@"), mails.values(), strict=True))
    assert all("催报" in m["Subject"] or "零报送" in m["Subject"] for m in mails.values())
    assert snapshot(rt) == before and not list((tmp_path / "outbox").glob("*.eml"))


def _eml(subject: str, when: str, sender: str = ALPHA, body: str = BODY) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, "xinxi@office.example.gov.cn", subject
    m["Date"] = format_datetime(local(when))
    m["Message-ID"] = f"<{abs(hash((subject, when)))}@alpha.example.gov.cn>"
    m.set_content(body)
    return bytes(m)


def test_ingest_preview_shows_the_receipt_it_would_give(office, tmp_path):
    cfg, rt, _ = office
    eml = tmp_path / "new.eml"
    eml.write_bytes(_eml("甲市推进智慧医院建设", "2026-02-09 10:00", body=BODY.replace("会议", "推进会")))
    before = snapshot(rt)
    run(cfg, "ingest", str(eml), "--preview", str(tmp_path / "p"))
    [(stem, msg)] = previewed(tmp_path / "p").items()
    assert stem.startswith("01-receipt-") and "甲市推进智慧医院建设" in msg["Subject"]
    assert snapshot(rt) == before
    # AND a real ingest gives that very receipt number (the preview's number was given back)
    run(cfg, "ingest", str(eml))
    receipt = stem.removeprefix("01-receipt-")
    with rt.db.session() as s:
        assert s.scalar(select(Submission.subject).where(Submission.receipt == receipt)) == "甲市推进智慧医院建设"


def test_poll_preview_leaves_the_mailbox_as_it_was(office, tmp_path):
    cfg, rt, _ = office
    # mail received since the start of 2026 is answered (a first poll back-fills older mail quietly)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('path = "mail"\n', 'path = "mail"\nbackfill_before = 2026-01-01\n'),
                   encoding="utf-8")
    box = mailbox.Maildir(tmp_path / "mail", create=True)
    box.add(_eml("甲市开展卫生应急演练", "2026-02-09 11:00", body=BODY.replace("会议", "演练")))
    before = snapshot(rt)
    r = run(cfg, "poll", "--preview", str(tmp_path / "p"))
    assert "1 new message" in r.output
    [(_, msg)] = previewed(tmp_path / "p").items()
    assert "甲市开展卫生应急演练" in msg["Subject"]
    assert snapshot(rt) == before
    assert len(list((tmp_path / "mail" / "new").iterdir())) == 1  # not moved to cur/: the next poll takes it
    r = run(cfg, "poll")
    assert "1 new message" in r.output and len(list((tmp_path / "outbox").glob("*-receipt.eml"))) >= 1


def test_nothing_to_send_is_said_and_nothing_written(office, tmp_path):
    cfg, _rt, _ = office
    run(cfg, "digest", "--week", "2026-W06")
    r = run(cfg, "digest", "--week", "2026-W06", "--preview", str(tmp_path / "p"))
    assert "不会重复发送" in r.output and "没有要发送的邮件" in r.output
    assert not (tmp_path / "p").exists() or not list((tmp_path / "p").iterdir())


def test_tally_draft_and_release_previews_record_nothing(office, tmp_path):
    from mailbot.db.models import TallyRelease

    cfg, rt, _ = office
    before = snapshot(rt)
    # the office's draft for review: one mail, with the workbook beside it
    run(cfg, "tally", "--period", "2026Q1", "--draft", "--preview", str(tmp_path / "draft"))
    [(stem, msg)] = previewed(tmp_path / "draft").items()
    assert msg["To"] == "xinxike@office.example.gov.cn" and "草稿" in parts(msg)[0]
    assert [p.suffix for p in (tmp_path / "draft").glob(f"{stem}-*")] == [".xlsx"]
    # the release: each unit's copy and the office's
    run(cfg, "tally", "--period", "2026Q1", "--send", "--preview", str(tmp_path / "send"))
    sent = previewed(tmp_path / "send")
    assert {m["To"].split(",")[0].split("@")[0] for m in sent.values()} >= {"alpha", "beta", "gamma", "xinxike"}
    assert snapshot(rt) == before
    with rt.db.session() as s:
        assert s.scalar(select(func.count()).select_from(TallyRelease)) == 0  # neither drafted nor released


def test_adoption_notices_preview(office, tmp_path):
    cfg, rt, _ = office
    with rt.db.session() as s:
        item = s.scalar(select(Submission.receipt).where(Submission.unit_id == "alpha"))
    run(cfg, "adopt", item, "--level", "province", "--date", "2026-02-12")
    before = snapshot(rt)
    run(cfg, "notices", "--preview", str(tmp_path / "p"))
    [(_, msg)] = previewed(tmp_path / "p").items()
    assert "采用通知" in msg["Subject"] and item in parts(msg)[0]
    assert snapshot(rt) == before
