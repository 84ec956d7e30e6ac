"""Run read_message over every mail file of the shared corpus and print figures.

    PYTHONPATH=. python benchmarks/corpus_read.py [CORPUS_DIR] [--show-fffd] [--show-failures]

Prints: messages read, messages with text, messages and text parts whose
decoding needed repair, failures (exceptions), texts still containing U+FFFD
(split into U+FFFD already in the source and U+FFFD made by reading), and the time.
"""

from __future__ import annotations

import argparse
import time
import traceback
from pathlib import Path

from mailbot.reading import Unreadable, read_message

_NOT_MAIL = {"license", "license.txt", "copying", "readme.md", "index", "manifest.tsv", "psf-license",
             "agpl-3", "mit-license", "apache-2.0.txt", "mit.txt"}
_MAIL_SUITES = ("trec06c-bayesspam", "public-inbox-cn-mua", "cpython-test_email", "spamscope-mail-parser",
                "php-mime-mail-parser", "stalwart-mail-parser", "ruby-mail-fixtures", "mimekit-testdata",
                "kopano-inetmapi-mails", "demisto-parse-emails")


def mail_files(corpus: Path) -> list[Path]:
    """Every message file: not licences, manifests, expected-output JSON or mbox files."""
    files = []
    for suite in _MAIL_SUITES:
        for path in sorted((corpus / suite).rglob("*")):
            name = path.name.lower()
            if not path.is_file() or name in _NOT_MAIL or name.endswith((".json", ".tsv", ".mbox", ".mbox.txt")):
                continue
            files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default="/work/shared/corpus")
    parser.add_argument("--show-fffd", action="store_true")
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    files = mail_files(Path(args.corpus))
    read = with_text = repaired_parts = repaired_messages = unreadable = 0
    failures: list[tuple[Path, str]] = []
    fffd: list[Path] = []
    fffd_literal: list[Path] = []  # U+FFFD sent as such (already mangled before it reached us)
    slowest: list[tuple[float, Path]] = []
    start = time.perf_counter()
    for path in files:
        raw = path.read_bytes()
        t0 = time.perf_counter()
        try:
            mail = read_message(raw)
        except Unreadable:
            unreadable += 1
            continue
        except Exception:  # noqa: BLE001 - counted and shown, the run goes on
            failures.append((path, traceback.format_exc()))
            continue
        slowest.append((time.perf_counter() - t0, path))
        read += 1
        texts = [mail.subject, mail.sender_name, mail.body_text, mail.quoted_text]
        texts += [a.text or "" for a in mail.attachments] + [a.filename for a in mail.attachments]
        if mail.item_text().strip():
            with_text += 1
        repaired_messages += mail.repaired
        repaired_parts += sum(1 for declared, used in mail.charsets if _needed_repair(declared, used))
        if any("\ufffd" in t for t in texts):
            (fffd_literal if _literal_fffd(raw) else fffd).append(path)
    elapsed = time.perf_counter() - start
    slowest.sort(reverse=True)
    print(f"files: {len(files)}")
    print(f"messages read: {read}")
    print(f"unreadable (not a mail): {unreadable}")
    print(f"messages with text: {with_text}")
    print(f"messages whose decoding needed repair: {repaired_messages}")
    print(f"text parts read with another charset than declared (undeclared included): {repaired_parts}")
    print(f"failures (exceptions): {len(failures)}")
    print(f"texts still containing U+FFFD: {len(fffd) + len(fffd_literal)} "
          f"({len(fffd_literal)} sent with U+FFFD in the source, {len(fffd)} made by reading)")
    reading = sum(t for t, _ in slowest)
    median = slowest[len(slowest) // 2][0] if slowest else 0.0
    print(f"time: {elapsed:.1f} s in all; read_message {reading:.1f} s, median {median * 1000:.1f} ms, "
          f"slowest {slowest[0][0] * 1000:.0f} ms ({slowest[0][1].name})" if slowest else "")
    if args.show_failures:
        for path, tb in failures:
            print(f"--- {path}\n{tb}")
    if args.show_fffd:
        for path in fffd:
            print(f"U+FFFD: {path}")
        for path in fffd_literal:
            print(f"U+FFFD in source: {path}")


def _literal_fffd(raw: bytes) -> bool:
    """The source itself carries U+FFFD (in raw bytes or inside a base64/QP part)."""
    import email
    from email import policy

    if b"\xef\xbf\xbd" in raw:
        return True
    for part in email.message_from_bytes(raw, policy=policy.compat32).walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and b"\xef\xbf\xbd" in payload:
            return True
    return False


def _needed_repair(declared: str, used: str) -> bool:
    """The part was not read with the codec its label names (GB family counts as one)."""
    from mailbot.reading.charsets import normalize_charset

    norm = normalize_charset(declared) if declared else None
    return (norm is None and used not in ("ascii",)) or (norm is not None and used != norm and used != "ascii")


if __name__ == "__main__":
    main()
