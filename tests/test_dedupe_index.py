"""Exact resends are found however many items the unit sent since, and after a schema upgrade."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select

from mailbot import resubmission
from mailbot.db.models import Message, Submission
from mailbot.polling import ingest
from mailbot.runtime import Runtime
from tests.mailbox_helpers import CST, item_mail, write_config

BODY = ("3月2日，长春市卫生局召开全市院前急救体系建设推进会，通报全市急救站点建设进展，"
        "部署下一阶段重点任务。会议要求，年内新建急救站点12个，平均急救反应时间缩短到12分钟以内。")
SUBJECT = "长春市推进院前急救体系建设"
FIRST = datetime(2026, 3, 2, 9, 0, tzinfo=CST)


def _ingest_one(rt: Runtime, folder, name: str, raw: bytes) -> None:
    box = folder / name
    box.mkdir()
    (box / "m.eml").write_bytes(raw)
    ingest(rt, [box], send=False)


def _row(rt: Runtime, message_id: str) -> Submission:
    with rt.db.session() as s:
        row = s.scalar(select(Submission).where(Submission.message_id == f"{message_id}@ccws.example.gov.cn"))
        assert row is not None
        s.expunge(row)
        return row


def test_exact_resend_is_found_behind_more_items_than_the_old_scan_read(tmp_path):
    # GIVEN an item, then 3,500 other accepted items of the same unit over the following weeks
    # (more than the 3,000 most recent rows the dedupe stage used to read)
    rt = Runtime.open(write_config(tmp_path))
    _ingest_one(rt, tmp_path, "first", item_mail(1, subject=SUBJECT, body=BODY, when=FIRST, message_id="orig"))
    original = _row(rt, "orig")
    other = resubmission.fingerprint("另一条信息", "吉林省卫生健康委员会召开全省卫生应急工作会议，部署汛期卫生应急准备。" * 3)
    with rt.db.transaction() as s:
        msg_pk = s.scalar(select(Message.id))
        s.execute(insert(Submission), [
            dict(receipt=f"F{i:05d}", message_pk=msg_pk, status="accepted", unit_id="changchun",
                 sender="xxy@ccws.example.gov.cn", received_at=FIRST + timedelta(days=20, minutes=i),
                 subject=f"其他信息{i}", text="……", fingerprint=other.to_hex(),
                 text_digest=resubmission.text_digest_hex(other.to_hex()),
                 category_reasons=[], attachments=[], notes=[], created_at=FIRST, updated_at=FIRST)
            for i in range(3500)])
    # WHEN the first item is sent again, word for word, two months after it
    _ingest_one(rt, tmp_path, "again", item_mail(2, subject=SUBJECT, body=BODY, when=FIRST + timedelta(days=60),
                                                 message_id="again"))
    # THEN it is a duplicate of the original and earns nothing
    again = _row(rt, "again")
    assert again.status == "duplicate" and again.duplicate_of == original.id
    rt.close()


def test_items_stored_before_the_upgrade_are_found_by_their_digest(tmp_path):
    # GIVEN an item stored by a version without the digest column (schema 0005), then upgraded
    settings = write_config(tmp_path)
    rt = Runtime.open(settings)
    _ingest_one(rt, tmp_path, "first", item_mail(1, subject=SUBJECT, body=BODY, when=FIRST, message_id="orig"))
    original = _row(rt, "orig")
    from alembic import command

    with rt.db.engine.begin() as conn:
        command.downgrade(rt.db._alembic_config(conn), "0005")
    rt.close()
    rt = Runtime.open(settings)
    # WHEN the same text comes again a month later (outside the near-duplicate window)
    _ingest_one(rt, tmp_path, "again", item_mail(2, subject="再报：" + SUBJECT, body=BODY,
                                                 when=FIRST + timedelta(days=30), message_id="again"))
    # THEN the exact resend is found
    again = _row(rt, "again")
    assert again.status == "duplicate" and again.duplicate_of == original.id
    rt.close()
