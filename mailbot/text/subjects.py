"""Reply and forward prefixes of subjects: 回复：, 答复：, 回覆：, Re:, RE:, AW:, 转发：, 轉發：, Fwd:, FW: …

Matched on the subject as sent, so half- and full-width letters, colons and brackets are
spelt out: ``Re:``, ``ＲＥ：``, ``Re[2]:``, ``回复(2)：``, ``【转发】``, ``[Fwd]``, any number of
them in a row (``Re: 回复：转发：…``). A prefix needs its colon or its brackets: 转发省政府
关于…的通知 is a document title, not a forward.
"""

from __future__ import annotations

import re

REPLY_WORDS = ("re", "aw", "sv", "回复", "回覆", "回復", "答复", "答覆", "答復")
FORWARD_WORDS = ("fwd", "fw", "wg", "转发", "轉發", "转寄", "轉寄", "转", "轉")
# Tags mail gateways put in front of a subject; stripped only when a caller asks (``tags=True``).
GATEWAY_TAGS = ("spam", "possible spam", "suspected spam", "垃圾邮件", "疑似垃圾邮件", "可疑邮件",
                "广告", "外部邮件", "外部", "external", "ext")

_FULL_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_WORD = rf"(?:{_alternation(REPLY_WORDS + FORWARD_WORDS)})"
_COUNT = r"(?:\s*[\[［(（]\s*\d{1,3}\s*[\]］)）]|\^\d{1,3})?"
_OPEN, _CLOSE = r"[\[［【〔(（]", r"[\]］】〕)）]"
# One prefix: "Re:", "回复(2)：", "[转发]", "【Fwd】".
_PREFIX = re.compile(
    rf"\s*(?:(?P<word>{_WORD}){_COUNT}\s*[:：﹕]|{_OPEN}\s*(?P<bword>{_WORD})\s*{_CLOSE})\s*",
    re.IGNORECASE,
)
_TAG = re.compile(
    rf"\s*(?:{_OPEN}\s*(?:{_alternation(GATEWAY_TAGS)})\s*{_CLOSE}|\*{{2,3}}\s*spam\s*\*{{2,3}})\s*",
    re.IGNORECASE,
)
_FORWARDS = {w.translate(_FULL_WIDTH).lower() for w in FORWARD_WORDS}


def _prefixes(subject: str, tags: bool) -> tuple[int, list[str]]:
    """(end of the leading prefixes, their words in lower case)."""
    text = subject or ""
    # Full-width Latin (ＲＥ：, Ｆｗｄ：) is matched through its plain form, same length.
    plain = text.translate(_FULL_WIDTH)
    at, found = 0, []
    while True:
        m = _PREFIX.match(plain, at)
        if m is not None and m.end() > at:
            found.append((m.group("word") or m.group("bword")).lower())
            at = m.end()
            continue
        t = _TAG.match(plain, at) if tags else None
        if t is not None and t.end() > at:
            at = t.end()
            continue
        return at, found


def reply_prefix(subject: str, tags: bool = False) -> str:
    """The leading reply/forward prefixes as written ("Re: 回复：", "" when there are none)."""
    end, _ = _prefixes(subject, tags)
    return (subject or "")[:end]


def strip_reply_prefixes(subject: str, tags: bool = False) -> str:
    """The subject without its leading reply/forward prefixes (and gateway tags such as
    [SPAM] or [外部邮件] among them when ``tags``), leading spaces dropped."""
    end, _ = _prefixes(subject, tags)
    return (subject or "")[end:].lstrip()


def is_forward_subject(subject: str) -> bool:
    """True when a forward prefix (Fwd:, FW:, 转发：, 轉發：, 转：…) leads, after any Re:."""
    _, words = _prefixes(subject, True)
    return any(w in _FORWARDS for w in words)


def is_reply_subject(subject: str) -> bool:
    """True when the subject starts with a reply or forward prefix."""
    return bool(_prefixes(subject, False)[1])
