"""Reading a mail as its reader's client would: the text part, the HTML part, what each says.

``facts`` is the words and numbers a part says (CJK runs, numbers, receipt numbers), so a
test can require the HTML part (what Foxmail shows) and the text part to say the same.
"""

from __future__ import annotations

import re
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage

from bs4 import BeautifulSoup

TOKEN = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9][A-Za-z0-9.%@_:/+-]*")


def parse(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def parts(msg: EmailMessage) -> tuple[str, str]:
    """(text part, HTML part) of a multipart/alternative mail; both must be there."""
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "both a text and an HTML part"
    return text.get_content(), html.get_content()


def html_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    return (soup.body or soup).get_text(" ")


def facts(text: str) -> Counter[str]:
    return Counter(TOKEN.findall(text))


def disagreement(text: str, html: str) -> tuple[Counter[str], Counter[str]]:
    """(said only in the text part, said only in the HTML part): both empty when the parts agree."""
    a, b = facts(text), facts(html_text(html))
    return a - b, b - a


def has_cjk(s: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]{4,}", s))
