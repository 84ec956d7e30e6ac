"""Where the shared corpus is: ``$MAILBOT_SHARED``, else ``../shared`` beside the repository."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The shared folder (``corpus/``, ``seeds/``…): ``$MAILBOT_SHARED`` or ``<repo>/../shared``."""
    env = os.environ.get("MAILBOT_SHARED")
    return Path(env) if env else ROOT.parent / "shared"


def corpus_dir() -> Path:
    return shared_dir() / "corpus"
