"""Receipts and alerts as their readers' clients show them: one message, two parts that agree."""

from __future__ import annotations

from sqlalchemy import select

from mailbot.db.models import OutboxMail
from mailbot.mail.compose import compose
from mailbot.reports.wording import issue_label, period_title
from tests.helpers_records import feed, make_runtime, write_config
from tests.mail_parts import disagreement, has_cjk, parse, parts

ALPHA = "alpha@alpha.example.gov.cn"
BODY = ("2月3日，甲市召开全市卫生工作会议，总结2025年工作，部署2026年重点任务。会议要求各地加强基层医疗卫生服务能力建设，"
        "推进紧密型县域医共体建设，确保各项任务落到实处。")
URGENT = ("2月5日12时许，甲市某中学发生一起疑似食物中毒事件，32名学生出现腹痛、呕吐等症状，已送医救治，无危重病例。"
          "市卫生局已派出流行病学调查组赶赴现场，采集样品送检，事件原因正在调查中。")


def _mails(rt, kind: str) -> list:
    with rt.db.session() as s:
        rows = list(s.scalars(select(OutboxMail).where(OutboxMail.kind == kind).order_by(OutboxMail.id)))
        return [parse(bytes(compose(r, rt.settings.outgoing.from_, rt.settings.tz))) for r in rows]


def _agree(msg) -> tuple[str, str]:
    text, html = parts(msg)
    only_text, only_html = disagreement(text, html)
    assert not only_text and not only_html, (msg["Subject"], only_text, only_html)
    assert has_cjk(text)
    assert len(msg.get_all("X-Auto-Response-Suppress")) == 1
    return text, html


def test_receipts_accepted_duplicate_and_correction_agree(tmp_path):
    rt = make_runtime(write_config(tmp_path), now="2026-02-10 09:00")
    feed(rt, ALPHA, "甲市召开全市卫生工作会议", BODY, "2026-02-03 10:00")
    feed(rt, ALPHA, "甲市召开全市卫生工作会议", BODY, "2026-02-03 11:00")  # sent again
    feed(rt, ALPHA, "【更正】甲市召开全市卫生工作会议", BODY.replace("2025年", "去年"), "2026-02-04 09:00")
    accepted, duplicate, correction = _mails(rt, "receipt")
    text, _ = _agree(accepted)
    # GIVEN the officer wrote from the unit's own address, the greeting names the unit: then 贵单位
    assert text.startswith("甲市卫生局：") and "您好！贵单位报送的信息已收到" in text
    assert "本条得分：2 分" in text and "本年度：已报送 1 条，任务 50 条（2026年1月1日至2026年12月31日）" in text
    text, _ = _agree(duplicate)
    assert "回执号" in duplicate["Subject"] and "不重复计分" in duplicate["Subject"]
    assert "的信息重复，不重复计分" in text
    text, html = _agree(correction)
    # THEN the correction receipt says the original was updated, in both parts (the HTML is what Foxmail shows)
    assert "已收到更正稿" in correction["Subject"] and "回执号" in correction["Subject"]
    assert "已按本次更正稿更新原稿正文" in text and "已按本次更正稿更新原稿正文" in html


def test_alert_has_html_full_text_and_the_offices_own_rule(tmp_path):
    cfg = write_config(tmp_path, office_extra='urgent_rule = "按《甲省卫生系统突发公共卫生事件信息报告办法》，'
                                              '较大事件应在 1 小时内电话报告、2 小时内书面报告。"')
    rt = make_runtime(cfg, now="2026-02-05 12:40")
    feed(rt, ALPHA, "甲市某中学发生疑似食物中毒事件", URGENT, "2026-02-05 12:20")
    [alert] = _mails(rt, "alert")
    text, html = _agree(alert)
    assert "事件原因正在调查中" in text and "事件原因正在调查中" in html  # the item's full text
    assert "1 小时内电话报告" in text


def test_alert_cites_no_rule_unless_configured(tmp_path):
    rt = make_runtime(write_config(tmp_path), now="2026-02-05 12:40")
    feed(rt, ALPHA, "甲市某中学发生疑似食物中毒事件", URGENT, "2026-02-05 12:20")
    [alert] = _mails(rt, "alert")
    text, _ = _agree(alert)
    assert "2 小时内" not in text and "按规定" not in text


def test_periods_and_issues_read_as_the_office_writes_them(tmp_path):
    rt = make_runtime(write_config(tmp_path))
    assert period_title(rt.calendar.parse("2026Q1")) == "2026年第一季度"
    assert period_title(rt.calendar.parse("2026-W07")) == "2026年第7周（2月9日至15日）"
    assert period_title(rt.calendar.parse("2026-W14")) == "2026年第14周（3月30日至4月5日）"
    assert period_title(rt.calendar.parse("2026-03")) == "2026年3月"
    assert period_title(rt.calendar.parse("2026")) == "2026年度"
    assert issue_label("卫生信息", "12") == "《卫生信息》第12期"
    assert issue_label("《卫生信息》", "第3期") == "《卫生信息》第3期"
