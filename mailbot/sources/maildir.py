"""The maildir source: a Maildir, or a folder of ``.eml`` files, read but never changed."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from mailbot.sources.base import SourceMessage
from mailbot.sources.imap import SourceError

log = logging.getLogger(__name__)


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def maildir_key(relative_folder: str, name: str) -> str:
    """Key of a Maildir file: its folder plus the unique part of the name.

    The part after ``:`` (``!`` on Windows) holds flags a mail client changes, and a
    client moves files from ``new/`` to ``cur/``; neither must make a message new again.
    """
    unique = name.split(":", 1)[0].split("!", 1)[0]
    return f"{relative_folder}/{unique}" if relative_folder not in ("", ".") else unique


def walk_messages(root: Path) -> Iterator[tuple[Path, str]]:
    """(file, key) for every message below *root*, in a stable order.

    Maildir folders (with ``cur``/``new``, Maildir++ ``.Sub`` folders too) give all their
    files in ``cur`` and ``new``, skipping ``tmp`` (deliveries in progress); anywhere else
    only ``*.eml`` files count. Keys are relative to *root*.
    """
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames.sort()
        if is_maildir(here):
            dirnames[:] = [d for d in dirnames if d != "tmp"]
        in_maildir = here.name in ("cur", "new") and is_maildir(here.parent)
        if in_maildir:
            dirnames[:] = []  # nothing below cur/new is mail
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = here / name
            if in_maildir:
                yield path, maildir_key(here.parent.relative_to(root).as_posix(), name)
            elif name.lower().endswith(".eml"):
                yield path, path.relative_to(root).as_posix()


class MaildirSource:
    """Messages of a Maildir or a folder tree of ``.eml`` files.

    ``mailbox`` is ``maildir:<absolute path>``, ``key`` the path below it (for Maildir
    files without the flag suffix). ``arrived_at`` is None: the parser falls back to
    ``Received:``/``Date:``. The folder is never modified.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.root = Path(path).expanduser().resolve()
        self.mailbox = f"maildir:{self.root}"

    def fetch_new(self, is_done: Callable[[SourceMessage], bool]) -> Iterator[SourceMessage]:
        """Yield messages not done yet. ``is_done`` gets a SourceMessage with ``raw=b""``
        (mailbox and key set) so done files are never read."""
        if not self.root.is_dir():
            raise SourceError(f"maildir {self.root}: no such folder")
        for path, key in walk_messages(self.root):
            if is_done(SourceMessage(self.mailbox, key, b"")):
                continue
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                # A mail client moved it (new/ -> cur/); the next poll sees it again.
                log.info("maildir %s: %s vanished while reading", self.root, key)
                continue
            yield SourceMessage(self.mailbox, key, raw)

    def mark_done(self, msg: SourceMessage) -> bool:
        """Nothing to do: the user's folder is never changed."""
        return True

    def close(self) -> None:
        pass

    def __enter__(self) -> MaildirSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
