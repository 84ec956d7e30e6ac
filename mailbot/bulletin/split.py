"""A published issue (《…信息》第N期) split into its articles, each with its title and text.

The issue's own structure is followed, strongest signal first:

* a .docx's title lines in heading styles (标题 1/Heading 1/Title …), or, when it uses no styles,
  its short paragraphs set centred and bold or in a title-sized font;
* a table of contents (目录 / 本期要目): its entries are the titles, found again in the body;
* otherwise title-like lines: short, standing alone, not ending in 。；，：, numbered in sequence
  (一、 1. （一）) or 【…】-headed. An item's own sub-heads (一、加强组织领导) restart their
  numbers, so a number behind the sequence is a sub-head, not an article (one a little ahead is a
  title after one that was missed);
* a bare 【工作动态】-style line is a section header: it ends an article and starts none.

The masthead before the first article and the distribution block after the last (报：送：
发：共印…份) belong to no article. A 供稿 line (（甲市卫生局供稿）) is kept as the article's credit.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date

from mailbot.reading.attachments import extract_text
from mailbot.reading.model import ReadingLimits
from mailbot.text import alnum_only, folded

MAX_TITLE = 48  # characters: a longer line is a paragraph
_END_PUNCT = "。！？；，、：,.;:!?…"
_TOC = re.compile(r"^\s*(?:目\s*录|本期要目|本期目录|要\s*目|本期导读)\s*$")
_TOC_TAIL = re.compile(r"[\s.．·…\-—_]*(?:第?\s*\d{1,3}\s*页?)?\s*$")
_SECTION = re.compile(r"^\s*[【\[［〔]([^】\]］〕]{1,14})[】\]］〕]\s*$")
_TAGGED = re.compile(r"^\s*[【\[［〔][^】\]］〕]{1,30}[】\]］〕]\s*\S")
_NUMBERED = (
    ("dun", re.compile(r"^\s*([一二三四五六七八九十]{1,3})\s*[、.．]\s*")),
    ("arabic", re.compile(r"^\s*(\d{1,2})\s*(?:[、．]|\.(?!\d))\s*")),
    ("paren", re.compile(r"^\s*[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]\s*")),
)
_CREDIT = re.compile(r"^\s*[（(]\s*(?:供稿|来源|来稿|稿件来源|供稿单位)?\s*[:：]?\s*([^（）()]{2,40}?)\s*"
                     r"(?:供稿|提供|报送|报)?\s*[）)]\s*$")
_TAIL = re.compile(r"^\s*(?:报\s*[:：]|送\s*[:：]|发\s*[:：]|抄\s*送\s*[:：]|报\s*送\s*[:：]|分\s*送\s*[:：]|印\s*发|"
                   r"[（(]?\s*共印\s*\d*|责任编辑|本期编辑|编辑\s*[:：]|审\s*核\s*[:：]|签\s*发\s*[:：]|"
                   r"联系电话|联系人\s*[:：]|校\s*对\s*[:：])")
_MASTHEAD = re.compile(r"(?:第\s*\d+\s*期|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|编印|主办|内部资料|注意保存|"
                       r"^\s*《[^》]+》\s*$|^\s*\S{2,10}信息\s*$)")
_DATE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}


@dataclass
class Article:
    """One article of an issue: its number (1, 2 …), title, text, and the 供稿 credit if printed."""

    number: int
    title: str
    text: str
    credit: str = ""


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS.get(text[1:], 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _CN_DIGITS.get(tens, 0) * 10 + _CN_DIGITS.get(ones, 0)
    return _CN_DIGITS.get(text, 0)


def _key(text: str) -> str:
    return alnum_only(folded(text).lower())


def _title_like(line: str) -> bool:
    s = line.strip()
    return 4 <= len(s) <= MAX_TITLE and s[-1] not in _END_PUNCT and not _CREDIT.match(s) and not _TAIL.match(s)


def issue_date(text: str) -> date | None:
    """The date printed in the masthead (2026年3月10日), if the first lines carry one."""
    for line in (text or "").splitlines()[:15]:
        m = _DATE.search(line)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def read_issue(filename: str, data: bytes, limits: ReadingLimits | None = None) -> tuple[str, list[str], str | None]:
    """(text, title lines marked by the document's styles, note) of an issue file."""
    limits = limits or ReadingLimits()
    text, note, _ = extract_text(filename, "application/octet-stream", data, limits)
    headings = docx_headings(data) if text and data.startswith(b"PK") else []
    return text or "", headings, note


def docx_headings(data: bytes) -> list[str]:
    """Paragraphs in a heading or title style; else centred bold short ones (editors' manual titles)."""
    try:
        import docx
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                return []
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - the text was read already; styles are a hint only
        return []
    styled, centred = [], []
    for p in document.paragraphs:
        text = p.text.strip()
        if not text or len(text) > MAX_TITLE * 2:
            continue
        style = (p.style.name if p.style is not None else "") or ""
        if re.match(r"(?i)^(heading|title|标题)", style):
            styled.append(text)
        elif _title_like(text) and p.runs and (
                (p.alignment == WD_ALIGN_PARAGRAPH.CENTER and all(r.bold for r in p.runs if r.text.strip()))
                or all(r.font.size is not None and r.font.size.pt >= 15 for r in p.runs if r.text.strip())):
            centred.append(text)  # centred bold, or set larger than the body (二号/三号 title fonts)
    return styled or centred


def _toc(lines: list[str]) -> tuple[list[str], int, int]:
    """(entries, first line, end line) of the table of contents; ([], 0, 0) when there is none."""
    for i, line in enumerate(lines[:80]):
        if _TOC.match(line):
            entries: list[str] = []
            j = i + 1
            while j < len(lines):
                s = lines[j].strip()
                if not s:
                    j += 1
                    if entries and j < len(lines) and not lines[j].strip():
                        break
                    continue
                title = _TOC_TAIL.sub("", s).strip()
                if _marked(title, {_key(e) for e in entries}):
                    break  # the first title again (or its first line, wrapped): the body starts
                if not _title_like(title) or _SECTION.match(s):
                    if _SECTION.match(s):
                        j += 1
                        continue
                    break
                entries.append(title)
                j += 1
            if entries:
                return entries, i, j
    return [], 0, 0


def split_issue(text: str, headings: list[str] | None = None) -> list[Article]:
    """The articles of an issue's text (``headings``: title lines the document's styles mark)."""
    lines = _unwrap([ln.strip() for ln in (text or "").replace("\r\n", "\n").replace("\x0c", "\n").split("\n")])
    entries, toc_start, toc_end = _toc(lines)
    skip = set(range(toc_start, toc_end)) if entries else set()
    marked = {_key(h) for h in (headings or []) if _key(h)} or {_key(e) for e in entries if _key(e)}
    starts: list[int] = []
    if marked:
        for i, line in enumerate(lines):
            if i not in skip and _title_like(line) and _marked(line, marked):
                starts.append(i)
    if len(starts) < max(1, len(marked) // 2):
        starts = _guess_starts(lines, skip)
    return _cut(lines, starts, skip)


def _unwrap(lines: list[str]) -> list[str]:
    """A PDF's lines joined back into paragraphs: a line as long as the page is wide goes on.

    The width is the length most long lines share; a document of long paragraphs (.docx, HTML)
    has no such width and is left as it is."""
    lengths = [len(ln) for ln in lines if len(ln) >= 8]
    if len(lengths) < 10:
        return lines
    width = max(set(lengths), key=lambda w: (sum(1 for n in lengths if w - 3 <= n <= w), w))
    near = sum(1 for n in lengths if width - 3 <= n <= width + 3)
    if width > 70 or near < len(lengths) / 3 or sum(1 for n in lengths if n > width + 6) > len(lengths) / 10:
        return lines
    out: list[str] = []
    joining = False
    for i, ln in enumerate(lines):
        if not ln:
            if not joining:
                out.append("")
            continue
        if joining and out:
            out[-1] += ln
        else:
            out.append(ln)
        nxt = next((x for x in lines[i + 1:] if x), "")
        ends = ln[-1] in "。！？”" and len(nxt) < width - 3 and _title_like(nxt)  # a title after a full last line
        broken = ln[-1] in "，、：（《“" and len(nxt) < width - 3  # a long title's first line goes on
        joining = (len(ln) >= width - 3 or broken) and not _TAIL.match(ln) and not ends
    if not out or out[-1]:
        out.append("")
    return out


def _marked(line: str, marked: set[str]) -> bool:
    """The line is a marked title, or one of them with its number, unit tag or page cut off."""
    keys = {_key(line), _key(_strip_number(line))} - {""}
    if keys & marked:
        return True
    return any(len(m) >= 8 and len(k) >= 8 and (k.startswith(m) or m.startswith(k)) for k in keys for m in marked)


def _strip_number(line: str) -> str:
    for _, pattern in _NUMBERED:
        m = pattern.match(line)
        if m:
            return line[m.end():]
    return line


def _standalone(lines: list[str], i: int) -> bool:
    """A line after a blank, a finished sentence or the masthead, before a paragraph (longer, or a sentence)."""
    prev = lines[i - 1].strip() if i else ""
    before = (not prev or _CREDIT.match(prev) or _SECTION.match(prev) or prev[-1] in "。！？”"
              or _MASTHEAD.search(prev))
    after = [ln.strip() for ln in lines[i + 1:i + 6] if ln.strip()]
    if len(after) > 1 and len(after[0]) < 16 and after[0][-1] not in _END_PUNCT and not _MASTHEAD.search(after[0]):
        after = after[1:]  # the rest of a wrapped title
    nxt = after[0] if after else ""
    return bool(before) and (not nxt or len(nxt) > len(lines[i].strip()) or nxt[-1] in "。！？”")


def _guess_starts(lines: list[str], skip: set[int]) -> list[int]:
    expected: dict[str, int] = {}
    starts = []
    for i, line in enumerate(lines):
        s = line.strip()
        if i in skip or not s or not _title_like(s) or _SECTION.match(s) or _MASTHEAD.search(s):
            continue
        numbered = False
        for style, pattern in _NUMBERED:
            m = pattern.match(s)
            if m:
                numbered = True
                n = _cn_number(m.group(1))
                want = expected.get(style, 1)  # a title the reader missed may leave a gap; a sub-head restarts at 一
                if style != "paren" and want <= n <= want + 2 and _standalone(lines, i):
                    expected[style] = n + 1
                    starts.append(i)
                break
        if numbered:
            continue
        if (_TAGGED.match(s) or _standalone(lines, i)) and _has_body(lines, i):
            starts.append(i)
    return starts


def _has_body(lines: list[str], i: int) -> bool:
    """The next few lines hold at least a paragraph's worth of sentences."""
    body = "".join(ln.strip() for ln in lines[i + 1:i + 12] if not _title_like(ln))
    return len(body) >= 40 and "。" in body


def _cut(lines: list[str], starts: list[int], skip: set[int]) -> list[Article]:
    articles: list[Article] = []
    starts = sorted(set(starts))
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body, credit = [], ""
        for j in range(start + 1, end):
            s = lines[j].strip()
            if j in skip:
                continue
            if _TAIL.match(s):
                break
            if _SECTION.match(s):
                continue
            m = _CREDIT.match(s)
            if m and len(s) <= 42:
                credit = m.group(1).strip()
                continue
            body.append(s)
        title = _strip_number(lines[start].strip()).strip()
        first = next((n for n, ln in enumerate(body) if ln), None)
        if (first is not None and len(title) >= 20 and len(body[first]) < 16 and body[first][-1] not in _END_PUNCT
                and not _CREDIT.match(body[first]) and title[-1] not in _END_PUNCT):
            title += body.pop(first)  # the rest of a title the page width wrapped
        text = "\n".join(body).strip()
        if text:
            articles.append(Article(len(articles) + 1, title, re.sub(r"\n{3,}", "\n\n", text), credit))
    return articles
