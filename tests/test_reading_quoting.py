"""split_body and html_to_text on the reply/forward shapes Chinese clients write."""

from __future__ import annotations

from mailbot.reading.html_text import html_to_text
from mailbot.reading.quoting import split_body


def test_outlook_chinese_header_block_is_history():
    text = ("已按要求修改。\n\n________________________________\n发件人: 信息科 <zwxx@163.com>\n"
            "发送时间: 2024年5月6日 9:30\n收件人: 张三\n主题: 约稿\n\n请修改后重报。")
    parts = split_body(text, "答复: 约稿")
    assert parts.body == "已按要求修改。"
    assert parts.quoted.endswith("请修改后重报。")
    assert parts.forwarded is False


def test_english_original_message_and_on_wrote():
    parts = split_body("OK\n\n-----Original Message-----\nFrom: a\nSent: b\nSubject: c\n\nold")
    assert parts.body == "OK" and parts.quoted.startswith("-----Original Message-----")
    parts = split_body("Thanks\n\nOn Mon, May 6, 2024 at 9:30 AM Office <zwxx@163.com>\nwrote:\n> old text")
    assert parts.body == "Thanks" and parts.quoted.endswith("> old text")


def test_gmail_chinese_reply_line():
    parts = split_body("收到\n\n张三 <zs@gmail.com> 于2024年11月6日周三 12:00写道：\n> 原文")
    assert parts.body == "收到" and "> 原文" in parts.quoted


def test_bottom_posted_reply_keeps_own_text():
    parts = split_body("On Mon, A wrote:\n> question?\n\nmy answer")
    assert parts.body == "my answer"


def test_netease_forward_marker_with_cover_note():
    text = ("请审阅。\n\n-------- 转发邮件信息 --------\n发件人：\"通化市卫生局\" <th@163.com>\n"
            "发送日期：2024-05-06 09:30:00\n收件人：zwxx@163.com\n主题：防汛信息\n\n通化市启动防汛四级响应。")
    parts = split_body(text, "Fw:防汛信息")
    assert parts.forwarded is True
    assert parts.body == "通化市启动防汛四级响应。"  # a short cover note is not part of the item


def test_signature_only_after_dash_dash_space():
    parts = split_body("正文一行\n--\n王五 科员")
    assert parts.body == "正文一行" and parts.signature == "王五 科员"
    assert split_body("A--B\n正文").signature == ""


def test_html_blockquote_and_line_breaks():
    html = ("<div>同意<br>请落实</div><div>在 2024年5月6日，信息科 写道：</div>"
            "<blockquote><p>原文第一段</p><p>原文第二段</p></blockquote>")
    text = html_to_text(html)
    assert text == "同意\n请落实\n在 2024年5月6日，信息科 写道：\n> 原文第一段\n> 原文第二段"
    parts = split_body(text)
    assert parts.body == "同意\n请落实"
    assert parts.quoted.endswith("> 原文第二段")


def test_html_invalid_references_and_comments_vanish():
    assert html_to_text("<p>防&#0;汛<!-- hidden -->信息</p>") == "防汛信息"


def test_quotation_inside_an_item_is_not_a_reply_header():
    text = "习近平总书记在贺信中写道：\n“希望你们再接再厉。”\n全市卫生系统认真学习贯彻。"
    parts = split_body(text)
    assert parts.body == text and parts.quoted == ""
