"""Office commands and units' 查询 are answered, not receipted: they take no receipt number.

GIVEN an item, an office command, a unit's 查询 and another item on one day
WHEN they go through the pipeline
THEN the two items are numbered one after the other (0001, 0002), the command and the query
rows carry a reference of their own (cmd-…, query-…), and neither answer quotes a receipt number.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from mailbot.db.models import OutboxMail, Submission
from tests.helpers_records import ADMIN, feed, make_runtime, write_config

ALPHA = "alpha@alpha.example.gov.cn"
PASS = {"Authentication-Results": "mx.office.example.gov.cn; dkim=pass header.d=office.example.gov.cn "
                                  "header.s=s1; spf=pass smtp.mailfrom=chief@office.example.gov.cn"}
ITEM = ("3月9日，甲市召开全市卫生工作会议，总结2025年工作，部署2026年重点任务。会议要求各地加强基层医疗卫生服务能力建设，"
        "推进紧密型县域医共体建设，确保各项任务落到实处。")


def test_commands_and_queries_take_no_receipt_number(tmp_path):
    rt = make_runtime(write_config(tmp_path), now="2026-03-10 09:00")
    first = feed(rt, ALPHA, "甲市召开全市卫生工作会议", ITEM, "2026-03-10 08:00")
    with rt.db.session() as s:
        a = s.scalar(select(Submission.receipt).where(Submission.message_pk == first.message_pk))
    cmd = feed(rt, ADMIN, f"采用 {a} 省级", "请办理。", "2026-03-10 08:10", headers=PASS)
    query = feed(rt, ALPHA, "查询", "", "2026-03-10 08:20")
    second = feed(rt, ALPHA, "甲市推进智慧医院建设", ITEM.replace("会议", "推进会").replace("召开", "举行"),
                  "2026-03-10 08:30")
    with rt.db.session() as s:
        rows = {r.message_pk: r for r in s.scalars(select(Submission))}
        answers = {m.kind: m for m in s.scalars(select(OutboxMail).where(OutboxMail.kind.in_(["reply", "query"])))}
    # THEN the items are numbered without a gap
    assert (rows[first.message_pk].receipt, rows[second.message_pk].receipt) == ("20260310-0001", "20260310-0002")
    # AND the command and the query are recorded, set aside, under a reference of their own
    assert rows[cmd.message_pk].status == rows[query.message_pk].status == "ignored"
    assert rows[cmd.message_pk].receipt == f"cmd-20260310-{cmd.message_pk}"
    assert rows[query.message_pk].receipt == f"query-20260310-{query.message_pk}"
    # AND the answers quote only the item the command named, no number of their own
    assert set(answers) == {"reply", "query"}
    assert re.findall(r"\d{8}-\d{4}", answers["reply"].body_text + answers["reply"].subject) and \
        set(re.findall(r"\d{8}-\d{4}", answers["reply"].body_text + answers["reply"].subject)) == {a}
    assert "cmd-" not in answers["reply"].body_text and "query-" not in answers["query"].body_text
