"""Peak memory of the two resource caps: a docx zip bomb, and large mails over IMAP.

usage: python benchmarks/resource_caps.py

1. A ~100 KB .docx whose word/document.xml is 49 MB of XML: read by python-docx directly (what
   happened before the streaming check) and by ``read_message`` (refused by the part limit).
2. Five mails of 50 MB in a real Dovecot, fetched by ``ImapSource`` with the default byte cap per
   FETCH and with the cap lifted (the old behaviour: 50 bodies per request).
Each case runs in its own process; the figure is that process's peak RSS (ru_maxrss).
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case(name: str, path: str) -> None:
    from tests.test_reading_robustness import _with_attachment

    data = Path(path).read_bytes()
    base = _rss_mb()
    if name == "python-docx":
        import docx

        docx.Document(io.BytesIO(data))
    elif name == "read_message":
        from mailbot.reading import read_message

        note = read_message(_with_attachment("信息.docx", data)).attachments[0].note
        print(f"  note: {note}", file=sys.stderr)
    print(f"{name}: peak {_rss_mb():.0f} MB (at start {base:.0f} MB)")


def imap_case(cap: str, host: str, port: str, user: str, password: str) -> None:
    from mailbot.sources.imap import ImapSource

    kw = {"batch_bytes": 1 << 40} if cap == "none" else {}
    source = ImapSource(host, int(port), user, password, tls=False, timeout=60, **kw)
    n = sum(1 for _ in source.fetch_new(lambda m: False))
    source.close()
    print(f"imap, cap {cap}: {n} mails, largest FETCH {source.largest_fetch / 1048576:.0f} MB, peak {_rss_mb():.0f} MB")


def main() -> None:
    from tests.test_zip_bombs import _inflated_docx

    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "bomb.docx"
        bomb.write_bytes(_inflated_docx(49 * 1024 * 1024))
        print(f"docx: {bomb.stat().st_size // 1024} KB expanding to 49 MB of XML")
        for name in ("python-docx", "read_message"):
            subprocess.run([sys.executable, __file__, name, str(bomb)], check=True)
    from tests.servers import DovecotServer
    from tests.test_sources_imap import make_mail

    server = DovecotServer().start()
    try:
        account = server.add_account()
        for i in range(5):
            account.append(make_mail(i, size=50 * 1024 * 1024))
        for cap in ("default", "none"):
            subprocess.run([sys.executable, __file__, "imap", cap, account.host, str(account.port),
                            account.username, account.password], check=True)
    finally:
        server.stop()


if __name__ == "__main__":
    os.chdir(ROOT)
    if len(sys.argv) > 1 and sys.argv[1] == "imap":
        imap_case(*sys.argv[2:])
    elif len(sys.argv) > 1:
        case(sys.argv[1], sys.argv[2])
    else:
        main()
