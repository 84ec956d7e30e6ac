"""Bad input: each case gives a note in defects or attachment.note, never an exception."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

from mailbot.reading import ReadingLimits, Unreadable, read_message
from tests.test_reading_support import docx_bytes, mail, multipart, part, pdf_bytes


def _with_attachment(name: str, data: bytes, ctype: str = "application/octet-stream") -> bytes:
    content_type, body = multipart([
        part("text/plain; charset=utf-8", "见附件".encode(), encoding="8bit"),
        part(f'{ctype}; name="{name}"', data, filename_header=f'attachment; filename="{name}"'),
    ])
    return mail({"Subject": "x", "Content-Type": content_type}, body)


def test_empty_and_non_mail_bytes_are_unreadable():
    for raw in (b"", b"\r\n  \r\n", b"%PDF-1.4 not a mail at all\n"):
        with pytest.raises(Unreadable):
            read_message(raw)


def test_truncated_mime_is_read_as_far_as_it_goes():
    content_type, body = multipart([
        part("text/plain; charset=gbk", "防汛信息正文".encode("gbk"), encoding="8bit"),
        part("application/pdf", pdf_bytes([["附件"]]), filename_header="attachment; filename=a.pdf"),
    ])
    raw = mail({"Subject": "x", "Content-Type": content_type}, body)
    cut = raw[: len(raw) - 400]  # inside the base64 of the PDF, closing boundary gone
    result = read_message(cut)
    assert result.body_text == "防汛信息正文"
    assert any("closing MIME boundary missing" in d for d in result.defects)
    assert result.attachments[0].note == "PDF文件已损坏 / broken PDF"


def test_multipart_without_boundary_lines_is_read_as_text():
    # trec06c style: the structure was flattened, the multipart header stayed
    raw = mail({"Subject": "x", "Content-Type": 'multipart/mixed; boundary="----=_NextPart_000"'},
               "各市州卫生局：\r\n现将有关情况通报如下。\r\n".encode("gbk"))
    result = read_message(raw)
    assert result.body_text == "各市州卫生局：\n现将有关情况通报如下。"
    assert "multipart without boundary lines: read as text" in result.defects
    assert result.repaired


def test_oversized_attachment_is_kept_with_a_note():
    data = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    result = read_message(_with_attachment("big.pdf", data), ReadingLimits(max_attachment_bytes=1024 * 1024))
    attachment = result.attachments[0]
    assert attachment.text is None
    assert attachment.note.startswith("超出大小限制 / exceeds size limit")
    assert attachment.data == data


def test_encrypted_and_broken_pdf_get_notes():
    encrypted = read_message(_with_attachment("secret.pdf", pdf_bytes([["机密"]], encrypted=True)))
    assert encrypted.attachments[0].note == "PDF已加密 / encrypted PDF"
    broken = read_message(_with_attachment("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog"))
    assert broken.attachments[0].note == "PDF文件已损坏 / broken PDF"
    assert broken.attachments[0].text is None


def test_pdf_page_limit():
    pdf = pdf_bytes([[f"第{n}页"] for n in range(1, 6)])
    result = read_message(_with_attachment("long.pdf", pdf), ReadingLimits(max_pdf_pages=2))
    attachment = result.attachments[0]
    assert "第1页" in attachment.text and "第2页" in attachment.text and "第3页" not in attachment.text
    assert attachment.note == "只读取了前2页 / only the first 2 pages read"


def test_docx_that_is_not_a_zip_and_docx_zip_bomb():
    not_zip = read_message(_with_attachment("信息.docx", b"this is not a zip"))
    assert not_zip.attachments[0].note == "不是有效的docx文件 / not a valid .docx (not a zip file)"
    # a real docx plus a member that expands far beyond the limit
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes(["正文"]))) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            bomb.writestr(info, source.read(info))
        bomb.writestr("word/media/zeros.bin", b"\0" * (3 * 1024 * 1024))
    result = read_message(_with_attachment("炸弹.docx", buffer.getvalue()),
                          ReadingLimits(max_unzipped_bytes=1024 * 1024))
    assert result.attachments[0].text is None
    assert "zip bomb guard" in result.attachments[0].note


def test_broken_and_fake_doc_get_notes():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    result = read_message(_with_attachment("旧格式.doc", ole, "application/msword"))
    assert result.attachments[0].text is None
    assert result.attachments[0].note == "doc/wps文件已损坏 / broken .doc/.wps file"
    fake = read_message(_with_attachment("假的.wps", b"just text", "application/octet-stream"))
    assert fake.attachments[0].note == "不是有效的doc/wps文件 / not a valid .doc/.wps file"


def test_nested_messages_ten_deep_stop_at_the_depth_limit():
    raw = mail({"Subject": "level 10", "Content-Type": "text/plain; charset=utf-8"}, "最里面".encode())
    for level in range(9, -1, -1):
        content_type, body = multipart([part("message/rfc822", raw, encoding="8bit")],
                                       boundary=f"b{level}")
        raw = mail({"Subject": f"level {level}", "Content-Type": content_type}, body)
    result = read_message(raw)
    assert any("nested deeper than 5" in d for d in result.defects)
    notes = [a.note for a in result.attachments if a.note]
    assert notes == ["嵌套过深，未读取 / nested too deep, not read"]


def test_huge_subject_is_truncated_with_a_note():
    subject = "=?utf-8?B?" + base64.b64encode(("很长的标题" * 20000).encode()).decode() + "?="
    result = read_message(mail({"Subject": subject, "Content-Type": "text/plain"}, b"body"))
    assert len(result.subject) == 2000
    assert result.subject.startswith("很长的标题很长")
    assert any(d.startswith("subject header truncated from 100000 chars") for d in result.defects)


def test_unsafe_attachment_names_are_made_safe():
    content_type, body = multipart([
        part('application/octet-stream; name="../../etc/passwd"', b"x",
             filename_header='attachment; filename="..\\\\..\\\\win\\\\报告\x01.txt"'),
        part("application/octet-stream", b"\x00\x01", filename_header="attachment"),
    ])
    result = read_message(mail({"Subject": "x", "Content-Type": content_type}, body))
    assert [a.filename for a in result.attachments] == ["报告.txt", "attachment-2.bin"]


def test_garbage_bytes_in_gb_text_are_dropped_with_a_note():
    data = "第一行正常\n".encode("gbk") + b"\x80\xff broken\n" + "第三行".encode("gbk")
    raw = mail({"Subject": "x", "Content-Type": "text/plain; charset=gb2312", "Content-Transfer-Encoding": "8bit"},
               data)
    result = read_message(raw)
    assert result.body_text == "第一行正常\n broken\n第三行"
    assert "\ufffd" not in result.body_text
    assert any("undecodable bytes dropped" in d for d in result.defects)
    assert result.repaired


def test_header_junk_before_headers_is_skipped():
    raw = b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n" + mail({"Subject": "ok", "Content-Type": "text/plain"}, b"hi")
    result = read_message(raw)
    assert result.subject == "ok" and result.body_text == "hi"
    assert "text before the mail headers skipped" in result.defects


def test_attachment_name_forms_seen_from_chinese_clients():
    gbk = "".join(f"%{b:02X}" for b in "关于防汛工作的信息.docx".encode("gbk"))
    # Outlook Express: raw 8-bit GBK bytes inside the quoted name
    raw_8bit = (b'Content-Type: application/octet-stream; name="' + "信息二.txt".encode("gbk") + b'"\r\n'
                b"Content-Transfer-Encoding: base64\r\n\r\nYw==\r\n")
    content_type, body = multipart([
        # RFC 2231 with continuations, in GBK
        part("application/octet-stream", b"a",
             filename_header=f"attachment; filename*0*=gbk''{gbk[:30]}; filename*1*={gbk[30:]}"),
        raw_8bit,
    ])
    result = read_message(mail({"Subject": "x", "Content-Type": content_type}, body))
    assert [a.filename for a in result.attachments] == ["关于防汛工作的信息.docx", "信息二.txt"]


def test_gbk_character_split_across_two_encoded_words():
    data = "镕基同志".encode("gbk")
    first, second = base64.b64encode(data[:3]).decode(), base64.b64encode(data[3:]).decode()
    result = read_message(mail({"Subject": f"=?GB2312?B?{first}?=\r\n =?GB2312?B?{second}?=",
                                "Content-Type": "text/plain"}, b"x"))
    assert result.subject == "镕基同志"


def test_time_limit_per_attachment():
    limits = ReadingLimits(max_seconds_per_attachment=0.0)
    pdf = read_message(_with_attachment("a.pdf", pdf_bytes([["第一页"], ["第二页"]])), limits).attachments[0]
    assert pdf.text is None and pdf.note.startswith("读取超时，只读取了前0页 / timed out")
    word = read_message(_with_attachment("a.docx", docx_bytes(["正文"])), limits).attachments[0]
    assert word.text is None and word.note == "读取超时 / extraction timed out"


def test_mutated_real_mail_never_raises():
    # GIVEN the 40 corpus samples, cut, overwritten and spliced with MIME syntax (fixed seed)
    import random
    from pathlib import Path

    samples = [p.read_bytes() for p in sorted((Path(__file__).parent / "data/reading/corpus").iterdir())
               if p.name != "SOURCES.tsv"]
    rnd = random.Random(20240506)
    splices = [b"=?gb2312?B?", b"?=", b"\n\n", b"--", b'boundary="', b"\x00", b"charset=",
               b"Content-Type: message/rfc822\n", b"filename*0*=", b"''%", b"=?x\x00?Q?a?="]
    read = 0
    for _ in range(300):
        raw = bytearray(rnd.choice(samples))
        at = rnd.randrange(len(raw) + 1)
        kind = rnd.randrange(3)
        if kind == 0:
            raw = raw[:at]
        elif kind == 1:
            raw[at:at] = rnd.choice(splices)
        else:
            raw[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 40)))
        # WHEN each is read, THEN only Unreadable may come out
        try:
            read_message(bytes(raw)).item_text()
            read += 1
        except Unreadable:
            pass
    assert read > 250


def test_hostile_structure_depth_and_part_count():
    deep = b"From: a@b\nSubject: deep\nMIME-Version: 1.0\n"
    deep += b"".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'.encode() for i in range(3000))
    deep += b"Content-Type: text/plain\n\ninner\n"
    result = read_message(deep)
    assert result.subject == "deep" and result.body_text == ""
    assert "MIME structure too deep to parse: body not read" in result.defects
    many = b'From: a@b\nSubject: many\nContent-Type: multipart/mixed; boundary="x"\n\n'
    many += b"".join(b"--x\nContent-Type: text/plain\n\npart %d\n" % i for i in range(2000)) + b"--x--\n"
    result = read_message(many)
    assert "MIME tree too deep or too many parts: rest not read" in result.defects
    assert "part 0" in result.body_text and "part 1999" not in result.body_text
