"""Plain-text tables whose columns line up with Chinese text (double-width characters).

Used by the CLI listings and by the text part of mails, so both line up the same way.
"""

from __future__ import annotations

import unicodedata
from typing import Any


def width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def pad(s: str, w: int) -> str:
    return s + " " * (w - width(s))


def cut(s: str, w: int | None) -> str:
    if w is None:
        return s
    out, n = "", 0
    for c in s:
        cw = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        if n + cw > w - 1:
            return out + "…"
        out, n = out + c, n + cw
    return out


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], max_width: int | None = 40,
          indent: str = "", rule: bool = True) -> str:
    """Heading line, a rule of dashes, then one line per row; cells cut at ``max_width`` (None: never)."""
    cells = [[cut("" if r.get(k) is None else str(r.get(k)), max_width) for k, _ in columns] for r in rows]
    heads = [h for _, h in columns]
    widths = [max([width(h)] + [width(c[i]) for c in cells]) for i, h in enumerate(heads)]
    lines = [indent + "  ".join(pad(h, widths[i]) for i, h in enumerate(heads)).rstrip()]
    if rule:
        lines.append(indent + "  ".join("-" * w for w in widths))
    lines += [indent + "  ".join(pad(c, widths[i]) for i, c in enumerate(row)).rstrip() for row in cells]
    return "\n".join(lines)
