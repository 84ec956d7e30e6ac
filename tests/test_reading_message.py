"""read_message on realistic hand-built mail: charsets, HTML, replies, forwards, attachments."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

from mailbot.reading import ReadingLimits, read_message
from mailbot.text import simplified
from tests.test_reading_support import doc_bytes, docx_bytes, mail, multipart, part, pdf_bytes

ITEM = "长春市卫生局召开2024年防汛工作会议。会议要求各医疗机构做好应急准备，朱镕基同志曾强调防汛工作的重要性。"


def test_gb2312_label_with_gbk_only_character_is_read_whole():
    # GIVEN a gb2312-labelled body containing 镕 (GBK only, not in GB2312)
    raw = mail({"Subject": "=?gb2312?B?" + base64.b64encode("防汛工作会议".encode("gbk")).decode() + "?=",
                "Content-Type": "text/plain; charset=gb2312", "Content-Transfer-Encoding": "8bit"},
               ITEM.encode("gbk"))
    # WHEN it is read
    result = read_message(raw)
    # THEN the whole text survives, decoded as GB18030, no U+FFFD anywhere
    assert result.body_text == ITEM
    assert result.subject == "防汛工作会议"
    assert result.charsets == [("gb2312", "gb18030")]
    assert result.repaired  # GB2312 alone could not read it
    assert "\ufffd" not in result.body_text


def test_undeclared_and_mislabelled_gbk_are_repaired():
    for content_type in ("text/plain", "text/plain; charset=iso-8859-1", "text/plain; charset=utf-8"):
        raw = mail({"Subject": "x", "Content-Type": content_type, "Content-Transfer-Encoding": "8bit"},
                   ITEM.encode("gbk"))
        result = read_message(raw)
        assert result.body_text == ITEM, content_type
        assert result.repaired is True
        assert result.charsets[0][1] == "gb18030"


def test_utf8_bytes_under_gb2312_label_are_read_as_utf8():
    raw = mail({"Subject": "x", "Content-Type": "text/plain; charset=gb2312", "Content-Transfer-Encoding": "8bit"},
               ITEM.encode("utf-8"))
    result = read_message(raw)
    assert result.body_text == ITEM
    assert result.charsets == [("gb2312", "utf-8")]
    assert result.repaired


def test_big5_is_kept_traditional_and_simplified_on_request():
    text = "吉林市交通運輸局關於加強春運安全管理的報告"
    raw = mail({"Subject": "=?big5?B?" + base64.b64encode("春運安全".encode("big5")).decode() + "?=",
                "Content-Type": "text/plain; charset=big5", "Content-Transfer-Encoding": "base64"},
               base64.encodebytes(text.encode("big5")))
    result = read_message(raw)
    assert result.body_text == text
    assert result.subject == "春運安全"
    assert simplified(result.body_text) == "吉林市交通运输局关于加强春运安全管理的报告"


def test_raw_8bit_gb_header_is_decoded_from_bytes():
    raw = mail({"Subject": "【延边州卫生局】疫情防控信息".encode("gbk"),
                "From": "王信息员".encode("gbk") + b" <Wang@YB.gov.cn>",
                "Content-Type": "text/plain; charset=gb2312"}, "正文".encode("gbk"))
    result = read_message(raw)
    assert result.subject == "【延边州卫生局】疫情防控信息"
    assert result.sender == "wang@yb.gov.cn"
    assert result.sender_name == "王信息员"
    assert result.headers["subject"] == "【延边州卫生局】疫情防控信息"


def test_html_only_webmail_becomes_paragraphs_without_script():
    html = ("<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
            "<div>各位领导：</div><p>第一段：我局召开专题会议。</p><p>第二段：部署下一步工作。</p>"
            "<table><tr><td>单位</td><td>人数</td></tr></table></body></html>")
    raw = mail({"Subject": "=?UTF-8?B?" + base64.b64encode("工作动态".encode()).decode() + "?=",
                "Content-Type": "text/html; charset=UTF-8", "Content-Transfer-Encoding": "base64"},
               base64.encodebytes(html.encode("utf-8")))
    result = read_message(raw)
    assert result.body_text == "各位领导：\n第一段：我局召开专题会议。\n第二段：部署下一步工作。\n单位\t人数"
    assert "alert" not in result.body_text and "color" not in result.body_text


def test_alternative_prefers_plain_unless_it_is_a_stub():
    ctype, body = multipart([
        part("text/plain; charset=gbk", "此邮件为HTML格式".encode("gbk")),
        part("text/html; charset=gbk", f"<p>{ITEM}</p><p>{ITEM}</p>".encode("gbk")),
    ], "alternative")
    result = read_message(mail({"Subject": "x", "Content-Type": ctype}, body))
    assert result.body_text == ITEM + "\n" + ITEM


def test_reply_keeps_quote_and_signature_apart():
    text = ("收到，我们马上落实。\n\n-- \n吉林市交通运输局办公室\n电话 0432-1234567\n\n"
            "在 2024年5月6日 星期一 09:30，信息科 写道：\n> 请于本周五前报送防汛信息。\n> 谢谢")
    # the signature sits above the quote here, as Foxmail writes it
    raw = mail({"Subject": "Re: 约稿", "Content-Type": "text/plain; charset=utf-8", "In-Reply-To": "<a@b>",
                "References": "<z@b> <a@b>", "Content-Transfer-Encoding": "8bit"}, text.encode())
    result = read_message(raw)
    assert result.body_text == "收到，我们马上落实。"
    assert result.signature == "吉林市交通运输局办公室\n电话 0432-1234567"
    assert result.quoted_text.startswith("在 2024年5月6日") and "> 请于本周五前报送防汛信息。" in result.quoted_text
    assert result.in_reply_to == "a@b" and result.references == ["z@b", "a@b"]
    assert result.forwarded is False


def test_qq_top_posted_reply_history_is_quoted_text():
    text = ("好的\n\n------------------ 原始邮件 ------------------\n发件人: \"信息科\"<zwxx@163.com>;\n"
            "发送时间: 2024年5月6日(星期一) 上午9:30\n收件人: \"张三\"<zs@qq.com>;\n主题: 约稿\n\n请报送。")
    result = read_message(mail({"Subject": "回复：约稿", "Content-Type": "text/plain; charset=gb18030",
                                "Content-Transfer-Encoding": "8bit"}, text.encode("gb18030")))
    assert result.body_text == "好的"
    assert "请报送。" in result.quoted_text
    assert not result.forwarded


def test_forward_gives_the_forwarded_text():
    text = ("\n---------- Forwarded message ---------\nFrom: 延吉市卫生局 <yj@yanji.gov.cn>\n"
            "Date: 2024年5月6日周一 09:30\nSubject: 防汛信息\nTo: <zwxx@163.com>\n\n" + ITEM + "\n")
    result = read_message(mail({"Subject": "Fwd: 防汛信息", "Content-Type": "text/plain; charset=utf-8",
                                "Content-Transfer-Encoding": "8bit"}, text.encode()))
    assert result.forwarded is True
    assert result.body_text == ITEM
    assert "延吉市卫生局" in result.quoted_text


def test_original_message_without_own_text_is_a_forward():
    text = "-----原始邮件-----\n发件人: a@b.cn\n发送时间: 2024年5月6日 9:30\n主题: 信息\n\n" + ITEM
    result = read_message(mail({"Subject": "信息", "Content-Type": "text/plain; charset=gbk",
                                "Content-Transfer-Encoding": "8bit"}, text.encode("gbk")))
    assert result.forwarded is True and result.body_text == ITEM


def test_attached_message_forward_and_its_attachments():
    inner = mail({"Subject": "=?gbk?B?" + base64.b64encode("原件".encode("gbk")).decode() + "?=",
                  "Content-Type": "text/plain; charset=gbk", "Content-Transfer-Encoding": "8bit"},
                 ITEM.encode("gbk"))
    ctype, body = multipart([
        part("text/plain; charset=utf-8", "转发".encode(), encoding="8bit"),
        part("message/rfc822", inner, encoding="8bit", filename_header="attachment"),
    ])
    result = read_message(mail({"Subject": "转发：原件", "Content-Type": ctype}, body))
    assert result.forwarded is True
    assert result.body_text == ITEM
    assert result.attachments[0].content_type == "message/rfc822"
    assert result.attachments[0].filename == "原件.eml"


def test_cover_note_with_docx_and_pdf_items():
    # GIVEN "请查收附件" plus a .docx (QQ-style encoded name) and a PDF (RFC 2231 name)
    docx = docx_bytes(["关于开展卫生应急演练的信息", ITEM], [["单位", "参演人数"], ["长春市", "120"]])
    pdf = pdf_bytes([["吉林省卫生厅信息简报", "第十二期"]])
    qq_name = "=?GB2312?B?" + base64.b64encode("应急演练信息.docx".encode("gb2312")).decode() + "?="
    ctype, body = multipart([
        part("text/plain; charset=gb2312", "请查收附件。\r\n".encode("gbk"), encoding="8bit"),
        part(f'application/octet-stream; name="{qq_name}"', docx,
             filename_header=f'attachment; filename="{qq_name}"'),
        part("application/pdf", pdf, filename_header="attachment; filename*=UTF-8''%E7%AE%80%E6%8A%A5.pdf"),
        part("image/jpeg; name=photo.jpg", b"\xff\xd8\xff\xe0fakejpeg", filename_header="inline"),
    ])
    result = read_message(mail({"Subject": "报送信息", "Content-Type": ctype}, body))
    names = [a.filename for a in result.attachments]
    assert names == ["应急演练信息.docx", "简报.pdf", "photo.jpg"]
    word, report, photo = result.attachments
    assert word.text.startswith("关于开展卫生应急演练的信息\n" + ITEM)
    assert "长春市\t120" in word.text
    assert report.text == "吉林省卫生厅信息简报\n\n第十二期"
    assert photo.is_image and photo.text is None and photo.data.startswith(b"\xff\xd8")
    assert len(word.sha256) == 64
    # THEN the item is the attachments' text, and each document counts as an item
    assert result.body_text == "请查收附件。"
    assert result.item_text().startswith("关于开展卫生应急演练的信息")
    items = result.items()
    assert [(i.part, i.document.filename) for i in items] == [(1, "应急演练信息.docx"), (2, "简报.pdf")]
    assert [i.title for i in items] == ["关于开展卫生应急演练的信息", "吉林省卫生厅信息简报"]


def test_word97_doc_and_wps_attachments_are_read():
    text = "关于做好防汛工作的信息\n报送单位：长春市卫生局\n会议要求落实责任。"
    ctype, body = multipart([
        part("text/plain; charset=gbk", "见附件".encode("gbk"), encoding="8bit"),
        part('application/msword; name="=?GBK?B?' + base64.b64encode("防汛.doc".encode("gbk")).decode() + '?="',
             doc_bytes(text), filename_header="attachment"),
        part("application/octet-stream", doc_bytes("WPS文字保存的信息"), filename_header="attachment; filename=b.wps"),
    ])
    result = read_message(mail({"Subject": "x", "Content-Type": ctype}, body))
    assert [(a.filename, a.text, a.note) for a in result.attachments] == [
        ("防汛.doc", text, None), ("b.wps", "WPS文字保存的信息", None)]
    assert [i.document.filename for i in result.items()] == ["防汛.doc", "b.wps"]


def test_long_body_is_the_item_even_with_attachment():
    ctype, body = multipart([
        part("text/plain; charset=utf-8", (ITEM * 3).encode(), encoding="8bit"),
        part("application/pdf", pdf_bytes([["附表"]]), filename_header="attachment; filename=a.pdf"),
    ])
    result = read_message(mail({"Subject": "x", "Content-Type": ctype}, body))
    assert result.item_text() == ITEM * 3


def test_dates_ids_and_addresses():
    raw = mail({"Subject": "x", "To": "A <Zwxx@163.com>, b@c.cn", "Message-ID": " <abc@jl.gov.cn> ",
                "Received": "from mx (mx [1.2.3.4]) by mx2; Tue, 7 May 2024 08:00:05 +0800",
                "Content-Type": "text/plain"}, b"hi")
    raw = b"Received: from a by b; Tue, 7 May 2024 09:00:00 +0800\r\n" + raw
    result = read_message(raw)
    assert result.message_id == "abc@jl.gov.cn"
    assert result.to == ["zwxx@163.com", "b@c.cn"]
    assert result.date == datetime(2024, 5, 6, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    assert result.received_at == datetime(2024, 5, 7, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def test_reading_is_fast_enough():
    import time

    raw = mail({"Subject": "x", "Content-Type": "text/plain; charset=gb2312", "Content-Transfer-Encoding": "8bit"},
               (ITEM * 20).encode("gbk"))
    read_message(raw)
    start = time.perf_counter()
    for _ in range(50):
        read_message(raw)
    assert (time.perf_counter() - start) / 50 < 0.02


def test_limits_default_is_the_documented_one():
    limits = ReadingLimits()
    assert (limits.max_attachment_bytes, limits.max_pdf_pages, limits.max_depth) == (20 * 1024 * 1024, 50, 5)
