"""Scheduled jobs run once per due time, however many daemons share the database.

Each daemon's scheduler fires on its own; the first to insert (job, due) into ``job_runs``
runs the job, the others see the unique key taken and skip. A run whose process died before
it finished is taken over once it is older than ``STALE`` (the jobs only queue mail under
dedupe keys, so a repeated run never sends twice).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from mailbot.db import rowcount
from mailbot.db.models import JobRun
from mailbot.runtime import Runtime

log = logging.getLogger("mailbot.jobs")

STALE = timedelta(minutes=30)
RUNNER = f"{socket.gethostname()}:{os.getpid()}"


def run_once(rt: Runtime, job: str, due: str, fn: Callable[[], object]) -> bool:
    """Run ``fn`` unless this (job, due) was run or is running elsewhere; True if it ran here."""
    now = rt.clock.now()
    try:
        with rt.db.transaction() as s:
            s.add(JobRun(job=job, due=due, started_at=now, runner=RUNNER))
    except IntegrityError:
        with rt.db.transaction() as s:
            taken = s.execute(update(JobRun).where(JobRun.job == job, JobRun.due == due, JobRun.finished_at.is_(None),
                                                   JobRun.started_at < now - STALE)
                              .values(started_at=now, runner=RUNNER).execution_options(synchronize_session=False))
            if rowcount(taken) != 1:
                log.info("job %s for %s: already run by another process", job, due)
                return False
        log.warning("job %s for %s: its earlier runner died; running it here", job, due)
    outcome = "done"
    try:
        fn()
    except Exception as e:
        outcome = f"failed: {type(e).__name__}: {e}"[:1000]
        raise
    finally:
        with rt.db.transaction() as s:
            s.execute(update(JobRun).where(JobRun.job == job, JobRun.due == due, JobRun.runner == RUNNER)
                      .values(finished_at=rt.clock.now(), outcome=outcome).execution_options(synchronize_session=False))
    return True
