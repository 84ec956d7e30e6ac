"""Throughput of the whole pipeline on files: messages per second, and peak memory.

usage: python benchmarks/ingest_throughput.py [N]   (default 500)

Writes N distinct submissions from the registered units (GB18030 and UTF-8, some with a
.docx attachment) into a temporary Maildir, then runs `ingest` (receipts on, file outbox,
SQLite) and reports: start-up (schema, jieba, classifier), per-message time and rate.
"""

from __future__ import annotations

import io
import resource
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docx

from mailbot.polling import ingest
from mailbot.runtime import Runtime
from tests.mailbox_helpers import item_mail, write_config


def docx_mail(n: int) -> bytes:
    d = docx.Document()
    d.add_paragraph(f"吉林市卫生局关于基层卫生服务能力建设的调研报告（第{n}号）")
    for k in range(6):
        d.add_paragraph(f"调研发现，全市{n + k}个乡镇卫生院存在人才短缺问题，建议加大定向培养力度，第{k}条建议编号{n * 31 + k}。")
    buf = io.BytesIO()
    d.save(buf)
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "jlsws@example.gov.cn", "jlwsxx2012@163.com", f"报送调研报告{n}"
    m["Message-ID"], m["Date"] = f"<doc{n}@bench>", "Mon, 02 Mar 2026 09:00:00 +0800"
    m.set_content("请查收附件。", charset="gb18030")
    m.add_attachment(buf.getvalue(), maintype="application",
                     subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename=f"调研{n}.docx")
    return bytes(m)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    folder = Path(tempfile.mkdtemp(prefix="mailbot-bench-"))
    settings = write_config(folder)
    for i in range(n):
        raw = docx_mail(i) if i % 10 == 0 else item_mail(i, charset="gb18030" if i % 2 else "utf-8")
        (folder / "mail" / f"{i:05d}.eml").write_bytes(raw)
    rt = Runtime.open(settings)
    t0 = time.perf_counter()
    _ = rt.db, rt.classifier.classify("预热", "预热")  # schema, jieba, model: once per process
    t1 = time.perf_counter()
    report = ingest(rt, [folder / "mail"])
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per = (t2 - t1) / n * 1000
    print(f"messages: {n}; statuses: {dict(report.statuses)}; receipts written: {report.sent}")
    print(f"start-up (schema, jieba, classifier): {t1 - t0:.2f} s")
    print(f"pipeline incl. receipts: {t2 - t1:.2f} s = {per:.1f} ms/message = {n / (t2 - t1):.1f} messages/s")
    print(f"peak memory (RSS): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
