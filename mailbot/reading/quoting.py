"""Split a mail body into own text, quoted history, signature; recognise forwards.

Markers seen in Chinese and English clients:
  forward:  "---------- Forwarded message ----------", "-------- 转发邮件信息 --------",
            "Begin forwarded message:"
  history:  "-----原始邮件-----", "------------------ 原始邮件 ------------------",
            "-----Original Message-----", Outlook blocks "发件人: … 发送时间: …" / "From: … Sent: …"
  reply:    "在 2024年…写道：", "… 于2024年11月6日周三 写道：", "On … wrote:", "【 在 x 的大作中提到: 】",
            and lines starting with ">".
History without own text above it is read as a forward.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbot.text import is_cover_note, is_forward_subject

_FORWARD = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|转发邮件信息|转发的邮件|轉寄郵件|转发邮件)\s*-{2,}"
    r"|begin forwarded message:?)\s*$",
    re.I,
)
_HISTORY = re.compile(
    r"^\s*-{2,}\s*(原始邮件|原始郵件|original message|邮件原文|原邮件)\s*-{2,}\s*$", re.I
)
_REPLY = re.compile(
    r"^\s*(.{0,160}[写寫]道\s*[:：]?|on\s.{0,200}\swrote:|.{0,160}\swrote:|【\s*在.{0,80}提到\s*[:：]?\s*】)\s*$",
    re.I,
)
# "…在贺信中写道：" inside an item is no reply header: those name a mail address or a date.
_REPLY_EVIDENCE = re.compile(r"@|\d{4}\s*[-/年.]\s*\d{1,2}|\d{1,2}:\d{2}|大作中|^\s*on\s", re.I)
_ON_START = re.compile(r"^\s*On\s.{5,}", re.I)
_WROTE_END = re.compile(r"\bwrote:\s*$", re.I)
_FIELD = re.compile(
    r"^\s*\*?\s*(发件人|寄件者|寄件人|from|发送时间|发送日期|发件时间|发信时间|时间|寄件日期|日期|sent|date|收件人|收件者|to|抄送|副本|cc|"
    r"主题|主旨|subject)\s*\*?\s*[:：]",
    re.I,
)
_FROM_FIELD = re.compile(r"^\s*\*?\s*(发件人|寄件者|寄件人|from)\s*\*?\s*[:：]", re.I)
_SUBJECT_FIELD = re.compile(r"^\s*\*?\s*(?:主题|主旨|subject)\s*\*?\s*[:：]\s*(?P<subject>.*?)\s*$", re.I)
_RULE = re.compile(r"^\s*_{8,}\s*$")
_SIG = re.compile(r"^--\s?$")
_BLANKS = re.compile(r"\n{3,}")


@dataclass
class BodyParts:
    body: str
    quoted: str
    signature: str
    forwarded: bool
    marker: str | None = None  # kind of the first history marker: forward, history, reply
    forwarded_subject: str | None = None  # the forwarded message's own Subject:/主题: line, as written


def _subject_of(header: list[str]) -> str | None:
    """The Subject:/主题: of a forwarded message's header lines, if it has one."""
    for line in header:
        m = _SUBJECT_FIELD.match(line)
        if m and m.group("subject"):
            return m.group("subject")
    return None


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith((">", "＞"))


def _unquote(line: str) -> str:
    line = line.lstrip()
    return line[1:][1:] if line[1:2] == " " else line[1:]


def _outlook_block(lines: list[str], i: int) -> int:
    """Length of an Outlook/Foxmail header block starting at line i (0 if none)."""
    start = i
    if _RULE.match(lines[i]):
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
    if i >= len(lines) or not _FROM_FIELD.match(lines[i]):
        return 0
    fields = 0
    j = i
    while j < len(lines) and j < i + 8:
        if _FIELD.match(lines[j]):
            fields += 1
        elif lines[j].strip() and fields and j > i + 1:
            break
        j += 1
    return j - start if fields >= 2 else 0


def _marker(lines: list[str], i: int) -> tuple[str, int] | None:
    """(kind, number of marker lines) for a marker starting at line i."""
    line = lines[i]
    if not line.strip():
        return None
    if _FORWARD.match(line):
        return "forward", 1
    if _HISTORY.match(line):
        return "history", 1
    if _REPLY.match(line) and _REPLY_EVIDENCE.search(line):
        return "reply", 1
    if _ON_START.match(line) and i + 1 < len(lines) and _WROTE_END.search(lines[i + 1]):
        return "reply", 2
    size = _outlook_block(lines, i)
    if size:
        return "history", size
    return None


def _strip_header_block(lines: list[str]) -> tuple[list[str], list[str]]:
    """Separate a forwarded message's own header lines (From:/发件人: ...) from its text."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    start = i
    seen = False
    while i < len(lines):
        if _FIELD.match(lines[i]):
            seen = True
        elif seen and lines[i][:1] in (" ", "\t") and lines[i].strip():
            pass  # continuation of a long To: line
        else:
            break
        i += 1
    if not seen:
        return [], lines
    return lines[start:i], lines[i:]


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    for i in range(len(lines) - 1, -1, -1):
        if _SIG.match(lines[i]):
            return lines[:i], lines[i + 1 :]
    return lines, []


def _tidy(lines: list[str]) -> str:
    return _BLANKS.sub("\n\n", "\n".join(line.rstrip() for line in lines)).strip("\n").strip()


def _split_history(lines: list[str]) -> tuple[list[str], list[str], str | None, int]:
    """own lines, quoted lines, kind of the first history marker, index where it starts."""
    own: list[str] = []
    quoted: list[str] = []
    i = 0
    while i < len(lines):
        found = _marker(lines, i)
        if found:
            kind, size = found
            if kind == "reply":
                j = i + size
                while j < len(lines) and not lines[j].strip():
                    j += 1
                if j < len(lines) and _is_quote(lines[j]):
                    quoted.extend(lines[i : i + size])
                    i += size
                    continue
            quoted.extend(lines[i:])
            return own, quoted, kind, i
        if _is_quote(lines[i]):
            quoted.append(lines[i])
        else:
            own.append(lines[i])
        i += 1
    return own, quoted, None, len(lines)


def split_body(text: str, subject: str = "") -> BodyParts:
    """Own text, quoted history and signature of a body; forwards give the forwarded text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    own, quoted, kind, at = _split_history(lines)
    own_text = _tidy(own)
    subject_forward = is_forward_subject(subject)
    # A 转发:/Fwd: whose own text is only a cover note (“请审阅采用。王丽”) over an original-message
    # block forwards that message: the block is the item, not history.
    forwarded = kind == "forward" or (kind == "history" and not own_text) or (
        subject_forward and kind is not None and not own_text
    ) or (subject_forward and kind == "history" and is_cover_note(own_text))
    if forwarded:
        marker = _marker(lines, at)
        assert marker is not None  # _split_history stopped at a marker
        size = marker[1]
        after = lines[at + size :]
        if kind == "history" and size > 1:  # the Outlook header block is the marker itself
            header, rest = lines[at : at + size], after
        else:
            header, rest = _strip_header_block(after)
        inner = split_body("\n".join(rest))
        body = inner.body
        if len(own_text) > 40:  # a real comment above the forward is kept; a short cover note is not
            body = own_text + "\n\n" + body
        quoted_text = _tidy(lines[at : at + size] + header + ([inner.quoted] if inner.quoted else []))
        return BodyParts(body, quoted_text, inner.signature, True, kind,
                         inner.forwarded_subject or _subject_of(header))
    if subject_forward and not own_text and quoted:
        # "Fwd:" whose whole body is ">"-quoted: the quoted message is the item
        unquoted = [_unquote(ln) for ln in quoted if _is_quote(ln)]
        header, rest = _strip_header_block(unquoted)
        return BodyParts(_tidy(rest), _tidy(header), "", True, "reply", _subject_of(header))
    body_lines, signature = _split_signature(own)
    return BodyParts(_tidy(body_lines), _tidy(quoted), _tidy(signature), subject_forward, kind)
