"""Where a key sits in a TOML file, so a config error can say ``file:line: key: reason``."""

from __future__ import annotations

import re
from typing import Any

_TABLE = re.compile(r"^\[\s*([^\[\]]+?)\s*\]")
_ARRAY_TABLE = re.compile(r"^\[\[\s*([^\[\]]+?)\s*\]\]")
_KEY = re.compile(r"^((?:[\w\-]+|\"[^\"]*\")(?:\s*\.\s*(?:[\w\-]+|\"[^\"]*\"))*)\s*=")


def _dotted(key: str) -> list[str]:
    return [part.strip().strip('"') for part in key.split(".")]


def line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line of a key path like ('categories', 2, 'keywords') in TOML text.

    The line of the deepest table header or ``key =`` whose path is a prefix of ``loc``;
    ``[[name]]`` tables count as name, 0, name, 1, ...
    """
    want = list(loc)
    best, best_depth = None, 0
    table: list[Any] = []
    seen_arrays: dict[tuple[Any, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if m := _ARRAY_TABLE.match(s):
            name = tuple(_dotted(m.group(1)))
            seen_arrays[name] = seen_arrays.get(name, -1) + 1
            table = [*name, seen_arrays[name]]
            path = table
        elif m := _TABLE.match(s):
            table = _dotted(m.group(1))
            path = table
        elif m := _KEY.match(s):
            path = [*table, *_dotted(m.group(1))]
        else:
            continue
        if len(path) > best_depth and want[: len(path)] == path:
            best, best_depth = number, len(path)
    return best


def key_name(loc: tuple[Any, ...]) -> str:
    """('categories', 0, 'name') -> categories[0].name"""
    out = ""
    for k in loc:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out or "(file)"
