"""What mailbot writes holds people's names and scores: files 0600, folders 0700."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.mailbox_helpers import item_mail, write_config


def test_poll_creates_owner_only_files_and_folders(tmp_path: Path, db_backend: str) -> None:
    # GIVEN a fresh data folder and a world-readable umask in the caller's shell
    write_config(tmp_path)
    (tmp_path / "mail" / "1.eml").write_bytes(item_mail(1))
    # WHEN `mailbot poll` runs
    r = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(tmp_path / "config.toml"), "poll"],
                       capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(0o022))
    assert r.returncode == 0, r.stderr
    # THEN every file and folder it created is its owner's alone
    made = [tmp_path / "var", tmp_path / "outbox", *(tmp_path / "var").rglob("*"),
            *(tmp_path / "outbox").rglob("*"), *tmp_path.glob("mailbot.db*")]
    assert any(p.suffix == ".eml" for p in made)
    assert any(p.name == "mailbot.db" for p in made) == (db_backend == "sqlite")  # PostgreSQL keeps its own files
    loose = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode)) for p in made
             if stat.S_IMODE(p.stat().st_mode) & 0o077}
    assert loose == {}


def test_unit_file_sets_umask() -> None:
    unit = (Path(__file__).resolve().parent.parent / "deploy" / "mailbot.service").read_text(encoding="utf-8")
    assert "\nUMask=0077\n" in unit
