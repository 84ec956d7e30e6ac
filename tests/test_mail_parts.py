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


PASS = {"Authentication-Results": "mx.office.example.gov.cn; dkim=pass header.d=office.example.gov.cn "
                                  "header.s=s1; spf=pass smtp.mailfrom=chief@office.example.gov.cn"}


def test_reminder_command_reply_and_query_answer_have_agreeing_html(tmp_path):
    from datetime import date

    from mailbot.reports.remind import queue_reminders
    from tests.helpers_records import ADMIN, receipt_of

    rt = make_runtime(write_config(tmp_path), now="2026-03-10 09:00")
    item = receipt_of(rt, feed(rt, ALPHA, "甲市召开全市卫生工作会议", BODY, "2026-02-03 10:00"))
    feed(rt, ADMIN, f"采用 {item} 省级", "请办理。", "2026-03-10 08:30", headers=PASS)
    feed(rt, ADMIN, "采用 20991231-0001 省级", "请办理。", "2026-03-10 08:35", headers=PASS)  # refused: no such item
    feed(rt, ALPHA, "查询", "", "2026-03-10 08:40")
    assert queue_reminders(rt, date(2026, 3, 31)) == 3
    # THEN each of these mails, text-only until now, has an HTML part that says what its text says
    for kind in ("reply", "query", "reminder"):
        for msg in _mails(rt, kind):
            _, html = _agree(msg)
            assert '<html lang="zh-CN">' in html and "Microsoft YaHei" in html, kind
    # AND the HTML lays the letter out: the figures as a table, the office's 落款 right-aligned
    [alpha] = [m for m in _mails(rt, "reminder") if m["To"].startswith(ALPHA)]
    _, html = parts(alpha)
    assert "<th" in html and "text-align:right" in html and "尚差" in html_text_of(html)
    ok, refused = _mails(rt, "reply")
    assert "【已办理】" in ok["Subject"] and item in parts(ok)[1]
    assert "【未办理】" in refused["Subject"] and "20991231-0001" in parts(refused)[1]


def html_text_of(html: str) -> str:
    from tests.mail_parts import html_text

    return html_text(html)


def test_plain_layout_keeps_every_line_in_its_place():
    from mailbot.mail.plain_html import blocks

    text = ("甲市卫生局：\n\n截至 2026-03-31，贵单位信息报送情况如下：\n\n  全年（2026-01-01 至 2026-12-31）：\n"
            "    报送任务：50 条\n    尚差：12 条\n\n已计入的信息（共 1 条）：\n  2026-02-03  20260203-0001  甲市召开会议\n\n"
            "请贵单位信息员抓紧组织报送。\n\n办公室信息科\n2026-03-31\n（本邮件由系统自动发送）\n")
    kinds = [(b.kind, b.caption or (b.lines[0] if b.lines else "")) for b in blocks(text)]
    assert kinds == [("salute", "甲市卫生局："), ("para", "截至 2026-03-31，贵单位信息报送情况如下："), ("list", ""),
                     ("list", "已计入的信息（共 1 条）："), ("para", "请贵单位信息员抓紧组织报送。"),
                     ("sign", "办公室信息科"), ("footnote", "（本邮件由系统自动发送）")]
    year = blocks(text)[2]
    assert year.items[0].text.startswith("全年") and [c.text for c in year.items[0].children] == [
        "报送任务：50 条", "尚差：12 条"]
    pairs = blocks("x：\n\n  报送任务：50 条\n  得　　分：2 分\n")[1]
    assert pairs.kind == "pairs" and pairs.pairs == [("报送任务", "50 条"), ("得　　分", "2 分")]
