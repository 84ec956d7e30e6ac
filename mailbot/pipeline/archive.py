"""Stage 0: keep the raw bytes, by content hash, before anything else happens.

A file is written under a temporary name, fsynced, then renamed into place: a file under its
real name is always whole. In the intake (``deferred_sync``) the write, fsync and rename run in
background threads while the group is read, and ``settle()`` waits for them before the group's
transaction commits: no record is ever committed before the bytes it points at are on disk.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from mailbot.runtime import Runtime


class _Deferred:
    """The writes of a group's files, run by background threads while the group is read (an
    fsync waits for the disk, not the CPU), each renaming its file into place once it is on disk."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="archive-fsync")
        self.pending: list[Future] = []


_deferred: _Deferred | None = None  # set by ``deferred_sync`` (the intake holds the poll lock: one at a time)


@contextmanager
def deferred_sync() -> Iterator[None]:
    """Within the block, archive writes return at once and are written and made durable in the background;
    ``settle()`` waits for them (the intake calls it before each group's commit). Leaving the
    block settles too."""
    global _deferred
    if _deferred is not None:  # nested: the outer block settles
        yield
        return
    _deferred = _Deferred()
    try:
        yield
        settle()
    finally:
        pool, _deferred = _deferred.pool, None
        pool.shutdown(wait=True)


def settle() -> None:
    """Wait until every file written so far is on disk under its name; raises if one failed
    (the group is then not committed, and its messages stay unflagged at the source)."""
    if _deferred is None:
        return
    pending, _deferred.pending = _deferred.pending, []
    for future in pending:
        future.result()


def _write_durably(path: Path, data: bytes) -> None:
    """Write under a temporary name, fsync, then rename into place (atomic: a crash leaves no
    half file under the real name)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_once(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name[:2] / name
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)  # here: a folder that cannot be made fails this message
    if _deferred is not None:
        _deferred.pending.append(_deferred.pool.submit(_write_durably, path, data))
    else:
        _write_durably(path, data)
    return path


def store_raw(rt: Runtime, raw: bytes) -> tuple[str, Path]:
    """Write the message to ``data_dir/raw/ab/<sha256>.eml`` (once) and return (sha256, path)."""
    sha = hashlib.sha256(raw).hexdigest()
    return sha, _write_once(rt.archive_dir, f"{sha}.eml", raw)


def store_attachment(rt: Runtime, data: bytes, sha: str | None = None) -> tuple[str, Path]:
    """Attachments are stored once by content hash; the name on disk is the hash, never the sender's."""
    sha = sha or hashlib.sha256(data).hexdigest()
    return sha, _write_once(rt.attachment_dir, sha, data)


def sweep_temp_files(rt: Runtime) -> int:
    """Remove the ``.tmp-*`` files of writes a killed process left behind; returns how many.

    Call it holding the poll lock: every writer of the archive holds it, so none is in progress.
    """
    removed = 0
    for folder in (rt.archive_dir, rt.attachment_dir):
        if not folder.is_dir():
            continue
        for sub in os.scandir(folder):
            if not sub.is_dir():
                continue
            for entry in os.scandir(sub.path):
                if entry.name.startswith(".tmp-"):
                    try:
                        os.unlink(entry.path)
                        removed += 1
                    except FileNotFoundError:
                        pass
    return removed


def load_raw(path: str) -> bytes:
    return Path(path).read_bytes()
