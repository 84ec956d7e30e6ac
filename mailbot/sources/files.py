"""Messages from paths given to ``mailbot ingest``: .eml files, folders, Maildirs, mbox files."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from mailbot.sources.base import SourceMessage
from mailbot.sources.maildir import walk_messages

BOM = b"\xef\xbb\xbf"

# A From_ line: "From " + sender, then nothing or an asctime-style date. Stricter than
# Python's mailbox module, so an unquoted "From Russia with love" in a body does not
# start a new message; "From -" (Thunderbird) and "From addr Sun Aug  7 ..." do.
_FROM_LINE = re.compile(
    rb"^From \S+(?:[ \t]+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b.*)?[ \t]*\r?\n?$")


def is_mbox(path: Path) -> bool:
    """An mbox by name (``.mbox``, ``.mbx``) or by content (first line is a From_ line)."""
    name = path.name.lower()
    if name.endswith((".mbox", ".mbx", ".mbox.txt")):
        return True
    with open(path, "rb") as fh:
        first = fh.readline(1000)
    return bool(_FROM_LINE.match(first.removeprefix(BOM)))


def _mbox_messages(fh: BinaryIO) -> Iterator[bytes]:
    """Split an mbox stream into raw messages (From_ lines dropped)."""
    # No blank line is required before a From_ line: Netscape-era mboxes omit it.
    lines: list[bytes] = []
    started = False
    for number, line in enumerate(fh):
        if number == 0:
            line = line.removeprefix(BOM)
        if _FROM_LINE.match(line):
            if started:
                yield _trim(lines)
            lines, started = [], True
            continue
        if started:
            lines.append(line)
        elif line.strip():
            started = True  # no From_ line at the top: take it as one message
            lines.append(line)
    if started and any(line.strip() for line in lines):
        yield _trim(lines)


def _trim(lines: list[bytes]) -> bytes:
    """Drop the blank separator line that precedes the next From_ line."""
    if lines and not lines[-1].strip():
        lines = lines[:-1]
    return b"".join(lines)


def iter_mbox(path: Path) -> Iterator[SourceMessage]:
    mailbox = f"file:{path.resolve()}"
    with open(path, "rb") as fh:
        for index, raw in enumerate(_mbox_messages(fh)):
            yield SourceMessage(mailbox, str(index), raw)


def iter_paths(paths: Iterable[str | Path]) -> Iterator[SourceMessage]:
    """Every message under *paths*, in order.

    A file is an mbox (key: message index from 0) or a single message (key: its name);
    a folder is walked like a Maildir / ``.eml`` tree, and ``*.mbox`` files in it are
    split too (key: ``relative/path.mbox#index``). ``mailbox`` is ``file:<absolute path>``
    of the path given. ``arrived_at`` is None (the parser uses Received/Date).
    Raises FileNotFoundError for a path that does not exist.
    """
    for given in paths:
        path = Path(given).expanduser().resolve()
        if path.is_dir():
            yield from _iter_folder(path)
        elif path.is_file():
            if is_mbox(path):
                yield from iter_mbox(path)
            else:
                yield SourceMessage(f"file:{path}", path.name, path.read_bytes())
        else:
            raise FileNotFoundError(f"no such file or folder: {given}")


def _iter_folder(root: Path) -> Iterator[SourceMessage]:
    mailbox = f"file:{root}"
    for path, key in walk_messages(root):
        yield SourceMessage(mailbox, key, path.read_bytes())
    for path in sorted(root.rglob("*.mbox")):
        if path.is_file():
            relative = path.relative_to(root).as_posix()
            for msg in iter_mbox(path):
                yield SourceMessage(mailbox, f"{relative}#{msg.key}", msg.raw)


def count_paths(paths: Iterable[str | Path]) -> int:
    """How many messages ``iter_paths`` will yield (for a progress bar), without parsing."""
    total = 0
    for given in paths:
        path = Path(given).expanduser().resolve()
        if path.is_dir():
            total += sum(1 for _ in walk_messages(path))
            total += sum(_count_mbox(p) for p in path.rglob("*.mbox") if p.is_file())
        elif path.is_file():
            total += _count_mbox(path) if is_mbox(path) else 1
    return total


def _count_mbox(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in _mbox_messages(fh))
