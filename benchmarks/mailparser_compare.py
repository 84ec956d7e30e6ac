"""Why reading does not trust mail-parser for text: both readers over the Chinese corpora.

    PYTHONPATH=. python benchmarks/mailparser_compare.py [CORPUS_DIR]

For every message of trec06c and public-inbox-cn-mua, counts the bodies that contain
U+FFFD (text lost to a wrong decode) as mail-parser gives them and as mailbot.reading
gives them, and the messages on which mail-parser raised.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import mailparser
from shared_corpus import corpus_dir

from mailbot.reading import Unreadable, read_message

SUITES = ("trec06c-bayesspam", "public-inbox-cn-mua")


def main() -> None:
    logging.disable(logging.CRITICAL)  # mail-parser logs every part it does not handle
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else corpus_dir())
    files = [p for s in SUITES for p in sorted((corpus / s).rglob("*"))
             if p.is_file() and p.name not in ("index", "manifest.tsv") and not p.name.endswith((".json", ".tsv"))]
    mp_bad = mp_raised = ours_bad = ours_unreadable = 0
    t0 = time.perf_counter()
    for path in files:
        raw = path.read_bytes()
        source_has_fffd = "\ufffd".encode() in raw
        try:
            body = mailparser.parse_from_bytes(raw).body
            mp_bad += "\ufffd" in body and not source_has_fffd
        except Exception:  # noqa: BLE001 - counted
            mp_raised += 1
        try:
            mail = read_message(raw)
            ours_bad += "\ufffd" in mail.body_text and not source_has_fffd
        except Unreadable:
            ours_unreadable += 1
    print(f"messages: {len(files)} ({time.perf_counter() - t0:.1f} s)")
    print(f"mail-parser: bodies with U+FFFD {mp_bad}, raised {mp_raised}")
    print(f"mailbot.reading: bodies with U+FFFD {ours_bad}, not mail {ours_unreadable}")


if __name__ == "__main__":
    main()
