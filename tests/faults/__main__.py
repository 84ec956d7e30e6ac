"""``python -m tests.faults [--kills N] [--db sqlite|postgresql|both] [--seed S] [--json FILE]``

Runs, per database: ``kill -9`` at random points of ``poll``, ``run`` and sending, N times;
then one fault at a time (IMAP cut mid-FETCH; SMTP refusing, silent and down; the database
locked; the archive unwritable; the disk full); then lets the office settle and counts
lost mail, doubled records, doubled scores and doubled deliveries. Exits 1 when any of them
is not 0 (copies re-sent after a kill between the server's 250 and the commit are counted
apart: they carry the same Message-ID) or a fault is not handled.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from tests.faults.kills import kill_loop
from tests.faults.scenarios import SCENARIOS
from tests.faults.world import MailSupply, World
from tests.servers import DovecotServer, SmtpServer, pg_database, postgres_listening

TARGETS = ("lost", "doubled_records", "doubled_scores", "doubled_deliveries", "unsent")


def run_one(db: str, kills: int, seed: int, log=print) -> dict:
    rng = random.Random(seed)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="mailbot-faults-") as tmp:
        folder = Path(tmp)
        if db == "postgresql":
            url = stack.enter_context(pg_database())
        else:
            url = f"sqlite:///{folder}/mailbot.db"
        dovecot = DovecotServer().start()
        stack.callback(dovecot.stop)
        sink = SmtpServer().start()
        stack.callback(sink.stop)
        world = World(folder, url, dovecot, dovecot.add_account(), sink, MailSupply(rng))
        world.write_config()
        world.add_mail(20)
        started = time.monotonic()
        log(f"[{db}] {kills} kills ...")
        kill_stats = kill_loop(world, kills, rng, log)
        world.settle()
        after_kills = world.tally()
        log(f"[{db}] after the kills: {after_kills}")
        outcomes = []
        for scenario in SCENARIOS:
            outcome = scenario(world)
            log(f"[{db}] {'ok ' if outcome.ok else 'FAIL'} {outcome.name}: {outcome.detail}")
            outcomes.append(outcome)
        world.settle()
        final = world.tally()
        log(f"[{db}] at the end: {final}")
        return {"db": db, "kills": kills, "seed": seed, "kill_stats": kill_stats, "after_kills": after_kills,
                "faults": [o.__dict__ for o in outcomes], "final": final, "notes": world.notes,
                "seconds": round(time.monotonic() - started)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.faults", description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=120, help="kill -9 rounds per database (default 120)")
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--seed", type=int, default=20260302)
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if "postgresql" in dbs and not postgres_listening():
        print("no PostgreSQL on 127.0.0.1:5432: PostgreSQL run skipped")
        dbs.remove("postgresql")
    results = [run_one(db, args.kills, args.seed) for db in dbs]
    machine = f"{platform.node()}: {os.cpu_count()} cores, {platform.system()} {platform.release()}, " \
              f"Python {platform.python_version()}"
    failed = []
    print(f"\nfault harness ({machine})")
    print("db          kills  mail  lost  doubled records  doubled scores  doubled deliveries  window copies  "
          "unsent  faults ok")
    for r in results:
        f = r["final"]
        ok_faults = sum(1 for o in r["faults"] if o["ok"])
        print(f"{r['db']:<11} {r['kills']:>5}  {f['mail']:>4}  {f['lost']:>4}  {f['doubled_records']:>15}  "
              f"{f['doubled_scores']:>14}  {f['doubled_deliveries']:>18}  {f['window_copies']:>13}  "
              f"{f['unsent']:>6}  {ok_faults}/{len(r['faults'])}")
        failed += [f"{r['db']}: {k} = {f[k]}" for k in TARGETS if f[k]]
        failed += [f"{r['db']}: {o['name']}: {o['detail']}" for o in r["faults"] if not o["ok"]]
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": results}, ensure_ascii=False, indent=1,
                                        default=str), encoding="utf-8")
    if failed:
        print("FAILED:\n  " + "\n  ".join(failed))
        return 1
    print("all targets met: 0 lost, 0 doubled records, 0 doubled scores, 0 doubled deliveries outside the window")
    return 0


if __name__ == "__main__":
    sys.exit(main())
