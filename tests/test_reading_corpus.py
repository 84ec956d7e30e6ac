"""A fixed sample of 40 real mails from ../shared/corpus (copied to tests/data/reading/corpus).

SOURCES.tsv there names each file's origin.  Each case pins what a person
reads in that mail: the decoded subject, a piece of the text, attachment names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.reading import noise_reason, read_message

CORPUS = Path(__file__).parent / "data" / "reading" / "corpus"

# file -> (subject, text snippet in body_text)
CASES = {
    # trec06c: GB2312 family, undeclared, mislabelled, flattened multipart, raw 8-bit headers
    "trec06c-normal-1000": ("Re: 姐姐快要生孩子了，很感慨", "她婆婆他们就赞助了3万块"),
    "trec06c-normal-1158": ("Re: [TOEFL] skype", "只是电话告诉你审批下来了"),  # x-gbk
    "trec06c-normal-1199": ("Re: 发现了一门最低18分的", "线性代数(2)"),  # EUC-CN
    "trec06c-normal-1324": ("Re: 回家", "想好了？"),  # GBK under gb2312
    "trec06c-normal-1921": ("● 07.05 票價優惠日香港電影票房十大排行榜", "強戰世界"),  # GBK traditional
    "trec06c-normal-1448": ("Re: 有种被愚弄的感觉", "当mm不甩你时就觉得功利了"),  # GB18030
    "trec06c-normal-1565": ("Re: 请问SVM能否用于流量异常检测？", "让他也汗流浃背一次"),  # raw 8-bit subject
    "trec06c-normal-1615": ("[SPAM] Fw: 下载电影事", "诚聘：兼职、专职计算机网络技术讲员"),
    "trec06c-normal-208": ("Re: 10个月来找工作经历，希望对后来人有帮助", "写一下自己的专业背景吧"),  # utf-8 label, GB bytes
    "trec06c-normal-5440": ("● 庆幸我们的分手", "虽然两人都真诚善良"),
    "trec06c-normal-6563": ("Re: 分手23天。。。。家没有了", "我知道哥哥爱逛家版"),  # us-ascii label, GB bytes
    "trec06c-normal-3697": ("Re: 《教父》电影与小说比较 （2）", "mike一直都爱着kay"),  # 'base64' that is not
    "trec06c-normal-4446": ("[SPAM-TEST] Re: [e3d] Moi xem anh cuoi", "做人做事情都不要太勉强自己"),
    "trec06c-normal-466": ("Fw: 关于联欢节目的一点想法", "和gf一起租房子住"),
    "trec06c-spam-1092": ("一个非常有影响力进出口商务B2B贸易平台!", "国际进出口贸易网欢迎您"),  # HTML
    "trec06c-spam-1931": ("优惠代开发票！！", "深圳市鸿泰实业有限公司"),  # iso-8859-1 label, GB bytes
    "trec06c-spam-557": ("中国教学资源网免费提供中小学精品课件下载", "网站地址http://www.jiaoxue.info"),
    "trec06c-spam-6187": ("濮阳豫安防腐有限公司：王国胜", "河南省濮阳市豫安防腐有限公司"),  # BIG5 label, GB bytes
    "trec06c-spam-2424": ("failure notice（错误回弹信）", "This is the smtp delivery program"),
    # public-inbox: Coremail/Foxmail/QQ/Outlook/Alimail
    "pi-ibm-acpi-devel-59838e3e.eml": (
        "Re: [ibm-acpi-devel] [External] Re: PrivacyGuard doesn't work even by sending ACPI commands directly",
        "I'd like to bring up this issue again"),
    "pi-industrypack-devel-1ecdf587.eml": ("[Industrypack-devel] Undelivered Mail Returned to Sender",
                                           "This is the mail system at host zt3000mail.com"),
    "pi-industrypack-devel-3600f3a2.eml": ("[SPAM] 警告：传入的电子邮件被阻止", "所有传入的邮件都将处于待处理状态"),
    "pi-industrypack-devel-869d7060.eml": ("[SPAM] 征信通知", "《关于办理年度个人所得税综合所得汇算清缴事项的公告》"),
    "pi-industrypack-devel-dd55ff98.eml": ("[Industrypack-devel] TO industrypack-devel", "bearings factory"),
    "pi-linux-erofs-1bd0c50f.eml": ("来自postmaster@aliyun.com的退信", "很抱歉您发送的邮件被退回"),
    "pi-linux-erofs-5671c91d.eml": ("Re: [PATCH] erofs: Eliminate usage of uninitialized_var() macro",
                                    "Okay, I was just wondering"),
    "pi-linux-f2fs-devel-4029f68f.eml": ("[f2fs-dev] 【メルカリ】ア\u2064カウント制限のお知\u2064らせです", "こちらは"),
    "pi-osst-users-6def7dbb.eml": ("[SPAM] 您有一条未读邮件！", "第一季度个人补贴领取通知，详情查看文档。"),
    "pi-osst-users-dc61fb82.eml": ("[Osst-users] Notification: 13豜14446I嫖5I9", "Osst-users mailing list"),
    "pi-osst-users-edf6c14e.eml": ("[Osst-users] osst-users@lists.sourceforge.net", "HeZongting"),
    # other suites' Chinese and broken samples
    "kopano-big5.eml": ("養樂多線上訂購", "body"),
    "kopano-gb2312_18030.eml": ("讀取: ??排??生?a", "bodytext"),
    "demisto-chinese_big5_encoding.eml": ("Hello from China", "圖形碼"),
    "demisto-chinese_gb2312_encoding.eml": ("Greeting in Chinese", "你好，我是程序员，很高兴认识你"),
    "demisto-chinese_gbk_encoding.eml": ("Hello from China", "你好，中国"),
    "demisto-test_text_before_headers.eml": ("test bcc", "test bcc"),
    "spamscope-mail_test_12": ("代开各地增值税发票", "我公司可代开各类增值税发票"),  # gb2312 label, UTF-8 bytes
    "stalwart-023.eml": ("Die Hasen und die Frösche", "Die Hasen klagten einst über ihre mißliche Lage"),
    "ruby-attachment_nonascii_filename.eml": ("testing", "This is the first part."),
    "ruby-raw_email_bad_time.eml": ("[0]: XXXXXXX XXXXX XXXXX !", "This message has been scanned"),
}


def _read(name: str):
    return read_message((CORPUS / name).read_bytes())


def test_the_sample_is_complete():
    files = {p.name for p in CORPUS.iterdir() if p.name != "SOURCES.tsv"}
    assert files == set(CASES)
    assert len(files) == 40


@pytest.mark.parametrize("name", sorted(CASES))
def test_subject_and_text_are_decoded(name):
    subject, snippet = CASES[name]
    mail = _read(name)
    assert mail.subject == subject
    assert snippet in mail.body_text
    readable = [mail.subject, mail.sender_name, mail.body_text, mail.quoted_text]
    readable += [a.filename for a in mail.attachments] + [a.text or "" for a in mail.attachments]
    assert not any("\ufffd" in text for text in readable)


def test_mislabelled_parts_are_reported_as_repaired():
    expected = {
        "trec06c-normal-208": ("utf-8", "gb18030"),
        "trec06c-normal-6563": ("us-ascii", "gb18030"),
        "trec06c-spam-1931": ("ISO-8859-1", "gb18030"),
        "trec06c-spam-6187": ("BIG5", "gb18030"),
        "spamscope-mail_test_12": ("GB2312", "utf-8"),
        "trec06c-normal-1565": ("", "gb18030"),
    }
    for name, pair in expected.items():
        mail = _read(name)
        assert mail.charsets[0] == pair, name
        assert mail.repaired, name
    gbk_under_gb2312 = _read("trec06c-normal-1324")  # read with the superset, and said so
    assert gbk_under_gb2312.charsets == [("gb2312", "gb18030")] and gbk_under_gb2312.repaired
    honest = _read("trec06c-spam-557")  # plain GB2312 under its own (odd) label
    assert honest.charsets == [("GB2312_CHARSET", "gb18030")] and not honest.repaired


def test_raw_8bit_sender_names_and_attachment_names():
    assert _read("pi-osst-users-edf6c14e.eml").sender_name == "河南中奥毯业销售部"
    assert _read("pi-industrypack-devel-869d7060.eml").sender_name == "人力资源通知专用"
    assert _read("kopano-gb2312_18030.eml").sender_name == "梁祐晟"
    assert _read("ruby-raw_email_bad_time.eml").sender_name == "Атиковa"
    assert _read("demisto-test_text_before_headers.eml").sender_name == "משה גליצWי"
    assert [a.filename for a in _read("pi-osst-users-edf6c14e.eml").attachments] == ["翟于运.gif"]
    assert [a.filename for a in _read("ruby-attachment_nonascii_filename.eml").attachments] == ["ciële.txt"]
    names = [a.filename for a in _read("stalwart-023.eml").attachments]
    assert names == ["blueball.png", "farmerandstork.txt", "HasenundFrösche.txt"]


def test_docx_attachment_of_a_real_phishing_mail_is_read_as_the_item():
    mail = _read("pi-osst-users-6def7dbb.eml")
    (document,) = [a for a in mail.attachments if a.filename.endswith(".docx")]
    assert document.filename == "2023年第1季度个人劳动补贴通知.docx"
    assert document.text.startswith("2023年第1季度个人劳动补贴通知")
    assert "根据国家财政部、国家税务总局" in document.text
    assert mail.item_text() == mail.body_text  # the list footer makes the body more than a cover note


def test_flattened_multipart_is_noted():
    mail = _read("trec06c-normal-1000")
    assert "multipart without boundary lines: read as text" in mail.defects


def test_real_noise():
    reasons = {name: noise_reason(_read(name), set()) for name in (
        "pi-industrypack-devel-1ecdf587.eml", "pi-linux-erofs-1bd0c50f.eml", "trec06c-spam-2424",
        "pi-industrypack-devel-3600f3a2.eml", "trec06c-normal-4446", "pi-linux-erofs-5671c91d.eml",
        "trec06c-normal-1324")}
    assert reasons == {
        "pi-industrypack-devel-1ecdf587.eml": "auto-submitted: auto-replied",
        "pi-linux-erofs-1bd0c50f.eml": "bounce from postmaster@aliyun.com",
        "trec06c-spam-2424": "bounce subject",
        "pi-industrypack-devel-3600f3a2.eml": "bounce from postmaster@gz.lllc",
        "trec06c-normal-4446": "bulk mail (List-Unsubscribe and Precedence)",
        "pi-linux-erofs-5671c91d.eml": "mailing list (List-Id)",
        "trec06c-normal-1324": None,
    }


def test_traditional_reply_header_goes_to_quoted_text():
    mail = _read("pi-ibm-acpi-devel-59838e3e.eml")
    assert mail.quoted_text.startswith("Nitin Joshi1 <njoshi1@lenovo.com> 於 2024年9月2日 週一 下午9:42寫道：")
    assert "於 2024年9月2日" not in mail.body_text


def test_alimail_bounce_reads_the_returned_eml_but_is_no_forward():
    mail = _read("pi-linux-erofs-1bd0c50f.eml")
    assert mail.forwarded is False
    assert mail.body_text.startswith("很抱歉您发送的邮件被退回")
    returned = mail.attachments[0]
    assert returned.filename == "Re [PATCH] erofs remove more unnecessary #ifdefs.eml"
    assert returned.content_type == "message/rfc822"
    assert returned.text.startswith("Reviewed-by: Gao Xiang")
