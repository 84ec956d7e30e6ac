"""Office commands by mail: accepted when authenticated and from an admin, refused (and logged) otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mailbot.db.models import CommandLog, OutboxMail, ScoreEvent, Submission
from mailbot.office_commands import looks_like_command
from mailbot.reports.tally import tally
from mailbot.sender_auth import verify
from tests.helpers_records import (
    ADMIN,
    TRANSPORT_CLASSES,
    TRANSPORT_HEAD,
    TRANSPORT_UNITS,
    feed,
    make_runtime,
    receipt_of,
    rows_by_unit,
    submit,
    write_config,
)

ALPHA = "alpha@alpha.example.gov.cn"
PASS = {"Authentication-Results": "mx.office.example.gov.cn; dkim=pass header.d=office.example.gov.cn "
                                  "header.s=s1; spf=pass smtp.mailfrom=chief@office.example.gov.cn"}


@pytest.fixture
def rt(tmp_path):
    return make_runtime(write_config(tmp_path), now="2026-03-10 09:00")


def command(rt, subject: str, headers=PASS, sender: str = ADMIN):
    return feed(rt, sender, subject, "请办理。", "2026-03-10 08:30", headers=headers)


def log_and_reply(rt, result):
    with rt.db.session() as s:
        log = s.scalar(select(CommandLog).where(CommandLog.message_pk == result.message_pk))
        reply = s.scalar(select(OutboxMail).where(OutboxMail.dedupe_key == f"reply:{result.message_pk}"))
        return log, reply


def adopt_points(rt) -> list[float]:
    with rt.db.session() as s:
        return [e.points for e in s.scalars(select(ScoreEvent).where(ScoreEvent.kind == "adopt")
                                            .order_by(ScoreEvent.id))]


def test_authenticated_admin_adopts_several_receipts_in_chinese(rt):
    a = submit(rt, ALPHA, "甲市推进公立医院改革", "2026-02-03 10:00")
    b = submit(rt, ALPHA, "甲市开展健康乡村建设", "2026-02-04 10:00")
    # WHEN the office mails "采用 A B 省级" from an admin address whose domain passed DKIM
    result = command(rt, f"采用 {a} {b} 省级")
    # THEN both adoptions are recorded at 30, the mail is not a submission, the command is logged and answered
    assert adopt_points(rt) == [30, 30]
    assert result.statuses == ["ignored"]
    log, reply = log_and_reply(rt, result)
    assert log.accepted and log.sender == ADMIN and f"已记录：{a} 省级采用 +30 分" in log.outcome
    assert reply.recipients == [ADMIN] and reply.kind == "reply"
    assert reply.in_reply_to.startswith("m") and reply.in_reply_to.endswith("@test.example")
    assert "【已办理】" in reply.subject and f"已记录：{b} 省级采用 +30 分" in reply.body_text
    assert rows_by_unit(tally(rt, "2026Q1"))["alpha"]["score"] == 2 + 2 + 30 + 30


def test_english_command_and_other_commands(rt):
    a = submit(rt, ALPHA, "甲市卫生监督执法", "2026-02-03 10:00")
    stray = receipt_of(rt, feed(rt, "x@mail.example.net", "乡镇卫生院人才短缺问题",
                                "乡镇卫生院人才短缺问题突出，建议定向培养，提高待遇，稳定队伍。", "2026-02-05 10:00"))
    command(rt, f"adopt {a} department")
    command(rt, f"批示 {a} 省级")
    command(rt, f"约稿 {a} 厅级")
    command(rt, f"归属 {stray} 乙市卫生局")
    command(rt, f"类别 {a} 经验做法")
    with rt.db.session() as s:
        kinds = [(e.kind, e.level, e.points) for e in s.scalars(select(ScoreEvent).where(
            ScoreEvent.submission_id.is_not(None), ScoreEvent.kind != "submit").order_by(ScoreEvent.id))]
        sub = s.scalar(select(Submission).where(Submission.receipt == stray))
        item = s.scalar(select(Submission).where(Submission.receipt == a))
        assert (sub.status, sub.unit_id, sub.unit_via) == ("accepted", "beta", "office")
        assert (item.category, item.category_by) == ("experience", ADMIN)
    assert kinds == [("adopt", "department", 10), ("instruct", "province", 50), ("commission", "department", 5)]


def test_unauthenticated_command_refused_and_logged(rt):
    a = submit(rt, ALPHA, "甲市医疗保障工作", "2026-02-03 10:00")
    # GIVEN the receiving server saw DKIM and SPF fail for the admin's domain
    failed = {"Authentication-Results": "mx.office.example.gov.cn; dkim=fail header.d=office.example.gov.cn; "
                                        "spf=softfail smtp.mailfrom=chief@office.example.gov.cn"}
    result = command(rt, f"采用 {a} 省级", headers=failed)
    assert adopt_points(rt) == []
    log, reply = log_and_reply(rt, result)
    assert not log.accepted and "refused" in log.outcome and "DKIM/SPF" in log.outcome, log.outcome
    assert "【未办理】" in reply.subject and "未通过 DKIM/SPF 验证" in reply.body_text
    # AND with no Authentication-Results at all it is refused too
    command(rt, f"采用 {a} 省级", headers={})
    assert adopt_points(rt) == []


def test_non_admin_command_is_just_a_submission(rt):
    a = submit(rt, ALPHA, "甲市卫生计生工作", "2026-02-03 10:00")
    result = feed(rt, ALPHA, f"采用 {a} 省级", "请办理采用事宜，谢谢。关于本单位报送的信息，请予采用。", "2026-03-01 10:00",
                  headers=PASS)
    assert adopt_points(rt) == []
    log, reply = log_and_reply(rt, result)
    assert log is None and reply is None


def test_refused_record_is_answered_with_the_reason(rt):
    result = command(rt, "采用 20990101-0001 省级")
    log, reply = log_and_reply(rt, result)
    assert not log.accepted and "unknown receipt" in reply.body_text
    bad = command(rt, "批示 20260203-0001")
    log, reply = log_and_reply(rt, bad)
    assert not log.accepted and "格式应为：批示 回执号 级别 [类别]" in reply.body_text


def test_require_authenticated_false_accepts_without_header(tmp_path):
    rt = make_runtime(write_config(tmp_path, office_extra="require_authenticated = false"), now="2026-03-10 09:00")
    a = submit(rt, ALPHA, "甲市卫生健康宣传", "2026-02-03 10:00")
    command(rt, f"采用 {a} 中央", headers={})
    assert adopt_points(rt) == [50]


def test_transport_levels_and_kinds_in_chinese(tmp_path):
    cfg = write_config(tmp_path, preset="jilin-transport", head=TRANSPORT_HEAD, classes=TRANSPORT_CLASSES,
                       units=TRANSPORT_UNITS)
    rt = make_runtime(cfg, now="2026-03-10 09:00")
    a = submit(rt, "cy@cy.example.gov.cn", "船营区农村公路建设", "2026-02-03 10:00")
    command(rt, f"采用 {a} 国家")
    command(rt, f"批示 {a} 市级 决策")
    with rt.db.session() as s:
        got = [(e.kind, e.level, e.sub_kind, e.points) for e in s.scalars(
            select(ScoreEvent).where(ScoreEvent.kind != "submit").order_by(ScoreEvent.id))]
    assert got == [("adopt", "national", None, 15), ("instruct", "city", "decisive", 20)]


MX = "mx.office.example.gov.cn"


@pytest.mark.parametrize("headers, sender, ok", [
    ([f"{MX}; dkim=pass header.d=office.example.gov.cn"], "a@office.example.gov.cn", True),
    ([f"{MX}; dkim=pass header.d=example.gov.cn"], "a@office.example.gov.cn", False),  # parent domain: no
    ([f"{MX}; dkim=pass header.d=evil.example.net"], "a@office.example.gov.cn", False),
    ([f"{MX}; spf=pass smtp.mailfrom=a@office.example.gov.cn"], "a@office.example.gov.cn", True),
    ([f"{MX}; spf=fail smtp.mailfrom=a@office.example.gov.cn"], "a@office.example.gov.cn", False),
    ([f"{MX}; dkim=pass"], "a@office.example.gov.cn", False),
    ([], "a@office.example.gov.cn", False),
    (["mx.evil.example; dkim=pass header.d=office.example.gov.cn"], "a@office.example.gov.cn", False),
])
def test_verify(headers, sender, ok):
    verdict = verify(sender, [sender], headers, [MX])
    assert verdict.trusted is ok, verdict.reason


def test_looks_like_command():
    assert looks_like_command("采用 20260203-0001 省级")
    assert looks_like_command("Re: adopt 20260203-0001 province")
    assert looks_like_command("回覆：采用 20260203-0001 省级")
    assert looks_like_command("答覆：Fwd：批示 20260203-0001 省级")
    assert looks_like_command("类别：20260203-0001 research")
    assert not looks_like_command("采用情况汇报")
    assert not looks_like_command("")
