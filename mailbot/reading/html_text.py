"""HTML mail bodies to readable plain text.

Block elements become line breaks so paragraphs survive; script, style and
head are dropped; blockquote lines get a "> " prefix so the quote splitter
treats webmail reply history like plain-text quoting.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, Comment, Doctype, MarkupResemblesLocatorWarning, NavigableString, Tag

_DROP = {"script", "style", "head", "title", "meta", "link", "noscript", "template", "object", "iframe", "svg"}
_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "ul", "ol", "li", "table", "tr",
    "h1", "h2", "h3", "h4", "h5", "h6", "pre", "address", "center", "dl", "dt", "dd", "form",
    "fieldset", "hr", "blockquote", "tbody", "thead", "tfoot", "caption", "body", "html", "main", "nav",
}
_CELL = {"td", "th"}
_SPACES = re.compile(r"[ \t\r\n\f\v\xa0\u200b]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


class _Writer:
    """Collects text with at most the needed line breaks between blocks."""

    def __init__(self) -> None:
        self.lines: list[str] = [""]

    def text(self, chunk: str) -> None:
        self.lines[-1] += chunk

    def newline(self) -> None:
        self.lines.append("")

    def block_break(self) -> None:
        if self.lines[-1].strip():
            self.lines.append("")


def _walk(node: Tag, out: _Writer, pre: bool, depth: int) -> None:
    for child in node.children:
        if isinstance(child, (Comment, Doctype)):
            continue
        if isinstance(child, NavigableString):
            text = str(child)
            out.text(text if pre else _SPACES.sub(" ", text))
            continue
        if not isinstance(child, Tag):
            continue
        name = (child.name or "").lower()
        if name in _DROP:
            continue
        if name == "br":
            out.newline()
            continue
        if name == "img":
            alt = child.get("alt")
            if isinstance(alt, str) and alt.strip():
                out.text(f"[{alt.strip()}]")
            continue
        if depth > 200:  # hostile nesting: keep the text, skip the structure
            out.text(_SPACES.sub(" ", child.get_text(" ")))
            continue
        if name == "blockquote":
            inner = _Writer()
            _walk(child, inner, pre, depth + 1)
            out.block_break()
            for line in _clean_lines(inner.lines):
                out.text("> " + line if line else ">")
                out.newline()
            continue
        if name in _CELL:
            if out.lines[-1].strip():
                out.text("\t")
            _walk(child, out, pre, depth + 1)
            continue
        block = name in _BLOCK
        if block:
            out.block_break()
        _walk(child, out, pre or name == "pre", depth + 1)
        if block:
            out.block_break()


def _clean_lines(lines: list[str]) -> list[str]:
    cleaned = [line.strip(" ") for line in lines]
    while cleaned and not cleaned[0].strip():
        cleaned.pop(0)
    while cleaned and not cleaned[-1].strip():
        cleaned.pop()
    return cleaned


def html_to_text(html: str) -> str:
    """Readable text of an HTML document or fragment; paragraph breaks kept."""
    if not html.strip():
        return ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        try:
            soup = BeautifulSoup(html, "lxml")
        except Exception:  # noqa: BLE001 - lxml refuses some hostile input
            soup = BeautifulSoup(html, "html.parser")
    out = _Writer()
    _walk(soup, out, False, 0)
    text = "\n".join(_clean_lines(out.lines))
    # Invalid character references (&#0; &#xD800; used by spam to break words) come out as
    # U+FFFD: they carry no text.
    return _BLANK_RUNS.sub("\n\n", text.replace("\ufffd", ""))


def looks_like_html(text: str) -> bool:
    """True for a body that is HTML although not labelled so (flattened multipart)."""
    head = text[:4000].lower()
    return "<html" in head or "<body" in head or ("<br" in head and "</" in head) or head.count("<p") > 2
