"""A day's first receipt number continues from the numbers older data already gave out that day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert

from mailbot.db.models import Message, Submission
from mailbot.receipts import next_receipt
from mailbot.runtime import Runtime
from tests.mailbox_helpers import CST, write_config


def _stored(rt: Runtime, receipts: list[str]) -> None:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=CST)
    with rt.db.transaction() as s:
        msg = Message(mailbox="old", source_key="1", body_hash="0" * 64, raw_sha256="0" * 64, raw_path="-",
                      status="processed")
        s.add(msg)
        s.flush()
        s.execute(insert(Submission), [dict(receipt=r, message_pk=msg.id, status="accepted", received_at=at,
                                            created_at=at, updated_at=at, category_reasons=[], attachments=[],
                                            notes=[]) for r in receipts])


def test_first_number_of_a_day_follows_that_days_stored_receipts_only(tmp_path):
    # GIVEN receipts stored without a counter (older data): two days, one past 9999, and other kinds
    rt = Runtime.open(write_config(tmp_path))
    _stored(rt, ["20260302-0041", "20260302-0007", "20260303-0099", "20260304-9999", "20260304-10004",
                 "cmd-20260302-5", "query-20260302-9"])
    # WHEN numbers are taken on those days and a new one
    with rt.db.transaction() as s:
        taken = [next_receipt(s, date(2026, 3, 2)), next_receipt(s, date(2026, 3, 2)),
                 next_receipt(s, date(2026, 3, 4)), next_receipt(s, date(2026, 3, 5))]
    # THEN each day continues after its own highest number
    assert taken == ["20260302-0042", "20260302-0043", "20260304-10005", "20260305-0001"]
    rt.close()
