"""Stage 0: keep the raw bytes, by content hash, before anything else happens.

A file is written under a temporary name, fsynced, then renamed into place: a file under its
real name is always whole. In the intake (``deferred_sync``) the fsync and rename run in
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
    """The fsyncs of a group's files, run by background threads while the group is read (fsync
    waits for the disk, not the CPU), each renaming its file into place once it is on disk."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="archive-fsync")
        self.pending: list[Future] = []


_deferred: _Deferred | None = None  # set by ``deferred_sync`` (the intake holds the poll lock: one at a time)


@contextmanager
def deferred_sync() -> Iterator[None]:
    """Within the block, archive writes return at once and are made durable in the background;
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


def _fsync_into_place(tmp: str, path: Path) -> None:
    try:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)  # only once on disk: a file under its real name is always whole
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_once(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name[:2] / name
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    if _deferred is not None:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        _deferred.pending.append(_deferred.pool.submit(_fsync_into_place, tmp, path))
        return path
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # atomic: a crash leaves no half file under the real name
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
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
