"""The daemon: the APScheduler wiring, nothing else.

The main thread polls the source every ``poll_minutes``; scheduled jobs (the sender every
minute, weekly digest, shortfall reminders, quarterly tallies, classifier retraining) run in
the scheduler's thread. Each dated job runs once per due time across every daemon sharing
the database (``jobs.run_once``); the jobs only queue, then wake the one sender.
SIGTERM/SIGINT finish the message in hand, then exit 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from functools import partial

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from mailbot.errors import MailbotError
from mailbot.jobs import run_once
from mailbot.mail import outbox
from mailbot.polling import PollBusy, poll
from mailbot.retraining import load_classifier
from mailbot.runtime import Runtime

log = logging.getLogger("mailbot.daemon")


def _hm(text: str) -> tuple[int, int]:
    h, _, m = text.partition(":")
    return int(h), int(m or 0)


class Daemon:
    def __init__(self, rt: Runtime):
        self.rt = rt
        self.stop = threading.Event()
        self.scheduler = BackgroundScheduler(timezone=rt.settings.timezone,
                                             job_defaults={"coalesce": True, "max_instances": 1,
                                                           "misfire_grace_time": 3600})

    # -- jobs ------------------------------------------------------------------------
    def _job(self, name: str, fn) -> None:
        try:
            fn()
        except Exception:  # a failed job is logged and tried at its next time
            log.exception("scheduled job %s failed", name)

    def flush_outbox(self) -> None:
        """Wake the one sender (it claims each row, so other processes sending at once is safe)."""
        r = outbox.flush(self.rt)
        if r.sent or r.deferred or r.failed:
            log.info("outbox: %s sent, %s to retry, %s failed", r.sent, r.deferred, r.failed)

    def weekly_digest(self) -> None:
        from mailbot.reports.digest import queue_digest

        last_week = self.rt.clock.today() - timedelta(days=7)
        iso = last_week.isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"
        run_once(self.rt, "digest", week, lambda: queue_digest(self.rt, week))
        self.flush_outbox()

    def reminders(self) -> None:
        """Daily: the ``[remind]`` policy decides whether today is a reminder day and who is mailed."""
        from mailbot.reports.remind import queue_reminders

        today = self.rt.clock.today()
        run_once(self.rt, "remind", today.isoformat(),
                 lambda: queue_reminders(self.rt, today, scheduled=True))
        self.flush_outbox()

    def adoption_notices(self) -> None:
        from mailbot.notices import queue_adoption_notices

        today = self.rt.clock.today()
        run_once(self.rt, "notices", today.isoformat(), lambda: queue_adoption_notices(self.rt))
        self.flush_outbox()

    def quarterly_tally(self) -> None:
        """The quarter's 通报: a draft to the office on the first day of the next quarter; released
        to the units ``tally_release_days`` later unless the office held it or released it already."""
        from mailbot.reports import release

        today = self.rt.clock.today()
        yesterday = today - timedelta(days=1)
        quarter = self.rt.calendar.quarter_of(yesterday)
        if quarter.end == yesterday and not release.drafted(self.rt, quarter.name):
            run_once(self.rt, "tally-draft", quarter.name,
                     lambda: log.info("tally: %s", release.draft(self.rt, quarter.name).line()))
        for period in release.due_for_release(self.rt, today):
            run_once(self.rt, "tally-release", period, partial(self._release, period))
        self.flush_outbox()

    def _release(self, period: str) -> None:
        from mailbot.reports import release

        log.info("tally: %s", release.release(self.rt, period, by="schedule").line())

    def retrain(self) -> None:
        # Each process rebuilds its own in-memory classifier: not a once-only job.
        from mailbot.retraining import retrain

        retrain(self.rt)

    def schedule(self) -> None:
        s = self.rt.settings.schedule
        add = self.scheduler.add_job
        add(self._job, IntervalTrigger(minutes=1), args=["outbox", self.flush_outbox], id="outbox")
        h, m = _hm(s.digest_time)
        add(self._job, CronTrigger(day_of_week=s.digest_weekday, hour=h, minute=m), args=["digest", self.weekly_digest],
            id="digest")
        h, m = _hm(s.remind_time)
        add(self._job, CronTrigger(hour=h, minute=m), args=["remind", self.reminders], id="remind")
        if self.rt.settings.notices.enabled:
            h, m = _hm(self.rt.settings.notices.time)
            add(self._job, CronTrigger(hour=h, minute=m), args=["notices", self.adoption_notices], id="notices")
        h, m = _hm(s.tally_time)
        add(self._job, CronTrigger(hour=h, minute=m), args=["tally", self.quarterly_tally], id="tally")
        if self.rt.settings.classify.retrain_days:
            add(self._job, IntervalTrigger(days=self.rt.settings.classify.retrain_days), args=["retrain", self.retrain],
                id="retrain")

    # -- main loop -----------------------------------------------------------------------
    def _on_signal(self, signum, _frame) -> None:
        log.info("signal %s: finishing the message in hand, then stopping", signum)
        self.stop.set()

    def run_forever(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        load_classifier(self.rt)  # trained before the first poll, not inside it
        self.schedule()
        self.scheduler.start()
        interval = self.rt.settings.source.poll_minutes * 60
        log.info("mailbot running: %s every %.0f s", self.rt.settings.source.kind, interval)
        try:
            while not self.stop.is_set():
                try:
                    report = poll(self.rt, should_stop=self.stop.is_set)
                    log.info("poll: %s", report.line())
                except PollBusy as e:
                    log.warning("%s", e)
                except MailbotError as e:
                    log.error("poll failed: %s", e)
                except Exception:  # keep the daemon alive; try again next time
                    log.exception("poll failed")
                self.stop.wait(interval)
        finally:
            self.scheduler.shutdown(wait=True)
            log.info("mailbot stopped")
