"""``kill -9`` at random points of ``poll``, ``run`` and sending (``remind``), over and over."""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from datetime import date, timedelta

from tests.faults.world import World


def kill_loop(world: World, kills: int, rng: random.Random, log=print) -> dict[str, int]:
    """Start a mailbot command, kill it with SIGKILL after a random delay; repeat ``kills`` times."""
    stats: Counter[str] = Counter()
    # Kill times are spread over start-up and the work after it, whatever this machine's speed:
    # a poll with nothing to do measures the start-up.
    started = time.monotonic()
    world.run("poll")
    startup = world.startup = time.monotonic() - started
    stats["startup_ms"] = int(startup * 1000)
    world.sink.delay = 0.05  # each delivery takes a moment: kills land inside sending too
    for i in range(kills):
        mode = rng.choice(["poll", "run", "send"])
        world.add_mail(rng.randint(1, 3))
        if mode == "send":  # reminders for a new date: a real sending command with its own new mail
            args = ["remind", "--as-of", (date(2026, 1, 5) + timedelta(days=i)).isoformat()]
        else:
            args = [mode]
        proc = world.mailbot(*args)
        delay = rng.uniform(0.2, startup + 6.0)
        deadline = time.monotonic() + delay
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.02)  # waiting for the kill time we drew
        except BaseException:
            proc.kill()
            raise
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            stats[f"killed_{mode}"] += 1
        else:
            stats[f"finished_{mode}"] += 1
        proc.communicate()
        time.sleep(world.sink.delay * 4 + 0.05)  # a DATA the sink was still answering lands first
        caught = world.note_window()
        stats["killed_in_window"] += caught
        if (i + 1) % 10 == 0:
            log(f"  {i + 1}/{kills} kills ({dict(stats)})")
    world.sink.delay = 0.0
    return dict(stats)
