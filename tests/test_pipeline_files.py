"""The pipeline on files (ingest, Maildir source): attribution, noise, resends, quarantine, retry."""

from __future__ import annotations

import io
import sys
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest
from sqlalchemy import select

from mailbot.db.models import Message, ScoreEvent, Submission
from mailbot.pipeline import parse as parse_stage
from mailbot.polling import ingest, poll
from mailbot.reports.listing import list_submissions
from mailbot.retraining import load_classifier
from mailbot.runtime import Runtime
from mailbot.text import comparable
from tests.mailbox_helpers import item_mail, write_config


@pytest.fixture
def rt(tmp_path):
    return Runtime.open(write_config(tmp_path))


def _drop(tmp_path, name: str, raw: bytes):
    path = tmp_path / "mail" / name
    path.write_bytes(raw)
    return path


def _rows(rt):
    return {(r["message_id"] or "").split("@")[0]: r for r in list_submissions(rt)}


def test_unit_from_subject_body_and_unknown(rt, tmp_path):
    # GIVEN mail from personal addresses naming the unit in the subject or the body, and one naming none
    _drop(tmp_path, "a.eml", item_mail(1, sender="zhang123@qq.com", subject="【吉林市卫生局】全市开展爱国卫生月活动",
                                       message_id="a"))
    _drop(tmp_path, "b.eml", item_mail(2, sender="li@126.com", subject="医疗质量提升行动进展",
                                       body="报送单位：厅医政处\n签发人：张三\n\n全省医疗质量提升行动稳步推进，各地完成自查。",
                                       message_id="b"))
    _drop(tmp_path, "c.eml", item_mail(3, sender="nobody@example.net", subject="你好", body="一些与工作无关的内容。",
                                       message_id="c"))
    # WHEN the maildir source is polled
    poll(rt)
    rows = _rows(rt)
    # THEN the unit and how it was found are recorded; the unknown one is unassigned, without points
    assert (rows["a"]["unit"], rows["a"]["unit_via"], rows["a"]["status"]) == ("jilin", "subject", "accepted")
    assert (rows["b"]["unit"], rows["b"]["unit_via"]) == ("yizheng", "body")
    assert (rows["c"]["unit"], rows["c"]["status"], rows["c"]["points"]) == (None, "unassigned", 0)
    assert rows["a"]["points"] == 2


def test_resend_is_duplicate_and_correction_replaces_text(rt, tmp_path):
    # GIVEN an item, the same item again under a new Message-ID, and a 【更正】 copy with new figures
    body = ("3月2日，长春市卫生局召开全市院前急救体系建设推进会，通报全市急救站点建设进展，"
            "部署下一阶段重点任务。会议要求，年内新建急救站点12个，平均急救反应时间缩短到12分钟以内。")
    _drop(tmp_path, "1.eml", item_mail(1, subject="长春市推进院前急救体系建设", body=body, message_id="orig"))
    _drop(tmp_path, "2.eml", item_mail(2, subject="长春市推进院前急救体系建设", body=body, message_id="again"))
    corrected = body.replace("12个", "15个")
    _drop(tmp_path, "3.eml", item_mail(3, subject="【更正】长春市推进院前急救体系建设", body=corrected, message_id="fix"))
    # WHEN ingested
    ingest(rt, [tmp_path / "mail"])
    rows = _rows(rt)
    # THEN the resend and the correction are duplicates of the original, earning nothing more
    assert rows["orig"]["status"] == "accepted" and rows["orig"]["points"] == 2
    assert rows["again"]["status"] == "duplicate" and rows["again"]["duplicate_of"] == rows["orig"]["receipt"]
    assert rows["fix"]["status"] == "duplicate" and rows["fix"]["points"] == 0
    # AND the original now carries the corrected text; the 更正 copy is marked as one, the plain resend not
    with rt.db.session() as s:
        original = s.scalar(select(Submission).where(Submission.message_id.like("orig@%")))
        marked = {m.split("@")[0]: c for m, c in s.execute(select(Submission.message_id, Submission.correction))}
    assert "15个" in original.text and "12个" not in original.text
    assert marked == {"orig": False, "again": False, "fix": True}


def test_same_file_twice_and_same_message_elsewhere_recorded_once(rt, tmp_path):
    # GIVEN a message polled from the maildir, then the same files ingested as a back-fill
    _drop(tmp_path, "1.eml", item_mail(1))
    poll(rt)
    # WHEN the same message is ingested again, and again
    ingest(rt, [tmp_path / "mail"])
    report = ingest(rt, [tmp_path / "mail"])
    # THEN there is still one submission and one receipt
    assert report.outcomes["known"] == 1
    assert len(list_submissions(rt)) == 1
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_unreadable_message_is_quarantined_kept_raw_and_retried(rt, tmp_path, monkeypatch):
    # GIVEN a stage that fails for one message (e.g. a reader bug), and a good message after it
    original = parse_stage.read_message

    def flaky(raw, *a, **k):
        if b"boom" in raw:
            raise RuntimeError("reader crashed")
        return original(raw, *a, **k)

    monkeypatch.setattr(parse_stage, "read_message", flaky)
    _drop(tmp_path, "1.eml", item_mail(1, body="这条信息会让读取器出错 boom。", message_id="bad"))
    _drop(tmp_path, "2.eml", item_mail(2, message_id="good"))
    # WHEN ingested
    report = ingest(rt, [tmp_path / "mail"])
    rows = _rows(rt)
    # THEN the failing one is quarantined with its error and raw bytes kept; the other is accepted
    assert report.statuses == {"quarantined": 1, "accepted": 1}
    assert rows["bad"]["status"] == "quarantined" and "reader crashed" in rows["bad"]["status_reason"]
    with rt.db.session() as s:
        msg = s.scalar(select(Message).where(Message.message_id.like("bad@%")))
    assert b"boom" in Path(msg.raw_path).read_bytes()
    # AND once the fault is gone, retry records it
    monkeypatch.setattr(parse_stage, "read_message", original)
    from mailbot.pipeline.driver import retry

    assert retry(rt, msg.id).statuses == ["accepted"]
    assert _rows(rt)["bad"]["status"] == "accepted"
    assert len(list_submissions(rt)) == 2


def test_empty_file_is_quarantined_not_fatal(rt, tmp_path):
    _drop(tmp_path, "empty.eml", b"")
    _drop(tmp_path, "ok.eml", item_mail(4, message_id="ok"))
    report = ingest(rt, [tmp_path / "mail"])
    assert report.statuses == {"quarantined": 1, "accepted": 1}


def _docx_bytes(paragraphs: list[str]) -> bytes:
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


TWO_DOCUMENTS = [
    ("一.docx", ["长春市召开全市医改工作会议", "3月1日，长春市召开全市深化医改工作会议，部署年度重点任务十项。"]),
    ("二.docx", ["长春市家庭医生签约服务覆盖率达到七成", "截至2月底，长春市家庭医生签约服务覆盖率达到百分之七十，重点人群全覆盖。"]),
]


def _cover_note_mail(documents: list[tuple[str, list[str]]], message_id: str = "two@x") -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "xxy@ccws.example.gov.cn", "jlwsxx2012@163.com", "报送两条信息"
    m["Message-ID"], m["Date"] = f"<{message_id}>", "Mon, 02 Mar 2026 09:00:00 +0800"
    m.set_content("请查收附件。", charset="utf-8")
    for name, text in documents:
        m.add_attachment(_docx_bytes(text), maintype="application",
                         subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename=name)
    return bytes(m)


def test_cover_note_with_two_documents_gives_two_items(rt, tmp_path):
    # GIVEN a cover note carrying two item documents
    _drop(tmp_path, "two.eml", _cover_note_mail(TWO_DOCUMENTS))
    # WHEN ingested
    ingest(rt, [tmp_path / "mail"])
    subs = list_submissions(rt)
    # THEN each document is one submission with its own receipt and its own title
    assert len(subs) == 2 and {s["status"] for s in subs} == {"accepted"}
    assert {s["subject"] for s in subs} == {"长春市召开全市医改工作会议", "长春市家庭医生签约服务覆盖率达到七成"}
    assert len({s["receipt"] for s in subs}) == 2
    with rt.db.session() as s:
        assert s.scalar(select(ScoreEvent.points).where(ScoreEvent.kind == "submit").limit(1)) == 2


def test_no_receipts_backfill_sends_nothing(tmp_path):
    rt = Runtime.open(write_config(tmp_path), receipts=False)
    _drop(tmp_path, "1.eml", item_mail(1))
    ingest(rt, [tmp_path / "mail"])
    assert list_submissions(rt)[0]["status"] == "accepted"
    assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").iterdir())


@pytest.mark.postgresql_only("the explicit PostgreSQL check; the whole module runs on both anyway")
def test_postgresql_backend_records_once(tmp_path, pg_url):
    # GIVEN the shared-deployment database
    with Runtime.open(write_config(tmp_path, database=f'[database]\nurl = "{pg_url}"\n')) as rt:
        for n in range(3):
            _drop(tmp_path, f"{n}.eml", item_mail(n))
        # WHEN ingested twice
        ingest(rt, [tmp_path / "mail"])
        ingest(rt, [tmp_path / "mail"])
        # THEN each is recorded once with its unit, category and points
        subs = list_submissions(rt)
    assert len(subs) == 3
    assert all(s["unit"] == "changchun" and s["points"] == 2 and s["category"] for s in subs)
    assert subs[0]["received_at"].endswith("+08:00")


def test_assigning_an_unassigned_item_credits_and_answers_it(rt, tmp_path):
    # GIVEN an item from a personal address that names no unit
    _drop(tmp_path, "p.eml", item_mail(5, sender="zhang@qq.com", subject="全市开展卫生监督执法检查", message_id="p"))
    ingest(rt, [tmp_path / "mail"])
    row = _rows(rt)["p"]
    assert row["status"] == "unassigned" and not list((tmp_path / "outbox").glob("*.eml"))
    # WHEN the office assigns it
    from mailbot import corrections
    from mailbot.mail import outbox

    corrections.assign(rt, row["receipt"], "changchun", by="office@example.gov.cn")
    outbox.flush(rt)
    # THEN it counts for the unit, via the office, and the sender gets a receipt
    row = _rows(rt)["p"]
    assert (row["status"], row["unit"], row["unit_via"], row["points"]) == ("accepted", "changchun", "office", 2)
    receipts = list((tmp_path / "outbox").glob("*-receipt.eml"))
    assert len(receipts) == 1 and b"zhang@qq.com" in receipts[0].read_bytes()


def test_unit_named_as_display_name_of_a_personal_address(rt, tmp_path):
    raw = item_mail(6, sender="abc123@163.com", subject="全市开展职业病防治宣传", message_id="dn")
    raw = raw.replace(b"=?utf-8?b?5L+h5oGv5ZGY?=", b"=?utf-8?b?5ZCJ5p6X5biC5Y2r55Sf5bGA?=")  # 信息员 -> 吉林市卫生局
    _drop(tmp_path, "dn.eml", raw)
    ingest(rt, [tmp_path / "mail"])
    row = _rows(rt)["dn"]
    assert (row["unit"], row["unit_via"], row["status"]) == ("jilin", "address", "accepted")


def test_reading_facts_are_kept_with_the_message(rt, tmp_path):
    # GIVEN a Foxmail-style mail labelled gb2312 whose text holds a GBK-only character (镕)
    body = "朱镕基同志曾到我市调研，市卫生局组织开展专题学习，全市卫生系统干部职工参加。".encode("gbk")
    raw = (b"From: xxy@ccws.example.gov.cn\r\nTo: jlwsxx2012@163.com\r\nSubject: =?gb2312?B?"
           + __import__("base64").b64encode("长春市卫生局开展专题学习".encode("gb2312"))
           + b"?=\r\nMessage-ID: <gbk@x>\r\nDate: Mon, 02 Mar 2026 09:00:00 +0800\r\n"
           b"Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body)
    _drop(tmp_path, "gbk.eml", raw)
    ingest(rt, [tmp_path / "mail"])
    # THEN the text is right and the message records what was declared, what was used, and the repair
    row = _rows(rt)["gbk"]
    assert row["subject"] == "长春市卫生局开展专题学习"
    with rt.db.session() as s:
        sub = s.scalar(select(Submission).where(Submission.message_id == "gbk@x"))
    assert "朱镕基" in sub.text
    assert row["reading"]["repaired"] is True
    assert [c[0] for c in row["reading"]["charsets"]] == ["gb2312"]
    assert row["reading"]["charsets"][0][1] != "gb2312"


def test_each_item_text_is_segmented_once(rt, tmp_path, monkeypatch):
    # GIVEN a cover note with three documents and a plain item, and a classifier already trained
    third = ("三.docx", ["长春市开展院前急救体系建设专题调研", "3月5日，市卫生局调研组到五个城区调研急救站点建设情况。"])
    _drop(tmp_path, "three.eml", _cover_note_mail(TWO_DOCUMENTS + [third], "three@x"))
    _drop(tmp_path, "plain.eml", item_mail(1, subject="长春市推进院前急救体系建设", message_id="plain"))
    load_classifier(rt).classify("预热", "预热")
    segmentation = sys.modules["mailbot.text.segmentation"]
    real, calls = segmentation._jieba_tokens, []
    monkeypatch.setattr(segmentation, "_jieba_tokens", lambda text: (calls.append(text), real(text))[1])
    # WHEN ingested (classify and dedupe both read each item's words)
    ingest(rt, [tmp_path / "mail"])
    # THEN jieba ran once on each item's text and once on its title, never twice on the same text
    with rt.db.session() as s:
        items = s.execute(select(Submission.subject, Submission.text, Submission.fingerprint)).all()
    assert len(items) == 4 and all(fp for _, _, fp in items)
    assert sorted(calls) == sorted([comparable(text) for _, text, _ in items] + [subject for subject, _, _ in items])
    assert len(set(calls)) == len(calls) == 8
