"""The HTML part of a mail whose kind has no ``body.html.j2``: its text part, laid out.

Foxmail, Outlook and 163 webmail show the HTML part of a message and a plain-text-only mail
in a fixed-width or browser-default font, so every mail mailbot sends has an HTML part. A kind
with layout of its own (receipt, alert, digest, 通报) writes ``body.html.j2`` from the same
sentences as its text; any other kind (催报, command replies, 查询 answers, notices) gets this
one: the text part itself, cut into blocks by its blank lines and indentation, each shown as
an office letter shows it. Nothing is added or left out, so both parts say the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# “报送任务：50 条”, “得　　分：2 分”: a short label, a colon, a value.
_PAIR = re.compile(r"^(?P<label>[^\s：:，。,](?:[^：:，。,]{0,10}[^\s：:，。,])?)[：:]\s*(?P<value>\S.*)$")
_FOOTNOTE = re.compile(r"^（.*）$")
_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
SIGN_CHARS = 24  # a closing line (office, date) is at most this long


@dataclass
class Line:
    text: str
    children: list[Line] = field(default_factory=list)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The lines under it as (label, value) when every one is “label：value”, else []."""
        found = [_PAIR.match(c.text) for c in self.children]
        return [(m.group("label"), m.group("value")) for m in found if m] if len(found) > 1 and all(found) else []


@dataclass
class Block:
    """``kind``: salute | para | heading | list | pairs | sign | footnote."""

    kind: str
    lines: list[str] = field(default_factory=list)
    caption: str = ""
    items: list[Line] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)


def _indent(line: str) -> int:
    n = 0
    for c in line:
        if c == " ":
            n += 1
        elif c == "\u3000":
            n += 2
        elif c == "\t":
            n += 4
        else:
            break
    return n


def _paragraphs(text: str) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            out[-1].append(line.rstrip())
        elif out[-1]:
            out.append([])
    return [p for p in out if p]


def _items(lines: list[str]) -> list[Line]:
    """Indented lines as a list; a line indented deeper than the one before hangs under it."""
    items: list[Line] = []
    base = min(_indent(x) for x in lines)
    for line in lines:
        if items and _indent(line) > base:
            items[-1].children.append(Line(line.strip()))
        else:
            items.append(Line(line.strip()))
    return items


def _list_block(lines: list[str], caption: str = "") -> Block:
    items = _items(lines)
    pairs = [_PAIR.match(i.text) for i in items]
    if len(items) > 1 and all(pairs) and not any(i.children for i in items):
        return Block("pairs", caption=caption, pairs=[(m.group("label"), m.group("value")) for m in pairs if m])
    return Block("list", caption=caption, items=items)


def blocks(text: str) -> list[Block]:
    """The text part, block by block."""
    paras = _paragraphs(text)
    out: list[Block] = []
    # The closing: “（本邮件由系统自动发送）” lines, and the office and date above them.
    tail: list[Block] = []
    while paras and all(_FOOTNOTE.match(x.strip()) for x in paras[-1]):
        tail.insert(0, Block("footnote", lines=[x.strip() for x in paras.pop()]))
    if paras and len(paras) > 1 and all(_indent(x) == 0 and len(x.strip()) <= SIGN_CHARS and "：" not in x
                                        for x in paras[-1]):
        last = [x.strip() for x in paras.pop()]
        foot = [x for x in last if _FOOTNOTE.match(x)]
        tail.insert(0, Block("sign", lines=[x for x in last if not _FOOTNOTE.match(x)]))
        if foot:
            tail.insert(1, Block("footnote", lines=foot))
    for n, para in enumerate(paras):
        indents = [_indent(x) for x in para]
        if n == 0 and len(para) == 1 and indents[0] == 0 and para[0].endswith("："):
            out.append(Block("salute", lines=[para[0]]))
        elif min(indents) > 0:
            block = _list_block(para)
            if block.kind == "list" and out and out[-1].kind == "list" and not out[-1].caption:
                out[-1].items.extend(block.items)  # one list, though the text spaces its lines apart
            else:
                out.append(block)
        elif indents[0] == 0 and len(para) > 1 and min(indents[1:]) > 0:
            out.append(_list_block(para[1:], caption=para[0].strip()))
        else:
            for line in para:
                kind = "heading" if _HEADING.match(line.strip()) else "para"
                out.append(Block(kind, lines=[line.strip()]))
    return out + tail
