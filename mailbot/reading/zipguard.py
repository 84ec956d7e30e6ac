"""Zip bombs: a .docx/.xlsx is a zip whose parts can expand a thousandfold.

The sizes a zip declares are the sender's word, so the parts are decompressed here in chunks,
counting what really comes out, and refused the moment a limit is passed — before any XML
parser (python-docx, openpyxl) builds a tree of it, which takes some 25 times the XML's size.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterable

CHUNK = 1 << 16


class TooBig(Exception):
    """A part, or the whole archive, expands past its limit (the message says which)."""


class TooSlow(Exception):
    """Decompressing took past the deadline."""


def check_expansion(archive: zipfile.ZipFile, total_limit: int, part_limit: int,
                    parts: Iterable[str] | None = None, deadline: float | None = None) -> int:
    """Decompress ``parts`` (default: every member) counting real bytes; return the total.

    Raises TooBig when a part passes ``part_limit`` or all of them ``total_limit``;
    zipfile.BadZipFile for a broken archive; TooSlow past ``deadline`` (time.monotonic()).
    """
    names = list(parts) if parts is not None else [i.filename for i in archive.infolist() if not i.is_dir()]
    total = 0
    for name in names:
        size = 0
        with archive.open(name) as member:
            while chunk := member.read(CHUNK):
                size += len(chunk)
                total += len(chunk)
                if size > part_limit:
                    raise TooBig(f"{name} expands past {part_limit // 1048576} MB")
                if total > total_limit:
                    raise TooBig(f"the archive expands past {total_limit // 1048576} MB")
                if deadline is not None and time.monotonic() > deadline:
                    raise TooSlow(name)
    return total
