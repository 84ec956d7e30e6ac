"""The tally of a big office's year: 500 units, 20,000 accepted items, on SQLite and PostgreSQL.

usage: python benchmarks/tally_scale.py [--units 500] [--items 20000] [--db sqlite,postgresql]
                                        [--rounds 3] [--mailbot PATH]

Builds, in a temporary folder, a config with ``--units`` units in three classes (yearly and
quarterly quotas, one of them per category) and a database the way mailbot leaves it after a
year: the schema from ``Runtime.open`` (migrations, units synced), then, bulk-inserted in the
columns mailbot's own writers fill (``pipeline/record.py`` and ``ledger_rows.py``):

- ``--items`` accepted items received over 2026 (texts of about 4 KB, as real 信息 are), each
  with its ``submit`` event at the scheme's points, plus 5 % duplicates and 1 % unassigned
  items (no events, as the pipeline leaves them);
- adoptions of 12 % of the items (department, province, central), instructions of 2 %,
  commissions of 1 %, each recorded a few weeks after the item; 1 % of the adoptions withdrawn
  (a reversing row); one manual adjustment for every tenth unit.

On PostgreSQL (``--pg-url``, default the local ``test`` database) the office gets a fresh schema
through its ``[office] id``, dropped at the end.

Then each command runs ``--rounds`` times as a fresh process (``mailbot --config … tally …``,
its start-up included) and the median wall time, median CPU time (user + system of the process;
PostgreSQL's server work is not in it) and peak RSS are printed. Figures in the README come
from here; tests assert behaviour only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cli_startup import run_once

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
YEAR = 2026
CLASSES = [("city", "市（州）卫生局", 'quotas = [{per = "year", count = 50}, {per = "quarter", count = 10}]'),
           ("county", "县（市、区）卫生局", 'quotas = [{per = "year", count = 24}, '
                                          '{per = "year", count = 2, category = "research"}]'),
           ("division", "厅机关处室", 'quotas = [{per = "quarter", count = 5}]')]
CATEGORIES = ["progress", "progress", "progress", "meeting", "experience", "problem", "research", "emergency"]
SENTENCES = ["今年以来，我局认真贯彻落实省委省政府关于深化医药卫生体制改革的决策部署，",
             "围绕群众看病就医的急难愁盼问题，扎实推进分级诊疗制度建设，",
             "全市县域医共体建设覆盖率达到百分之百，基层首诊率稳步提升，",
             "组织专家深入乡镇卫生院开展业务指导和技术帮扶，累计培训基层医务人员两千余人次，",
             "下一步，我们将继续加大工作力度，健全长效机制，确保各项任务落到实处。",
             "在疫情防控常态化条件下，坚持预防为主、防治结合，完善监测预警体系，",
             "推动优质医疗资源扩容下沉和区域均衡布局，让群众在家门口享受到优质服务。"]


def write_config(folder: Path, units: int, url: str, office_id: str) -> Path:
    lines = [f'timezone = "Asia/Shanghai"\ndata_dir = "var"\n\n[database]\nurl = "{url}"\n',
             '[source]\nkind = "maildir"\npath = "mail"\n',
             '[outgoing]\nkind = "file"\npath = "outbox"\nfrom = "信息科 <xinxi@example.gov.cn>"\n',
             '[office]\n' + (f'id = "{office_id}"\n' if office_id else "") + 'name = "信息科"\n'
             'emails = ["xinxi@example.gov.cn"]\n']
    for cid, name, quotas in CLASSES:
        lines.append(f'[[classes]]\nid = "{cid}"\nname = "{name}"\n{quotas}\n')
    for u in range(units):
        cid = CLASSES[0 if u < units // 10 else 1 if u < units * 8 // 10 else 2][0]
        lines.append(f'[[units]]\nid = "u{u:03d}"\nname = "第{u:03d}号单位"\nclass = "{cid}"\n'
                     f'emails = ["xxy{u:03d}@unit{u:03d}.example.gov.cn"]\n')
    path = folder / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _text(rng: random.Random, k: int) -> str:
    parts = [f"（第{k}号信息）"]
    while sum(len(p) for p in parts) < 1400:  # about 4 KB of UTF-8
        parts.append(rng.choice(SENTENCES))
    return "".join(parts)


def fill(config: Path, units: int, items: int, seed: int = 13) -> dict[str, int]:
    """Create the schema (``Runtime.open``) and bulk-insert a year of rows; returns row counts."""
    from sqlalchemy import insert

    from mailbot.config import load_settings
    from mailbot.db.models import Message, ScoreEvent, Submission
    from mailbot.runtime import Runtime

    rng = random.Random(seed)
    rt = Runtime.open(load_settings(config))
    scheme, tz = rt.scheme, rt.settings.tz
    first = datetime(YEAR, 1, 1, tzinfo=tz).astimezone(UTC)
    step = (datetime(YEAR + 1, 1, 1, tzinfo=tz).astimezone(UTC) - first) / (items * 1.06)
    now = datetime(YEAR + 1, 1, 10, tzinfo=UTC)
    submit_points = scheme.points("submit")
    adopt_levels = scheme.levels("adopt")
    instruct_levels = scheme.levels("instruct")
    commission_levels = scheme.levels("commission")
    subs: list[dict] = []
    events: list[dict] = []
    per_day: dict[str, int] = {}

    def event(sub: dict, kind: str, points: float, occurred: date, **more) -> dict:
        row = dict(id=len(events) + 1, submission_id=sub["id"], unit_id=sub["unit_id"], officer=sub["sender"],
                   kind=kind, level=None, sub_kind=None, category=sub["category"], points=points, occurred=occurred,
                   publication=None, issue_no=None, note=None, reverses=None, recorded_by="system", recorded_at=now)
        row.update(more)
        events.append(row)
        return row

    with rt.db.transaction() as s:
        msg = Message(mailbox="tally-scale", source_key="0", body_hash="0" * 64, raw_sha256="0" * 64, raw_path="-",
                      status="processed")
        s.add(msg)
        s.flush()
        accepted = 0
        k = 0
        while accepted < items:
            k += 1
            t = first + step * k
            local = t.astimezone(tz)
            day = f"{local:%Y%m%d}"
            per_day[day] = per_day.get(day, 0) + 1
            u = rng.randrange(units)
            roll = rng.random()
            status = "duplicate" if roll < 0.05 else "unassigned" if roll < 0.06 else "accepted"
            sub = dict(id=k, receipt=f"{day}-{per_day[day]:04d}", message_pk=msg.id, part=0,
                       message_id=f"<{k}@unit{u:03d}.example.gov.cn>", status=status,
                       unit_id=None if status == "unassigned" else f"u{u:03d}",
                       unit_via=None if status == "unassigned" else "address",
                       sender=f"xxy{u:03d}@unit{u:03d}.example.gov.cn", sender_name="信息员", received_at=t,
                       subject=f"关于推进分级诊疗工作的情况（{k}）", text=_text(rng, k),
                       category=rng.choice(CATEGORIES), category_confidence=0.9, category_reasons=[],
                       duplicate_of=k - 1 if status == "duplicate" and k > 1 else None, correction=False,
                       attachments=[], notes=[], created_at=t, updated_at=t)
            subs.append(sub)
            if status != "accepted":
                continue
            accepted += 1
            received = local.date()
            event(sub, "submit", submit_points, received)
            later = received + timedelta(days=rng.randrange(7, 45))
            if rng.random() < 0.12:
                level = rng.choice(adopt_levels)
                adopt = event(sub, "adopt", scheme.points("adopt", level, category=sub["category"]), later,
                              level=level, publication="卫生工作信息", issue_no=str(rng.randrange(1, 60)))
                if rng.random() < 0.01:
                    event(sub, "adopt", -adopt["points"], later, level=level, reverses=adopt["id"], note="撤销")
            if rng.random() < 0.02:
                level = rng.choice(instruct_levels)
                event(sub, "instruct", scheme.points("instruct", level, category=sub["category"]), later, level=level)
            if rng.random() < 0.01:
                level = rng.choice(commission_levels)
                event(sub, "commission", scheme.points("commission", level, category=sub["category"]), later,
                      level=level)
        for u in range(0, units, 10):
            events.append(dict(id=len(events) + 1, submission_id=None, unit_id=f"u{u:03d}", officer=None, kind="adjust",
                               level=None, sub_kind=None, category=None, points=rng.choice([-5, 5, 10]),
                               occurred=date(YEAR, rng.randrange(1, 13), 15), publication=None, issue_no=None,
                               note="调整", reverses=None, recorded_by="office", recorded_at=now))
        columns = set(Submission.__table__.columns.keys())
        for i in range(0, len(subs), 2000):
            s.execute(insert(Submission), [{c: v for c, v in r.items() if c in columns} for r in subs[i:i + 2000]])
        for i in range(0, len(events), 5000):
            s.execute(insert(ScoreEvent), events[i:i + 5000])
        if rt.db.dialect == "postgresql":  # explicit ids: move the sequences past them
            from sqlalchemy import text

            for table in ("submissions", "score_events"):
                s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    if rt.db.dialect == "postgresql":
        with rt.db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    rt.close()
    kinds: dict[str, int] = {}
    for e in events:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    return {"submissions": len(subs), "accepted": accepted, "events": len(events), **kinds}


def commands() -> list[list[str]]:
    return [
        ["tally", "--period", str(YEAR)],
        ["tally", "--period", f"{YEAR}Q2"],
        ["tally", "--period", str(YEAR), "--format", "json"],
        ["tally", "--period", f"{YEAR}Q2", "--format", "csv"],
        ["tally", "--period", str(YEAR), "--format", "xlsx", "--output", "tally.xlsx"],
        ["awards", "--year", str(YEAR), "--format", "json"],
        ["submissions", "--period", f"{YEAR}-03", "--format", "json"],
    ]


def measure(db: str, args: argparse.Namespace, work: Path) -> None:
    folder = work / db
    folder.mkdir()
    office_id = ""
    if db == "sqlite":
        url = f"sqlite:///{folder / 'mailbot.db'}"
    else:
        url, office_id = args.pg_url, f"tally_scale_{os.getpid()}"
    config = write_config(folder, args.units, url, office_id)
    try:
        t0 = time.perf_counter()
        # In a child: the measured commands are forked from this process, and a fork's peak RSS
        # starts at its parent's.
        out = subprocess.run([sys.executable, __file__, "--fill", str(config), "--units", str(args.units),
                              "--items", str(args.items)], check=True, capture_output=True, text=True)
        counts = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"\n{db}: {args.units} units, " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
              + f" (built in {time.perf_counter() - t0:.0f} s)")
        print(f"{'command':<54} {'wall (median)':>14} {'cpu (median)':>13} {'peak RSS':>10}")
        for command in commands():
            cmd = [args.mailbot, "--config", str(config), *command]
            run_once(cmd, folder)  # warm: the first run after the build pays the page cache
            runs = [run_once(cmd, folder) for _ in range(args.rounds)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss = max(r[2] for r in runs) / 1024
            print(f"{' '.join(command):<54} {wall:>12.2f} s {cpu:>11.2f} s {rss:>7.0f} MB", flush=True)
    finally:
        if office_id:
            _drop_schema(args.pg_url, f"mailbot_{office_id}")


def _drop_schema(pg_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--mailbot", default=shutil.which("mailbot") or str(Path(sys.executable).with_name("mailbot")))
    parser.add_argument("--fill", metavar="CONFIG", help=argparse.SUPPRESS)  # the child that builds the database
    args = parser.parse_args()
    if args.fill:
        print(json.dumps(fill(Path(args.fill), args.units, args.items)))
        return
    load = os.getloadavg()[0]
    print(f"tally at scale: {args.rounds} rounds per command, fresh processes; load average {load:.1f} at start")
    with tempfile.TemporaryDirectory(prefix="mailbot-tally-") as tmp:
        for db in args.db.split(","):
            measure(db.strip(), args, Path(tmp))


if __name__ == "__main__":
    main()
