"""noise_reason: auto-replies, bounces, own mail and list mail are not submissions."""

from __future__ import annotations

import base64

import pytest

from mailbot.reading import noise_reason, read_message
from tests.test_reading_support import mail, multipart, part

OWN = {"zwxx@163.com", "bot@jlws.gov.cn"}


def _read(headers: dict[str, str | bytes], body: bytes = b"text") -> object:
    headers.setdefault("Content-Type", "text/plain; charset=utf-8")
    return read_message(mail(headers, body))


def _b(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?B?" + base64.b64encode(text.encode(charset)).decode() + "?="


def test_a_plain_submission_is_not_noise():
    submission = _read({"Subject": _b("【长春市卫生局】关于春节休假期间值班安排的信息")})
    assert noise_reason(submission, OWN) is None


@pytest.mark.parametrize("headers, reason", [
    ({"Auto-Submitted": "auto-replied"}, "auto-submitted: auto-replied"),
    ({"X-Autoreply": "yes"}, "auto-reply header x-autoreply"),
    ({"X-Autorespond": "1"}, "auto-reply header x-autorespond"),
    ({"X-Auto-Response-Suppress": "All"}, "auto-reply header x-auto-response-suppress"),
    ({"Subject": _b("自动回复：关于报送信息", "gb2312")}, "auto-reply subject"),
    ({"Subject": "Automatic reply: info"}, "auto-reply subject"),
    ({"Subject": "Out of Office: back Monday"}, "auto-reply subject"),
    ({"Subject": _b("【休假】我将于下周返回")}, "auto-reply subject"),
    ({"Subject": _b("系统退信")}, "bounce subject"),
    ({"Subject": "Undelivered Mail Returned to Sender"}, "bounce subject"),
    ({"Subject": "Delivery Status Notification (Failure)"}, "bounce subject"),
    ({"From": "MAILER-DAEMON@mx.163.com"}, "bounce from mailer-daemon@mx.163.com"),
    ({"From": "Postmaster <postmaster@jl.gov.cn>"}, "bounce from postmaster@jl.gov.cn"),
    ({"From": "Bot <Bot@JLWS.gov.cn>"}, "mail from own address bot@jlws.gov.cn"),
    ({"List-Id": "<news.example.com>"}, "mailing list (List-Id)"),
    ({"List-Unsubscribe": "<mailto:u@x>", "Precedence": "bulk"}, "bulk mail (List-Unsubscribe and Precedence)"),
])
def test_noise_is_recognised(headers, reason):
    assert noise_reason(_read(dict(headers)), OWN) == reason


def test_auto_submitted_no_is_a_person():
    assert noise_reason(_read({"Auto-Submitted": "no"}), OWN) is None


def test_list_unsubscribe_alone_is_not_bulk():
    # webmail newsletters aside, some office systems add List-Unsubscribe to every mail
    assert noise_reason(_read({"List-Unsubscribe": "<mailto:u@x>"}), OWN) is None


def test_delivery_report_is_a_bounce_and_its_original_is_kept():
    original = mail({"Subject": _b("防汛信息"), "Content-Type": "text/plain; charset=utf-8"}, "正文".encode())
    content_type, body = multipart([
        part("text/plain; charset=utf-8", "邮件无法投递".encode(), encoding="8bit"),
        part("message/delivery-status", b"Reporting-MTA: dns; mx.163.com\r\n", encoding="7bit"),
        part("message/rfc822", original, encoding="8bit"),
    ], "report")
    bounce = read_message(mail({"Subject": "Returned", "From": "mx@163.com",
                                "Content-Type": content_type + "; report-type=delivery-status"}, body))
    assert noise_reason(bounce, OWN) == "delivery status report"
    assert bounce.forwarded is False  # the returned original is not a forward
    assert bounce.body_text == "邮件无法投递"
    assert [a.content_type for a in bounce.attachments] == ["message/delivery-status", "message/rfc822"]
