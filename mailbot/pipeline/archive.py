"""Stage 0: keep the raw bytes, by content hash, before anything else happens."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from mailbot.runtime import Runtime


def _write_once(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name[:2] / name
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
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
