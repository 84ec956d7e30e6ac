"""Ingest speed against the floor, on SQLite and PostgreSQL, and how it holds as the database grows.

usage: python benchmarks/ingest.py [--n 2000 | --large] [--db sqlite,postgresql] [--modes no-receipts,receipts]

Mail: the 1,500 ham messages of TREC 2006 Chinese (``../shared/corpus/trec06c-bayesspam``), each
rewritten to come from a registered officer (From, To, Message-ID, Date and one Received line
replaced; mailing-list and reply headers dropped; every other header and the body bytes kept).
When N is larger than the corpus the messages are used again with a fresh Message-ID, another
unit, a later date and one varied line added to the body (in the body's own encoding), so every
copy is a new item. The bytes are written once and every measurement reads the same files.

Measured, in one run:

- **floor**: what any Chinese mail pipeline pays: mail-parser's parse of the bytes plus one
  jieba segmentation of subject and body (``jieba.lcut``), in this process after warm-up;
- **mailbot end to end** for each database and mode, each in a fresh child process:
  ``ingest --no-receipts`` (the back-fill path), and ``ingest`` with receipts queued in the
  outbox (rendered, not sent). The database is new (a file; on PostgreSQL a fresh schema in
  ``--pg-url``, dropped after). Printed: messages/s of the pipeline (start-up apart), the
  ratio to the floor (measured again just before each child: the load of a shared machine
  changes), the same per CPU second (the child's own CPU time; PostgreSQL's server work is not
  in it), start-up, time per stage, peak RSS and the rate of the first and last
  1,000 messages (the database growing under them).

``--large`` is N = 20,000. Figures in the README come from this script; tests assert behaviour only.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.shared_corpus import corpus_dir

UNITS = 30
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
DROP = {"from", "to", "cc", "bcc", "message-id", "date", "received", "sender", "reply-to", "return-path",
        "precedence", "errors-to", "references", "in-reply-to", "delivered-to", "auto-submitted", "x-loop",
        "x-beenthere", "x-uidl"}
WINDOW = 1000


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
        (folder / f"{i:06d}.eml").write_bytes(raw)
    return officers


def write_config(folder: Path, officers: list[str], url: str, office_id: str) -> Path:
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

[source]
kind = "maildir"
path = "mail"

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


# -- the floor ----------------------------------------------------------------------------

def floor(files: list[Path]) -> dict:
    import logging

    import jieba
    import mailparser

    logging.getLogger("mailparser").setLevel(logging.CRITICAL)
    jieba.setLogLevel(60)
    jieba.initialize()
    raws = [p.read_bytes() for p in files]
    mailparser.parse_from_bytes(raws[0])
    t0, c0 = time.perf_counter(), time.process_time()
    parse = 0.0
    for raw in raws:
        a = time.perf_counter()
        m = mailparser.parse_from_bytes(raw)
        text = f"{m.subject or ''}\n{m.body or ''}"
        parse += time.perf_counter() - a
        jieba.lcut(text)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": total, "rate": len(raws) / total, "parse_seconds": parse, "cpu_rate": len(raws) / cpu}


# -- mailbot, in a child process -----------------------------------------------------------

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
        rows, per_day, t = [], {}, first
        for k in range(count):
            t = first + step * k
            day = f"{t.astimezone(rt.settings.tz):%Y%m%d}"
            per_day[day] = per_day.get(day, 0) + 1
            title, body = texts[k % len(texts)]
            row = dict(receipt=f"{day}-{per_day[day]:04d}", message_pk=msg.id, part=0, status="accepted",
                       unit_id=f"u{k % UNITS:02d}", unit_via="address", sender=f"xxy{k % UNITS:02d}@unit{k % UNITS:02d}"
                       ".example.gov.cn", received_at=t, subject=f"{title}（{k}）", text=body, category="progress",
                       fingerprint=prints[k % len(prints)], category_reasons=[], attachments=[], notes=[],
                       created_at=t, updated_at=t)
            if "text_digest" in columns:
                row["text_digest"] = resubmission.text_digest_hex(row["fingerprint"])
            rows.append({key: v for key, v in row.items() if key in columns})
        for i in range(0, len(rows), 2000):
            s.execute(insert(Submission), rows[i:i + 2000])


def child(args: argparse.Namespace) -> None:
    import logging

    if args.code:  # another checkout's mailbot (``--baseline``)
        sys.path.insert(0, args.code)

    logging.disable(logging.WARNING)
    t0 = time.perf_counter()
    from mailbot import polling
    from mailbot.config import load_settings
    from mailbot.pipeline import archive, driver
    from mailbot.pipeline.stages import STAGES
    from mailbot.retraining import load_classifier
    from mailbot.runtime import Runtime

    settings = load_settings(Path(args.config))
    rt = Runtime.open(settings, receipts=args.mode == "receipts")
    load_classifier(rt)
    started = time.perf_counter() - t0
    if args.prefill:
        prefill(rt, args.prefill)

    spent: dict[str, float] = {}

    def timed(name: str, fn):
        def wrapper(*a, **kw):
            start = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
        return wrapper

    for stage in STAGES:
        short = stage.__name__.rsplit(".", 1)[-1]
        for phase in ("read", "run"):
            fn = getattr(stage, phase, None)
            if fn is not None:
                setattr(stage, phase, timed(f"{short}.{phase}", fn))
    archive.store_raw = timed("archive", archive.store_raw)
    driver.is_done = timed("keys", driver.is_done)
    driver.same_message = timed("keys", driver.same_message)
    stamps: list[float] = []
    process = driver.process

    def tracked(*a, **kw):
        result = process(*a, **kw)
        stamps.append(time.perf_counter())
        return result

    driver.process = tracked
    begin, cpu0 = time.perf_counter(), time.process_time()
    report = polling.ingest(rt, [Path(args.mail)], send=False)
    seconds, cpu = time.perf_counter() - begin, time.process_time() - cpu0
    n = len(stamps)
    w = min(WINDOW, n)
    first = w / (stamps[w - 1] - begin) if n else 0.0
    last = w / (stamps[-1] - stamps[n - w - 1]) if n > w else first
    with rt.db.session() as s:
        from sqlalchemy import func, select

        from mailbot.db.models import OutboxMail

        queued = s.scalar(select(func.count()).select_from(OutboxMail)) or 0
    rt.close()
    print(json.dumps({
        "n": n, "seconds": seconds, "rate": n / seconds, "cpu_rate": n / cpu, "startup": started, "first": first, "last": last,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "stages": spent,
        "statuses": dict(report.statuses), "outbox": queued, "code": str(Path(polling.__file__).parents[1]),
    }))


def run_child(work: Path, name: str, db: str, mode: str, mail: Path, officers: list[str], pg_url: str,
              cache: Path, code: str, prefill_rows: int = 0) -> dict:
    folder = work / name
    folder.mkdir()
    (folder / "var").mkdir()
    (folder / "var" / "cache").symlink_to(cache)
    office_id = ""
    if db == "sqlite":
        url = f"sqlite:///{folder / 'mailbot.db'}"
    else:
        url, office_id = pg_url, f"bench_{os.getpid()}_{name.replace('-', '_')}"
    config = write_config(folder, officers, url, office_id)
    try:
        out = subprocess.run([sys.executable, __file__, "--child", "--config", str(config), "--mode", mode,
                              "--mail", str(mail), "--code", code, "--prefill", str(prefill_rows)], cwd=folder, check=True, capture_output=True,
                             text=True)
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"{name}: child failed:\n{exc.stderr[-3000:]}") from None
    finally:
        if office_id:
            _drop_schema(pg_url, f"mailbot_{office_id}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _drop_schema(pg_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def warm_cache(work: Path, officers: list[str]) -> Path:
    """Train the classifier once into a cache every child reads (start-up then loads it)."""
    from mailbot.config import load_settings
    from mailbot.retraining import load_classifier
    from mailbot.runtime import Runtime

    folder = work / "warm"
    folder.mkdir()
    config = write_config(folder, officers, f"sqlite:///{folder / 'mailbot.db'}", "")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        rt = Runtime.open(load_settings(config))
        load_classifier(rt)
        rt.close()
    finally:
        os.chdir(cwd)
    return folder / "var" / "cache"


def _print_run(db: str, mode: str, r: dict) -> None:
    w = min(WINDOW, r["n"])
    print(f"\n{db}, ingest {'--no-receipts' if mode == 'no-receipts' else '(receipts queued)'}: "
          f"{r['rate']:.0f} msg/s, ratio to floor {r['rate'] / r['floor']:.2f} (floor just before {r['floor']:.0f} "
          f"msg/s); per CPU second {r['cpu_rate']:.0f} msg, ratio {r['cpu_rate'] / r['floor_cpu']:.2f}; "
          f"start-up {r['startup']:.1f} s; peak RSS {r['rss_mb']:.0f} MB")
    print(f"  first {w}: {r['first']:.0f} msg/s, last {w}: {r['last']:.0f} msg/s (last/first "
          f"{r['last'] / r['first']:.2f}); statuses {r['statuses']}, outbox rows {r['outbox']}")
    parts = sorted(r["stages"].items(), key=lambda kv: -kv[1])
    other = r["seconds"] - sum(v for _, v in parts)
    print("  per message: " + ", ".join(f"{k} {v / r['n'] * 1000:.2f} ms" for k, v in parts if v / r["n"] >= 5e-5)
          + f", rest (commit, session, files) {other / r['n'] * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="messages (default 2,000)")
    parser.add_argument("--large", action="store_true", help="20,000 messages")
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite,postgresql")
    parser.add_argument("--modes", default="no-receipts,receipts", help="no-receipts,receipts")
    parser.add_argument("--pg-url", default=os.environ.get("MAILBOT_BENCH_PG", PG_URL))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--baseline", help="also run another checkout's mailbot (e.g. a worktree of an older "
                                           "commit) on the same mail, right after each run of this one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--mail", help=argparse.SUPPRESS)
    parser.add_argument("--code", default="", help=argparse.SUPPRESS)
    parser.add_argument("--prefill", type=int, default=0,
                        help="items of the preceding year written into each new database first (e.g. 20000): "
                             "the rate of N messages arriving into a year's database")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    n = 20_000 if args.large else args.n
    work = Path(tempfile.mkdtemp(prefix="mailbot-ingest-bench-"))
    try:
        mail = work / "mail"
        officers = build_mail(mail, n)
        files = sorted(mail.iterdir())
        size = sum(p.stat().st_size for p in files)
        print(f"{n} messages ({size / n / 1024:.1f} KiB average) from trec06c ham, {UNITS} units"
              + (f", into a database holding {args.prefill} items of the year before" if args.prefill else "") + "; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        cache = warm_cache(work, officers)
        base = floor(files)
        floors = [base]
        print(f"floor (mail-parser + jieba.lcut of subject and body): {base['rate']:.0f} msg/s "
              f"({base['parse_seconds'] / n * 1000:.2f} ms parse + "
              f"{(base['seconds'] - base['parse_seconds']) / n * 1000:.2f} ms jieba per message)")
        rows = []
        here_code = str(Path(__file__).resolve().parents[1])
        codes = [("", here_code)] + ([("baseline ", str(Path(args.baseline).resolve()))] if args.baseline else [])
        for db in args.db.split(","):
            for mode in args.modes.split(","):
                for label, code in codes:
                    here = floor(files)  # again just before: the machine's load changes; ratios use this one
                    floors.append(here)
                    r = run_child(work, f"{label.strip() or 'this'}-{db}-{mode}", db, mode, mail, officers,
                                  args.pg_url, cache, code, args.prefill)
                    if r["code"] != code:
                        raise SystemExit(f"the child ran mailbot from {r['code']}, not {code}")
                    r["floor"], r["floor_cpu"] = here["rate"], here["cpu_rate"]
                    rows.append((label + db, mode, r))
                    _print_run(label + db, mode, r)
        print("\nsummary")
        print(f"{'database':<20} {'mode':<12} {'msg/s':>7} {'/floor':>7} {'cpu /floor':>10} {'first':>7} {'last':>7} "
              f"{'last/first':>10} {'RSS MB':>7}")
        for db, mode, r in rows:
            print(f"{db:<20} {mode:<12} {r['rate']:>7.0f} {r['rate'] / r['floor']:>7.2f} "
                  f"{r['cpu_rate'] / r['floor_cpu']:>10.2f} {r['first']:>7.0f} "
                  f"{r['last']:>7.0f} {r['last'] / r['first']:>10.2f} {r['rss_mb']:>7.0f}")
        rates = sorted(f["rate"] for f in floors)
        print(f"floor: {rates[len(rates) // 2]:.0f} msg/s (median of {len(rates)}, {rates[0]:.0f}–{rates[-1]:.0f}); "
              f"load average now {os.getloadavg()[0]:.1f}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
