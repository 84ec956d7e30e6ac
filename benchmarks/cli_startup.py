"""Start-up time and memory of the everyday commands (the office runs them by hand).

Builds the demo in a temporary folder (config.example.toml and examples/mailbox, one ``poll``),
then runs each command ``--rounds`` times as a fresh process and prints the median wall time,
the median CPU time (user + system: less disturbed by other work on a shared machine) and
the peak resident memory.

Run: ``python benchmarks/cli_startup.py [--rounds N] [--mailbot PATH]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [
    ["--version"],
    ["--help"],
    ["check-config"],
    ["submissions"],
    ["tally", "--period", "2026Q1"],
]


def child_env() -> dict[str, str]:
    """The commands run as installed: their bytecode compiled once and kept (pip does so), even
    where the shell sets PYTHONDONTWRITEBYTECODE (then every run would compile mailbot again)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_env())
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.read().decode()[-500:]}")
    proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--mailbot", default=shutil.which("mailbot") or str(Path(sys.executable).with_name("mailbot")))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailbot-startup-") as tmp:
        work = Path(tmp)
        shutil.copy(ROOT / "config.example.toml", work / "config.toml")
        shutil.copytree(ROOT / "examples", work / "examples")
        subprocess.run([args.mailbot, "--config", "config.toml", "poll"], cwd=work, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env())
        print(f"load average {os.getloadavg()[0]:.1f} at start")
        print(f"{'command':<28} {'wall (median)':>14} {'cpu (median)':>13} {'peak RSS':>10}")
        for command in COMMANDS:
            cmd = [args.mailbot, "--config", "config.toml", *command]
            run_once(cmd, work)  # warm-up: writes the bytecode where none was kept
            runs = [run_once(cmd, work) for _ in range(args.rounds)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss = max(r[2] for r in runs) / 1024
            print(f"{' '.join(command):<28} {wall:>12.2f} s {cpu:>11.2f} s {rss:>7.0f} MB")


if __name__ == "__main__":
    main()
