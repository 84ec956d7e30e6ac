"""The mail and the databases ``benchmarks/ingest.py`` measures mailbot on.

N messages made from the trec06c ham (see ``ingest.py``), a child's config with the 30 units
whose officers send them, and the optional year of earlier items (``--prefill``).
"""

from __future__ import annotations

import base64
import json
import os
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from benchmarks.shared_corpus import corpus_dir

UNITS = 30
START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
DROP = {"from", "to", "cc", "bcc", "message-id", "date", "received", "sender", "reply-to", "return-path",
        "precedence", "errors-to", "references", "in-reply-to", "delivered-to", "auto-submitted", "x-loop",
        "x-beenthere", "x-uidl"}
SOURCE = '[source]\nkind = "maildir"\npath = "mail"\n'  # unused by ingest: the files are given


# -- the mail ------------------------------------------------------------------------------

def _ham() -> list[bytes]:
    root = corpus_dir() / "trec06c-bayesspam"
    out = []
    for line in (root / "index").read_text().splitlines():
        label, rel = line.split()
        if label == "ham":
            out.append((root / rel).read_bytes())
    return out


def _split(raw: bytes) -> tuple[list[bytes], bytes, bytes]:
    """Header fields (each with its continuation lines), the separator's line ending, the body."""
    m = re.search(rb"\r?\n\r?\n", raw)
    head, body = (raw[:m.start()], raw[m.end():]) if m else (raw, b"")
    eol = b"\r\n" if b"\r\n" in head[:2000] else b"\n"
    fields: list[bytes] = []
    for line in head.split(eol):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += eol + line
        elif line:
            fields.append(line)
    return fields, eol, body


def _vary(body: bytes, fields: list[bytes], round_: int, n: int, unit: str) -> bytes:
    """One line added at the top of the body, in the body's own transfer encoding and charset."""
    line = f"（{unit}第{round_}次转报，登记号{n * 7919 % 100000}）\n"
    cte = next((f.split(b":", 1)[1].strip().lower() for f in fields if f.lower().startswith(b"content-transfer-encoding")),
               b"")
    charset = "utf-8" if any(b"utf-8" in f.lower() for f in fields if f.lower().startswith(b"content-type")) else "gb18030"
    if cte == b"base64":
        try:
            decoded = base64.b64decode(body)
        except ValueError:
            return body
        return base64.encodebytes(line.encode(charset) + decoded)
    if cte == b"quoted-printable":
        import quopri

        return quopri.encodestring(line.encode(charset)) + body
    return line.encode(charset) + body


def build_mail(folder: Path, n: int) -> list[str]:
    """Write N messages as ``folder/NNNNNN.eml``; returns the officers' addresses (one per unit)."""
    ham = _ham()
    officers = [f"xxy{u:02d}@unit{u:02d}.example.gov.cn" for u in range(UNITS)]
    step = timedelta(days=365) / max(n, 1)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        round_, k = divmod(i, len(ham))
        unit = (k * 7 + round_) % UNITS  # a message's copies go to different units: each is a new item
        fields, eol, body = _split(ham[k])
        when = START + step * i
        keep = [f for f in fields if f.split(b":", 1)[0].strip().lower() not in DROP and not f.lower().startswith(b"list-")]
        new = [f"Received: from mail.unit{unit:02d}.example.gov.cn by mx.example.gov.cn; {format_datetime(when)}",
               f"From: =?utf-8?b?{base64.b64encode('信息员'.encode()).decode()}?= <{officers[unit]}>",
               "To: xinxi@example.gov.cn",
               f"Date: {format_datetime(when)}",
               f"Message-ID: <bench{i}.r{round_}@unit{unit:02d}.example.gov.cn>"]
        if round_:
            body = _vary(body, fields, round_, i, f"{unit:02d}单位")
        raw = eol.join([h.encode() for h in new] + keep) + eol + eol + body
        path = folder / f"{i:06d}.eml"
        path.write_bytes(raw)
        os.utime(path, (when.timestamp(), when.timestamp()))  # the arrival a Maildir delivery keeps
    return officers


def write_config(folder: Path, officers: list[str], url: str, office_id: str, source: str = "") -> Path:
    """A child's config: the units, the database, files out; ``source`` a [source] table (else a Maildir)."""
    units = []
    for u, address in enumerate(officers):
        cls = "city" if u < UNITS // 2 else "division"
        units.append(f'[[units]]\nid = "u{u:02d}"\nname = "第{u:02d}号单位"\nclass = "{cls}"\nemails = ["{address}"]\n')
    office = f'id = "{office_id}"\n' if office_id else ""
    text = f'''timezone = "Asia/Shanghai"
data_dir = "var"
# A back-fill of each sender's year at once: the loop back-stop (20 receipts an hour) is off, so
# every item's receipt is rendered and queued, as the measurement intends.
receipts_per_sender_hour = 0

[database]
url = "{url}"

{source or SOURCE}
[outgoing]
kind = "file"
path = "outbox"
from = "信息科 <xinxi@example.gov.cn>"

[office]
{office}name = "信息科"
emails = ["xinxi@example.gov.cn"]

[[classes]]
id = "city"
name = "市（州）卫生局"
quotas = [{{per = "year", count = 50}}]

[[classes]]
id = "division"
name = "厅机关处室"
quotas = [{{per = "year", count = 30}}]

''' + "\n".join(units)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path



# -- a year's database ----------------------------------------------------------------------

def prefill(rt, count: int) -> None:
    """``count`` accepted items of the preceding year, spread over the units, written directly
    (新闻联播 texts with real fingerprints, receipts numbered per day as mailbot numbers them):
    the year's database the measured mail then arrives into."""
    import re as _re

    from sqlalchemy import insert

    from mailbot import resubmission
    from mailbot.db.models import Message, Submission

    items = [json.loads(line) for line in
             (corpus_dir() / "xinwenlianbo-transcripts" / "derived" / "news_items.jsonl").read_text().splitlines()[:300]]
    texts = [(it["title"], _re.sub(r"<[^>]+>", "", it["text"])) for it in items]
    prints = [resubmission.fingerprint(t, b).to_hex() for t, b in texts]
    columns = set(Submission.__table__.columns.keys())
    first = START - timedelta(days=365)
    step = timedelta(days=365) / count
    with rt.db.transaction() as s:
        msg = Message(mailbox="prefill", source_key="0", body_hash="0" * 64, raw_sha256="0" * 64, raw_path="-",
                      status="processed")
        s.add(msg)
        s.flush()
        rows: list[dict[str, Any]] = []
        per_day: dict[str, int] = {}
        for k in range(count):
            t = first + step * k
            day = f"{t.astimezone(rt.settings.tz):%Y%m%d}"
            per_day[day] = per_day.get(day, 0) + 1
            title, body = texts[k % len(texts)]
            row: dict[str, Any] = dict(receipt=f"{day}-{per_day[day]:04d}", message_pk=msg.id, part=0, status="accepted",
                       unit_id=f"u{k % UNITS:02d}", unit_via="address", sender=f"xxy{k % UNITS:02d}@unit{k % UNITS:02d}"
                       ".example.gov.cn", received_at=t, subject=f"{title}（{k}）", text=body, category="progress",
                       fingerprint=prints[k % len(prints)], category_reasons=[], attachments=[], notes=[],
                       created_at=t, updated_at=t)
            if "text_digest" in columns:
                row["text_digest"] = resubmission.text_digest_hex(row["fingerprint"])
            rows.append({key: v for key, v in row.items() if key in columns})
        for i in range(0, len(rows), 2000):
            s.execute(insert(Submission), rows[i:i + 2000])
