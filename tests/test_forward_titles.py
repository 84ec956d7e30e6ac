"""A forwarded item is titled by what it forwards, not by “转发: 会议信息初稿”.

GIVEN an officer forwards a colleague's draft (inline “原始邮件” block, or the message attached)
WHEN it goes through the pipeline
THEN the item's title is the forwarded text's heading, else the forwarded message's own subject,
else the subject without its 转发:/Fwd: prefixes; the receipt quotes that title.
"""

from __future__ import annotations

import os
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from mailbot.db.models import OutboxMail, Submission
from mailbot.pipeline import driver
from mailbot.reading import read_message
from mailbot.sources.base import SourceMessage
from mailbot.text import heading_line
from tests.helpers_records import feed, local, make_runtime, write_config

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MAILBOT_SHARED") or ROOT.parent / "shared")
ALPHA = "alpha@alpha.example.gov.cn"
DRAFT = ("甲市召开2026年全市卫生健康工作会议\n\n3月16日，甲市召开2026年全市卫生健康工作会议，总结2025年工作，部署今年重点任务。"
         "市政府分管副市长出席会议并讲话，市卫生局局长作工作报告。会议要求，今年要重点抓好紧密型医共体建设、公立医院高质量发展。")
PARAGRAPH = DRAFT.split("\n\n", 1)[1]


def _inline_forward(subject: str, inner_subject: str, inner_body: str) -> str:
    return ("信息科：这是我局赵敏同志起草的会议信息，已经领导审核，请审阅采用。\n\n王丽\n\n"
            "------------------ 原始邮件 ------------------\n"
            "发件人: \"赵敏\"<zhaomin@alpha.example.gov.cn>;\n发送时间: 2026年3月17日(星期二) 下午4:12\n"
            f"收件人: \"王丽\"<wangli@alpha.example.gov.cn>;\n主题: {inner_subject}\n\n"
            f"王老师，会议信息初稿请您把关：\n\n{inner_body}")


def _item(rt, result) -> Submission:
    with rt.db.session() as s:
        return s.scalar(select(Submission).where(Submission.message_pk == result.message_pk))


def test_inline_forward_takes_the_drafts_heading(tmp_path):
    rt = make_runtime(write_config(tmp_path), now="2026-03-18 09:00")
    # GIVEN “转发: 会议信息初稿”: a cover note over the colleague's original message, whose text has a heading
    result = feed(rt, ALPHA, "转发: 会议信息初稿", _inline_forward("转发: 会议信息初稿", "会议信息初稿", DRAFT),
                  "2026-03-18 08:35")
    item = _item(rt, result)
    # THEN the item is the forwarded draft, titled by its heading; the cover note is not the item
    assert item.subject == "甲市召开2026年全市卫生健康工作会议"
    assert PARAGRAPH[:40] in item.text and "请审阅采用" not in item.text
    with rt.db.session() as s:
        receipt = s.scalar(select(OutboxMail.subject).where(OutboxMail.kind == "receipt"))
    assert "甲市召开2026年全市卫生健康工作会议" in receipt and "转发" not in receipt


def test_without_a_heading_the_forwarded_subject_then_the_bare_subject(tmp_path):
    rt = make_runtime(write_config(tmp_path), now="2026-03-18 09:00")
    # a forwarded message whose text opens with a paragraph: its own subject is the title
    r1 = feed(rt, ALPHA, "Fwd: 初稿", _inline_forward("Fwd: 初稿", "甲市推进紧密型医共体建设", PARAGRAPH),
              "2026-03-18 08:40")
    assert _item(rt, r1).subject == "甲市推进紧密型医共体建设"
    # a pasted forward (no original-message block): the subject loses its prefixes only
    r2 = feed(rt, ALPHA, "转发：甲市开展健康促进行动", "甲市开展健康促进行动。" + PARAGRAPH.replace("会议", "活动"),
              "2026-03-18 08:50")
    assert _item(rt, r2).subject == "甲市开展健康促进行动"
    # a mail that is no forward keeps its subject as written
    r3 = feed(rt, ALPHA, "甲市卫生工作会议：部署2026年重点任务", DRAFT.replace("会议", "大会"), "2026-03-18 08:55")
    assert _item(rt, r3).subject == "甲市卫生工作会议：部署2026年重点任务"


def test_attached_message_forward_takes_its_subject(tmp_path):
    rt = make_runtime(write_config(tmp_path), now="2026-03-18 09:00")
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "zhaomin@alpha.example.gov.cn", "甲市召开卫生应急演练"
    inner.set_content("3月12日，甲市在市中心医院组织开展突发公共卫生事件卫生应急演练，模拟处置一起聚集性食物中毒事件。"
                      "市卫生局、疾控中心和5家二级以上医院参加，演练检验了信息报告、现场处置和医疗救治各环节。")
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = ALPHA, "xinxi@office.example.gov.cn", "Fwd: 演练稿"
    outer["Message-ID"] = "<fwd-attached@alpha.example.gov.cn>"
    outer.set_content("请查收。")
    outer.add_attachment(inner)
    result = driver.process(rt, SourceMessage("test", "fwd-attached", bytes(outer), local("2026-03-18 08:45")))
    assert _item(rt, result).subject == "甲市召开卫生应急演练"


def test_a_forwarded_correction_stays_a_correction(tmp_path):
    rt = make_runtime(write_config(tmp_path), now="2026-03-18 09:00")
    feed(rt, ALPHA, "甲市召开2026年全市卫生健康工作会议", DRAFT, "2026-03-18 08:00")
    fixed = DRAFT.replace("5家", "6家").replace("公立医院高质量发展", "公立医院高质量发展和基层能力提升")
    result = feed(rt, ALPHA, "转发: 【更正】会议信息", _inline_forward("转发: 【更正】会议信息", "【更正】会议信息", fixed),
                  "2026-03-18 08:30")
    item = _item(rt, result)
    assert item.status == "duplicate" and "更正" in item.subject


@pytest.mark.parametrize("text, heading", [
    (DRAFT, "甲市召开2026年全市卫生健康工作会议"),
    ("王老师，请您把关：\n\n" + DRAFT, "甲市召开2026年全市卫生健康工作会议"),  # a salutation is skipped
    ("已经有俩了\n太烦了\n: 标题: 明天特别闷热", None),  # a chat line over short lines is no heading
    ("2026年3月17日\n\n" + PARAGRAPH, None),  # a date is no heading
    ("请各位领导审阅。\n\n" + PARAGRAPH, None),  # a sentence is no heading
    (PARAGRAPH, None),
])
def test_heading_line(text, heading):
    assert heading_line(text) == heading


@pytest.mark.needs_corpus
def test_real_forward_with_the_message_attached():
    # demisto's test mail: “Fwd: test - inner attachment eml (base64)” carrying a message titled otherwise
    path = SHARED / "corpus/demisto-parse-emails/parse_emails/tests/test_data/eml_contains_base64_eml.eml"
    mail = read_message(path.read_bytes())
    from mailbot.pipeline.parse import item_title

    assert mail.forwarded and mail.subject == "Fwd: test - inner attachment eml (base64)"
    assert item_title(mail, mail.body_text) == "test - inner attachment eml"
