"""The forms an item's text is read in: ``cleaned`` for the classifier's title and opening,
``comparable`` for recognising the same item again, ``alnum_only`` for exact digests."""

from __future__ import annotations

import re

from mailbot.text.chinese import folded, simplified

# Pinyin left in by web conversions, e.g. "政務(wù)"
_PINYIN = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）]")
_SPACE = re.compile(r"[ \t\u3000\xa0]+")


def cleaned(text: str, limit: int | None = None) -> str:
    """Simplified, pinyin-free, whitespace-squeezed text, cut to ``limit`` characters first."""
    if limit is not None:
        text = text[:limit]
    text = _PINYIN.sub("", simplified(text or ""))
    return _SPACE.sub(" ", text).strip()


# Lines that are not the item: sign-off and contact blocks, forwarded-mail headers.
_SIGNATURE_LINE = re.compile(
    r"^\s*(?:报送单位|供稿单位|报送人|信息员|联络员|签发人?|审核人?|审签|核稿人?|撰稿人?|"
    r"拟稿人?|供稿人?|联系人|联系电话|联系方式|电话|手机|传真|邮箱|电子邮箱|e-?mail|地址|邮编|"
    r"发件人|收件人|抄送|发送时间|日期|主题|from|to|cc|sent|date|subject)\s*[:：]",
    re.IGNORECASE,
)
_SEPARATOR_LINE = re.compile(r"^\s*(?:--+|—+|_{3,}|-{3,}.*-{3,}|-+\s*原始邮件\s*-+|-+\s*转发.*-+)\s*$")
_DATE_LINE = re.compile(r"^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$|^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*$")
_UNIT_LINE = re.compile(r"^\s*\S{2,30}(?:局|厅|委|办|处|科|室|中心|院|站|所|政府|委员会|办公室|公司)\s*$")
# Whitespace inside Chinese text is layout (and splits words for jieba);
# between two Latin letters or digits it separates words.
_LAYOUT_SPACE = re.compile(r"(?<![A-Za-z0-9])\s+|\s+(?![A-Za-z0-9])")
_NOT_WORD = re.compile(r"[\W_]+")


def _drop_boilerplate_lines(text: str) -> str:
    """Remove sign-off/contact/forward-header lines anywhere, a trailing mail
    signature after "--", and a trailing 落款 (unit name, date)."""
    lines = text.splitlines()
    kept: list[str] = []
    for i, line in enumerate(lines):
        if line.strip() in ("--", "-- ") and len("".join(lines[i + 1:])) <= 300:
            break
        if _SEPARATOR_LINE.match(line) or (len(line) <= 80 and _SIGNATURE_LINE.match(line)):
            continue
        kept.append(line)
    while kept and (not kept[-1].strip() or _DATE_LINE.match(kept[-1]) or _UNIT_LINE.match(kept[-1])):
        kept.pop()
    return "\n".join(kept)


def comparable(text: str) -> str:
    """The item text as compared with earlier items: NFKC, simplified, lower case, without
    sign-off lines and without layout whitespace."""
    text = _drop_boilerplate_lines(folded(text or ""))
    return _LAYOUT_SPACE.sub("", text).lower()


def alnum_only(text: str) -> str:
    """Letters and digits only (CJK included): what survives punctuation and layout."""
    return _NOT_WORD.sub("", text)
