"""Shared output: --format table|json|csv, printed the same way by every listing command."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable
from typing import Any

import click


def format_option(*choices: str, default: str = "table"):
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True,
                        help="Output format.")


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int) -> str:
    return s + " " * (w - _width(s))


def _cut(s: str, w: int) -> str:
    out, n = "", 0
    for c in s:
        cw = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        if n + cw > w - 1:
            return out + "…"
        out, n = out + c, n + cw
    return out


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], max_width: int = 40) -> str:
    """A plain text table whose columns line up with Chinese text (double-width characters)."""
    cells = [[_cut("" if r.get(k) is None else str(r.get(k)), max_width) for k, _ in columns] for r in rows]
    heads = [h for _, h in columns]
    widths = [max([_width(h)] + [_width(c[i]) for c in cells]) for i, h in enumerate(heads)]
    lines = ["  ".join(_pad(h, widths[i]) for i, h in enumerate(heads)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, widths[i]) for i, c in enumerate(row)).rstrip() for row in cells]
    return "\n".join(lines)


def to_csv(rows: Iterable[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: (";".join(map(str, v)) if isinstance(v, list) else v) for k, v in r.items()})
    return buf.getvalue()


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
