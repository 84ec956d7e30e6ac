"""Ingest speed against the floor, from files and from a real Dovecot, on SQLite and PostgreSQL,
and how it holds as the database grows.

usage: python benchmarks/ingest.py [--n 2000 | --n 2000,20000 | --large | --quick] [--sources files,dovecot]
                                   [--db sqlite,postgresql] [--modes no-receipts,receipts]

Mail: the 1,500 ham messages of TREC 2006 Chinese (``../shared/corpus/trec06c-bayesspam``), each
rewritten to come from a registered officer (From, To, Message-ID, Date and one Received line
replaced; mailing-list and reply headers dropped; every other header and the body bytes kept).
When N is larger than the corpus the messages are used again with a fresh Message-ID, another
unit, a later date and one varied line added to the body (in the body's own encoding), so every
copy is a new item. The bytes are written once per N and every measurement reads the same files.

Measured, in one run, for each N:

- **floor**: what any Chinese mail pipeline pays: mail-parser's parse of the bytes plus one
  jieba segmentation of subject and body (``jieba.lcut``), in this process after warm-up, over
  N messages (at most 2,000 of them, taken evenly across the N);
- **mailbot end to end** for each source, database and mode, each in a fresh child process:
  - source ``files``: what ``mailbot ingest`` does (``polling.feed`` of the files under the
    poll lock, nothing sent): ``--no-receipts`` (the back-fill path), and with receipts queued
    in the outbox (rendered, not sent);
  - source ``dovecot``: what ``mailbot poll`` does (``polling.poll``, nothing sent) against a
    private Dovecot (``tests/servers/dovecot.py``) whose fresh account holds the same N messages
    (written into its Maildir before the child starts; see ``benchmarks/ingest_imap.py``):
    ``[source] backfill_before`` after all the mail (the back-fill path, no receipts) or before
    it (live mail, receipts queued). Dovecot's own CPU time is not in the child's.
  The database is new (a file; on PostgreSQL a fresh schema in ``--pg-url``, dropped after).
  Printed: messages/s (start-up apart), the ratio to the floor (measured again just before each
  child: the load of a shared machine changes), the same per CPU second (the child's own CPU
  time and its read-ahead worker's, ``mailbot/pipeline/prepare.py``; PostgreSQL's and Dovecot's
  work is not in it), start-up, time per stage in the poll process, peak RSS (VmHWM) of the
  child and of its worker after the first window and at the end, and the rate of the first and last 1,000 messages and of each
  tenth (the database growing under them).

The mail and the child's config are made by ``benchmarks/ingest_mail.py``; the Dovecot by
``benchmarks/ingest_imap.py``. Completion times come from the ``progress`` object ``polling.feed``
and ``polling.poll`` take
(``update(n)`` as messages complete); stage times from wrapping the stages' ``read``/``run``.
``--large`` is N = 20,000; ``--n 2000,20000`` measures both sizes in one run. ``--quick`` is a
smoke run (N = 200, SQLite). Figures in the README come from this script; tests assert behaviour only.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest_mail import UNITS, build_mail, prefill, write_config

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WINDOW = 1000  # messages of the first and the last window (half of N when N is under 2,000)
FLOOR_SAMPLE = 2000
SLICES = 10


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

def _maxrss_mb() -> float:
    """This process's own peak RSS. On Linux ru_maxrss carries the parent's peak across fork and
    exec (a parent at 411 MB gives an 11 MB child ru_maxrss 411), and this script's parent trains
    the classifier (``warm_cache``); VmHWM is the child's own."""
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (the read-ahead worker once its poll ends)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _children_hwm_mb() -> float:
    """The largest peak RSS (VmHWM) of this process's live children (the read-ahead worker), 0 if none."""
    peak = 0.0
    try:
        for tid in os.listdir("/proc/self/task"):
            for child in Path(f"/proc/self/task/{tid}/children").read_text().split():
                for line in Path(f"/proc/{child}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) / 1024)
    except OSError:  # not Linux, or a child gone meanwhile
        pass
    return peak


class Stamps:
    """The progress object handed to ``polling.feed``/``poll``: when each message completed.

    ``update(n)`` may report several messages at once (a group commit); each call is one stamp.
    The peak RSS is taken once the first window is done, to compare with the peak at the end.
    """

    def __init__(self, window: int) -> None:
        self.window = window
        self.done = 0
        self.points: list[tuple[float, int]] = []
        self.rss_window: float | None = None
        self.worker_rss_window = 0.0
        self.worker_rss = 0.0  # the worker's VmHWM at the last stamp (it is gone once the feed ends)

    def update(self, n: int = 1) -> None:
        self.done += n
        self.points.append((time.perf_counter(), self.done))
        if self.rss_window is None and self.done >= self.window:
            self.rss_window = _maxrss_mb()
            self.worker_rss_window = _children_hwm_mb()
        self.worker_rss = max(self.worker_rss, _children_hwm_mb())

    def close(self) -> None:
        pass


def _rate(a: tuple[float, int], b: tuple[float, int]) -> float:
    return (b[1] - a[1]) / (b[0] - a[0]) if b[0] > a[0] else 0.0


def rates(begin: float, points: list[tuple[float, int]], window: int) -> dict:
    """Messages/s of the first and last ``window`` messages and of each tenth, from the stamps.

    Counted from the first stamp: what comes before it (connecting and listing the mailbox, the
    first message's warm-up such as loading the segmentation dictionary) is reported apart as
    ``lead_in`` seconds, so the windows compare the same work as the database grows.
    """
    if not points:
        return {"first": 0.0, "last": 0.0, "slices": [], "lead_in": 0.0}
    start, total = points[0], points[-1][1]

    def reached(count: int) -> tuple[float, int]:
        return next(p for p in points if p[1] >= count)

    first = _rate(start, reached(min(start[1] + window, total)))
    before_last = [p for p in points if p[1] <= total - window]
    last = _rate(before_last[-1] if before_last else start, points[-1])
    slices, previous = [], start
    for k in range(1, SLICES + 1):
        point = reached(-(-total * k // SLICES))
        if point[1] > previous[1]:
            slices.append(round(_rate(previous, point), 1))
            previous = point
    return {"first": first, "last": last, "slices": slices, "lead_in": points[0][0] - begin}


def child(args: argparse.Namespace) -> None:
    import logging

    if args.code:  # another checkout's mailbot (``--baseline``)
        sys.path.insert(0, args.code)

    logging.disable(logging.WARNING)
    t0 = time.perf_counter()
    from mailbot import polling
    from mailbot.config import load_settings
    from mailbot.pipeline import archive
    from mailbot.pipeline.stages import STAGES
    from mailbot.retraining import load_classifier
    from mailbot.runtime import Runtime

    imap = args.source == "dovecot"
    settings = load_settings(Path(args.config))
    # ``mailbot poll`` always answers live mail; its back-fill is chosen by [source] backfill_before
    rt = Runtime.open(settings, receipts=imap or args.mode == "receipts")
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

    def timed_iter(name: str, messages: Iterable) -> Iterator:
        """The source's own time: each ``next`` of its messages."""
        it, end = iter(messages), object()
        try:
            while True:
                start = time.perf_counter()
                item = next(it, end)
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
                if item is end:
                    return
                yield item
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    for stage in STAGES:
        short = stage.__name__.rsplit(".", 1)[-1]
        for phase in ("read", "run"):
            fn = getattr(stage, phase, None)
            if callable(fn):
                setattr(stage, phase, timed(f"{short}.{phase}", fn))
    if callable(getattr(archive, "store_raw", None)):
        archive.store_raw = timed("archive", archive.store_raw)
    stamps = Stamps(args.window)
    begin, cpu0, worker0 = time.perf_counter(), time.process_time(), _children_cpu()
    if imap:
        source = polling.make_source(rt)
        fetch_new = source.fetch_new
        source.fetch_new = lambda is_done: timed_iter("source", fetch_new(is_done))
        source.mark_done = timed("flag", source.mark_done)
        if hasattr(source, "mark_done_many"):
            source.mark_done_many = timed("flag", source.mark_done_many)
        try:
            progress = inspect.signature(polling.poll).parameters["progress"].annotation
            if str(progress) in ("bool | None", "Optional[bool]"):  # an older poll (``--baseline``)
                feed = polling.feed
                polling.feed = lambda *a, **kw: feed(*a, **{**kw, "progress": stamps})
                report = polling.poll(rt, source=source, send=False, progress=False)
            else:
                report = polling.poll(rt, source=source, send=False, progress=stamps)
        finally:
            source.close()
    else:
        from mailbot.sources.files import iter_paths

        report = polling.PollReport()
        with polling.poll_lock(rt):  # what ``polling.ingest`` does, nothing sent
            polling.feed(rt, timed_iter("source", iter_paths([Path(args.mail)])), report, progress=stamps)
    seconds, own_cpu = time.perf_counter() - begin, time.process_time() - cpu0
    worker_cpu = _children_cpu() - worker0  # the read-ahead worker, reaped when the feed ends
    n = stamps.done
    with rt.db.session() as s:
        from sqlalchemy import func, select

        from mailbot.db.models import OutboxMail

        queued = s.scalar(select(func.count()).select_from(OutboxMail)) or 0
    rt.close()
    print(json.dumps({
        "n": n, "seconds": seconds, "rate": n / seconds, "cpu_rate": n / (own_cpu + worker_cpu), "startup": started,
        "worker_cpu": worker_cpu, "worker_rss_mb": stamps.worker_rss, "worker_rss_window_mb": stamps.worker_rss_window,
        **rates(begin, stamps.points, args.window), "window": args.window,
        "rss_window_mb": stamps.rss_window or _maxrss_mb(), "rss_mb": _maxrss_mb(), "stages": spent,
        "statuses": dict(report.statuses), "backfilled": report.backfilled, "outbox": queued,
        "code": str(Path(polling.__file__).parents[1]),
    }))


def run_child(work: Path, name: str, source: str, db: str, mode: str, mail: Path, officers: list[str], pg_url: str,
              cache: Path, code: str, prefill_rows: int, window: int, boxes) -> dict:
    folder = work / name
    folder.mkdir()
    (folder / "var").mkdir()
    (folder / "var" / "cache").symlink_to(cache)
    office_id = ""
    if db == "sqlite":
        url = f"sqlite:///{folder / 'mailbot.db'}"
    else:
        url, office_id = pg_url, f"bench_{os.getpid()}_{zlib.crc32(name.encode()):08x}"  # at most 40 characters
    env, account, section = dict(os.environ), None, ""
    if source == "dovecot":
        from benchmarks.ingest_imap import PASSWORD_ENV, source_section

        account, delivered = boxes.deliver(sorted(mail.iterdir()), f"bench{os.getpid()}{name.replace('-', '')}")
        print(f"  ({len(list(mail.iterdir()))} messages delivered into {account.username}'s Maildir in "
              f"{delivered:.1f} s, not measured)", flush=True)
        env[PASSWORD_ENV], section = account.password, source_section(account, mode)
    config = write_config(folder, officers, url, office_id, section)
    try:
        out = subprocess.run([sys.executable, __file__, "--child", "--config", str(config), "--mode", mode,
                              "--source", source, "--mail", str(mail), "--code", code, "--prefill", str(prefill_rows),
                              "--window", str(window)], cwd=folder, check=True, capture_output=True, text=True,
                             env=env)
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"{name}: child failed:\n{exc.stderr[-3000:]}") from None
    finally:
        if office_id:
            _drop_schema(pg_url, f"mailbot_{office_id}")
        if account is not None:
            boxes.remove(account)
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


MODES = {("files", "no-receipts"): "ingest --no-receipts",
         ("files", "receipts"): "ingest (receipts queued)",
         ("dovecot", "no-receipts"): "poll, all mail before backfill_before (back-filled, no receipts)",
         ("dovecot", "receipts"): "poll, all mail after backfill_before (receipts queued)"}


def _print_run(source: str, db: str, mode: str, r: dict) -> None:
    w = r["window"]
    print(f"{source} → {db}, {MODES[source, mode]}, N = {r['n']}: "
          f"{r['rate']:.0f} msg/s, ratio to floor {r['rate'] / r['floor']:.2f} (floor just before {r['floor']:.0f} "
          f"msg/s); per CPU second (poll + worker) {r['cpu_rate']:.0f} msg, ratio {r['cpu_rate'] / r['floor_cpu']:.2f}; "
          f"start-up {r['startup']:.1f} s; until the first message done {r['lead_in']:.1f} s")
    print(f"  first {w}: {r['first']:.0f} msg/s, last {w}: {r['last']:.0f} msg/s (last/first "
          f"{r['last'] / r['first'] if r['first'] else 0:.2f}); by tenth: {' '.join(f'{x:.0f}' for x in r['slices'])}")
    worker = r.get("worker_cpu", 0.0) > 0
    print(f"  peak RSS {r['rss_mb']:.0f} MB ({r['rss_window_mb']:.0f} MB after the first {w})"
          + (f", read-ahead worker {r['worker_rss_mb']:.0f} MB ({r['worker_rss_window_mb']:.0f} MB after the first "
             f"{w}; pages shared with the poll count in both) and {r['worker_cpu'] / max(r['n'], 1) * 1000:.1f} "
             "ms CPU per message" if worker else ", no read-ahead worker") + "; statuses "
          f"{r['statuses']}, back-filled {r['backfilled']}, outbox rows {r['outbox']}")
    parts = sorted(r["stages"].items(), key=lambda kv: -kv[1])
    other = r["seconds"] - sum(v for _, v in parts)
    n = max(r["n"], 1)
    print("  per message in the poll process: " + ", ".join(f"{k} {v / n * 1000:.2f} ms" for k, v in parts if v / n >= 5e-5)
          + f", rest (key checks, commits, sessions) {other / n * 1000:.2f} ms", flush=True)


def _summary(rows: list[tuple[str, str, str, int, dict]], floors: list[dict]) -> None:
    print("\nsummary")
    print(f"{'source':<8} {'database':<20} {'mode':<12} {'N':>6} {'msg/s':>7} {'/floor':>7} {'cpu /floor':>10} "
          f"{'first':>7} {'last':>7} {'last/first':>10} {'RSS@w MB':>8} {'RSS MB':>7} {'worker MB':>9}")
    for source, db, mode, n, r in rows:
        print(f"{source:<8} {db:<20} {mode:<12} {n:>6} {r['rate']:>7.0f} {r['rate'] / r['floor']:>7.2f} "
              f"{r['cpu_rate'] / r['floor_cpu']:>10.2f} {r['first']:>7.0f} {r['last']:>7.0f} "
              f"{r['last'] / r['first'] if r['first'] else 0:>10.2f} {r['rss_window_mb']:>8.0f} {r['rss_mb']:>7.0f} "
              f"{r.get('worker_rss_mb', 0):>9.0f}")
    sizes = sorted({n for *_, n, _r in rows})
    if len(sizes) > 1:
        print("peak RSS by N (MB): " + "; ".join(
            f"{source} {db} {mode}: " + ", ".join(f"{n} → {r['rss_mb']:.0f}" for s2, d2, m2, n, r in rows
                                                  if (s2, d2, m2) == (source, db, mode))
            for source, db, mode in dict.fromkeys((s, d, m) for s, d, m, *_ in rows)))
    rates_ = sorted(f["rate"] for f in floors)
    print(f"floor: {rates_[len(rates_) // 2]:.0f} msg/s (median of {len(rates_)}, {rates_[0]:.0f}–{rates_[-1]:.0f}); "
          f"load average now {os.getloadavg()[0]:.1f}")


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", help="messages, or several sizes measured in turn: 2000,20000 (default 2000)")
    parser.add_argument("--large", action="store_true", help="20,000 messages")
    parser.add_argument("--quick", action="store_true", help="a smoke run: N = 200, SQLite (unless --n/--db say)")
    parser.add_argument("--sources", default="files,dovecot", help="files,dovecot")
    parser.add_argument("--db", help="sqlite,postgresql (default both)")
    parser.add_argument("--modes", default="no-receipts,receipts", help="no-receipts,receipts")
    parser.add_argument("--pg-url", default=os.environ.get("MAILBOT_BENCH_PG", PG_URL))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--baseline", help="also run another checkout's mailbot (e.g. a worktree of an older "
                                           "commit) on the same mail, right after each run of this one")
    parser.add_argument("--prefill", type=int, default=0,
                        help="items of the preceding year written into each new database first (e.g. 20000): "
                             "the rate of N messages arriving into a year's database")
    for hidden in ("--config", "--mode", "--mail", "--source"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", default="", help=argparse.SUPPRESS)
    parser.add_argument("--window", type=int, default=WINDOW, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return args
    args.sizes = ([200] if args.quick else [2000]) if args.n is None else [int(x) for x in args.n.split(",")]
    if args.large:
        args.sizes = [20_000]
    args.db = args.db or ("sqlite" if args.quick else "sqlite,postgresql")
    for name, value, allowed in (("--sources", args.sources, {"files", "dovecot"}),
                                 ("--db", args.db, {"sqlite", "postgresql"}),
                                 ("--modes", args.modes, {"no-receipts", "receipts"})):
        if not set(value.split(",")) <= allowed:
            parser.error(f"{name}: one or more of {', '.join(sorted(allowed))}")
    return args


def main() -> None:
    args = _options()
    if args.child:
        child(args)
        return
    from benchmarks.ingest_imap import Mailboxes

    work = Path(tempfile.mkdtemp(prefix="mailbot-ingest-bench-"))
    boxes = Mailboxes()
    rows: list[tuple[str, str, str, int, dict]] = []
    floors: list[dict] = []
    here_code = str(Path(__file__).resolve().parents[1])
    cache: Path | None = None
    codes = [("", here_code)] + ([("baseline ", str(Path(args.baseline).resolve()))] if args.baseline else [])
    try:
        if "dovecot" in args.sources.split(","):
            server = boxes.start()
            print(f"dovecot on {server.host}:{server.port} (Maildir storage, plain IMAP)")
        for n in args.sizes:
            mail = work / f"mail-{n}"
            officers = build_mail(mail, n)
            files = sorted(mail.iterdir())
            size = sum(p.stat().st_size for p in files)
            sample = files[::max(1, n // FLOOR_SAMPLE)]
            print(f"\n{n} messages ({size / n / 1024:.1f} KiB average) from trec06c ham, {UNITS} units"
                  + (f", into a database holding {args.prefill} items of the year before" if args.prefill else "")
                  + f"; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
            cache = cache or warm_cache(work, officers)
            base = floor(sample)
            floors.append(base)
            print(f"floor (mail-parser + jieba.lcut of subject and body, {len(sample)} of the {n}): "
                  f"{base['rate']:.0f} msg/s ({base['parse_seconds'] / len(sample) * 1000:.2f} ms parse + "
                  f"{(base['seconds'] - base['parse_seconds']) / len(sample) * 1000:.2f} ms jieba per message)")
            window = min(WINDOW, max(1, n // 2))
            for source in args.sources.split(","):
                for db in args.db.split(","):
                    for mode in args.modes.split(","):
                        for label, code in codes:
                            here = floor(sample)  # again just before: the load changes; ratios use this one
                            floors.append(here)
                            r = run_child(work, f"{label.strip() or 'this'}-{source}-{db}-{mode}-{n}", source, db,
                                          mode, mail, officers, args.pg_url, cache, code, args.prefill, window,
                                          boxes)
                            if r["code"] != code:
                                raise SystemExit(f"the child ran mailbot from {r['code']}, not {code}")
                            r["floor"], r["floor_cpu"] = here["rate"], here["cpu_rate"]
                            rows.append((source, label + db, mode, n, r))
                            _print_run(source, label + db, mode, r)
        _summary(rows, floors)
    finally:
        boxes.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
