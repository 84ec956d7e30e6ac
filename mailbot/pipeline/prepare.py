"""The CPU-heavy part of reading, done ahead in a second process while the first one writes.

A long poll or back-fill spends most of its CPU reading each mail (MIME, charsets, documents),
segmenting its text, classifying it and fingerprinting it: pure work on the raw bytes. With two
or more cores, a worker process (forked, so it shares the loaded dictionary and model) does that
for the next group of messages while the poll writes the current one; the poll's own ``read``
stages then take the result instead of doing it again (``parse``, ``classify``, ``dedupe``).
Everything that reads the database or the office's settings (commands, queries, screening,
attribution) still runs in the poll itself, in order. The worker writes nothing: the archive
and the records are written by the poll as before (measured: archiving in the worker put its
fsyncs' system time on the busier of the two processes).

Whatever goes wrong in the worker (a bug, the worker killed), the message is simply read again
in the poll, where any error is quarantined as usual.
"""

from __future__ import annotations

import gc
import logging
import os
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailbot.classify.classifier import Classifier
    from mailbot.reading import ReadMail
    from mailbot.runtime import Runtime
    from mailbot.sources.base import SourceMessage

log = logging.getLogger("mailbot.pipeline")

WORKERS_ENV = "MAILBOT_READ_WORKERS"  # "0" turns the worker off (one process does everything)


@dataclass
class ItemFacts:
    """What the worker worked out for one item (matched to the poll's own item by its text)."""

    subject: str
    text: str
    category: str | None
    confidence: float | None
    reasons: list[str]
    fingerprint: str


@dataclass
class Prepared:
    """One message read by the worker: the mail (or why it cannot be read) and its items' facts."""

    mail: ReadMail | None = None
    unreadable: str | None = None
    items: list[ItemFacts] = field(default_factory=list)
    message_id: str | None = None  # ``phases.header_facts``
    body_hash: str = ""


_classifier: Classifier | None = None  # the model the worker was forked with


def prepare(raw: bytes) -> Prepared:
    """Read, segment, classify and fingerprint one message (in the worker; no database, no files)."""
    from mailbot import resubmission
    from mailbot.pipeline.parse import split_items
    from mailbot.pipeline.phases import header_facts
    from mailbot.reading import Unreadable, read_message

    message_id, body_hash = header_facts(raw)
    try:
        mail = read_message(raw)
    except Unreadable as e:
        return Prepared(unreadable=str(e), message_id=message_id, body_hash=body_hash)
    facts = []
    for item in split_items(mail):
        category = confidence = None
        reasons: list[str] = []
        if (item.subject or item.text).strip() and _classifier is not None:
            decision = _classifier.classify(item.subject, item.text, item.segmented())
            category, confidence, reasons = decision.category, decision.confidence, list(decision.reasons)
        fingerprint = resubmission.fingerprint(item.subject, item.text, item.segmented()).to_hex()
        facts.append(ItemFacts(item.subject, item.text, category, confidence, reasons, fingerprint))
    return Prepared(mail=mail, items=facts, message_id=message_id, body_hash=body_hash)


def prepare_group(raws: list[bytes]) -> list[Prepared | None]:
    """``prepare`` for a group, in one task (one round trip to the worker, not one a message).
    A message that fails here is None: the poll reads it itself."""
    out: list[Prepared | None] = []
    for raw in raws:
        try:
            out.append(prepare(raw))
        except Exception:  # noqa: BLE001 - the poll reads it again, where errors are quarantined
            out.append(None)
    return out


def _worker_start(parent: int) -> None:  # pragma: no cover - runs in the worker
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the poll, which stops the worker

    def orphaned() -> None:  # the poll was killed (kill -9): the worker must not linger
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=orphaned, name="parent-watch", daemon=True).start()


class Reader:
    """The worker process of one poll, started when a second group of messages is waiting.

    ``submit`` hands it a group of messages (one task); ``take`` gives back what it read of one,
    or None (not submitted, the worker failed, or the model was retrained meanwhile: the poll
    reads the message itself).
    """

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.enabled = os.environ.get(WORKERS_ENV, "1") != "0" and (os.cpu_count() or 1) >= 2
        self._pool: ProcessPoolExecutor | None = None
        self._model: Any = None
        self._forked = False
        self._futures: dict[int, tuple[Future, int]] = {}  # id(message) -> (its group's task, its place)

    def submit(self, messages: list[SourceMessage]) -> None:
        if not self.enabled or not messages:
            return
        if self._pool is None:
            self._start()
            if self._pool is None:
                return
        starting = not self._futures and self._forked is False
        if starting:
            # What the worker inherits stays out of its garbage collector's sight: scanning it
            # would cost CPU and copy every page it touches (the dictionary, the model).
            gc.freeze()
        try:
            task = self._pool.submit(prepare_group, [src.raw for src in messages])  # (the fork happens here)
        finally:
            if starting:
                gc.unfreeze()
                self._forked = True
        for k, src in enumerate(messages):
            self._futures[id(src)] = (task, k)

    def _start(self) -> None:
        global _classifier
        import multiprocessing

        from mailbot.retraining import load_classifier
        from mailbot.text.segmentation import tokenizer

        try:
            self._model = _classifier = load_classifier(self.rt)  # inherited by the fork
            tokenizer()  # loaded here, so the worker inherits the dictionary instead of loading its own
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_worker_start, initargs=(os.getpid(),))
        except Exception as e:  # noqa: BLE001 - no worker: the poll reads everything itself
            log.warning("no read-ahead worker (%s): reading in one process", e)
            self.enabled = False

    def take(self, src: SourceMessage) -> Prepared | None:
        found = self._futures.pop(id(src), None)
        if found is None:
            return None
        from mailbot.retraining import load_classifier

        future, place = found
        try:
            prepared = future.result()[place]
        except Exception as e:  # noqa: BLE001 - the poll reads it itself
            log.warning("read-ahead worker failed (%s: %s): the poll reads the message itself", type(e).__name__, e)
            if self._pool is not None and getattr(self._pool, "_broken", False):
                self.close()
                self.enabled = False
            return None
        if prepared is None:
            return None
        if load_classifier(self.rt) is not self._model:  # retrained since the fork: classify here
            prepared.items = []
        return prepared

    def close(self) -> None:
        for future, _ in self._futures.values():
            future.cancel()
        self._futures.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
