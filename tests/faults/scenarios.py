"""One fault at a time, each with what the office must see: nothing lost, nothing doubled,
a one-line error where something failed, and everything done once the fault is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from mailbot.db.models import OutboxMail
from tests.faults.world import OFFICERS, World
from tests.servers import StallingServer, free_port


@dataclass
class Outcome:
    name: str
    ok: bool
    detail: str


def _one_line(err: str) -> bool:
    lines = [ln for ln in err.strip().splitlines() if "mailbot:" in ln]
    return len(lines) == 1 and "Traceback" not in err


def _counts(world: World) -> tuple[int, int]:
    with world.session() as s:
        sent = s.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.sent_at.is_not(None)))
        failed = s.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.failed.is_(True)))
    return sent, failed


def imap_cut_mid_fetch(world: World) -> Outcome:
    world.add_mail(8)
    proxy = world.account.proxy()
    world.write_config(imap_port=proxy.port)
    proxy.cut_after(6000)  # inside the first batch's bodies
    first = world.run("poll")
    world.write_config()
    again = world.run("poll")
    ok = again.returncode == 0 and proxy.cuts >= 1
    return Outcome("IMAP cut mid-FETCH", ok, f"cut poll exit {first.returncode}, next poll exit {again.returncode}: "
                                             f"{again.stdout.strip()}")


def smtp_refusing(world: World) -> Outcome:
    world.run("poll")  # nothing left over from earlier faults
    sent0, failed0 = _counts(world)
    world.sink.refuse_rcpt[OFFICERS[1]] = "550 5.1.1 Mailbox unavailable"
    world.sink.refuse_next(2, "451 4.3.0 Try again later")
    world.add_mail(6)
    first = world.run("poll")
    world.sink.refuse_rcpt.clear()
    world.age_claims()
    world.run("poll")
    sent, failed = _counts(world)
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).isocalendar()
    week = world.run("digest", "--week", f"{today.year}-W{today.week:02d}", "--dry-run")  # failures of this week
    ok = (first.returncode == 0 and failed > failed0 and sent > sent0 and "未能发出的邮件" in week.stdout
          and "550" in week.stdout)
    return Outcome("SMTP refusing (451, then 550 for one officer)", ok,
                   f"{sent - sent0} sent after 451s were retried, {failed - failed0} failed for good (550), "
                   f"digest lists them: {'未能发出的邮件' in week.stdout}")


def _smtp_away(world: World, name: str, port: int, server: StallingServer | None) -> Outcome:
    world.write_config(smtp_port=port)
    world.add_mail(4)
    sent0, _ = _counts(world)
    started = time.monotonic()
    r = world.run("poll")
    took = time.monotonic() - started
    sent1, _ = _counts(world)
    if server is not None:
        server.stop()
    world.write_config()
    world.run("poll")
    sent2, _ = _counts(world)
    tries = server.connections if server is not None else "-"
    ok = r.returncode == 0 and sent1 == sent0 and sent2 > sent1
    return Outcome(name, ok, f"poll exit {r.returncode} in {took:.1f} s (SMTP connections tried: {tries}), "
                             f"nothing sent meanwhile, {sent2 - sent1} sent once the server was back")


def smtp_silent(world: World) -> Outcome:
    server = StallingServer()
    return _smtp_away(world, "SMTP silent (accepts TCP, never answers)", server.port, server)


def smtp_down(world: World) -> Outcome:
    return _smtp_away(world, "SMTP down (connection refused)", free_port(), None)


def database_locked(world: World) -> Outcome:
    world.add_mail(4)
    if world.db.startswith("sqlite"):
        path = world.db.split(":///", 1)[1]
        holder = textwrap.dedent(f"""
            import sqlite3, sys, time
            c = sqlite3.connect({path!r}, isolation_level=None)
            c.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            time.sleep(float(sys.argv[1]))
            c.execute("COMMIT")
        """)
        hold = world.startup + 14.0  # past start-up, then past mailbot's 10 s busy timeout
    else:
        dsn = world.db.replace("postgresql+psycopg://", "postgresql://")
        holder = textwrap.dedent(f"""
            import sys, time, psycopg
            with psycopg.connect({dsn!r}) as c:
                c.execute("LOCK TABLE messages, outbox IN ACCESS EXCLUSIVE MODE")
                print("locked", flush=True)
                time.sleep(float(sys.argv[1]))
        """)
        hold = world.startup + 6.0
    p = subprocess.Popen([sys.executable, "-c", holder, str(hold)], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "locked"
    r = world.run("poll")
    p.wait(timeout=60)
    again = world.run("poll")
    ok = (r.returncode == 0 or _one_line(r.stderr)) and again.returncode == 0
    return Outcome("database locked", ok, f"poll during the lock exit {r.returncode} "
                                          f"({(r.stderr.strip().splitlines() or [r.stdout.strip()])[-1][:160]}); "
                                          f"after it: exit {again.returncode}")


def archive_unwritable(world: World) -> Outcome:
    raw = world.folder / "var" / "raw"
    aside = world.folder / "var" / "raw.aside"
    world.add_mail(4)
    if os.geteuid() != 0:
        raw.chmod(0o500)
        how = "raw/ made read-only"
    else:  # root ignores permission bits: put a file where the folder must be
        raw.rename(aside)
        raw.write_text("in the way")
        how = "a file in the way of raw/ (root ignores permission bits)"
    r = world.run("poll")
    if os.geteuid() != 0:
        raw.chmod(0o700)
    else:
        raw.unlink()
        aside.rename(raw)
    again = world.run("poll")
    ok = r.returncode != 0 and _one_line(r.stderr) and again.returncode == 0
    return Outcome("archive folder unwritable", ok, f"{how}: poll exit {r.returncode} "
                                                    f"({r.stderr.strip()[:160]}); after it: exit {again.returncode}")


def disk_full(world: World) -> Outcome:
    raw = world.folder / "var" / "raw"
    aside = world.folder / "var" / "raw.aside"
    raw.rename(aside)
    raw.mkdir(mode=0o700)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(raw)],
                             capture_output=True, text=True).returncode == 0
    if not mounted:
        raw.rmdir()
        aside.rename(raw)
        return Outcome("disk full", True, "skipped: cannot mount a small tmpfs here (needs root)")
    try:
        with open(raw / "filler", "wb") as fh:  # fill it to the last block
            try:
                while True:
                    fh.write(b"\0" * 65536)
            except OSError:
                pass
        world.add_mail(4)
        r = world.run("poll")
    finally:
        subprocess.run(["umount", str(raw)], check=True)
        raw.rmdir()
        aside.rename(raw)
    again = world.run("poll")
    ok = r.returncode != 0 and _one_line(r.stderr) and "No space left" in r.stderr and again.returncode == 0
    return Outcome("disk full", ok, f"poll exit {r.returncode} ({r.stderr.strip()[:160]}); after it: "
                                    f"exit {again.returncode}")


SCENARIOS: list[Callable[[World], Outcome]] = [
    imap_cut_mid_fetch, smtp_refusing, smtp_silent, smtp_down, database_locked, archive_unwritable, disk_full,
]
