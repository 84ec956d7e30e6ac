"""The world a fault run happens in: a real Dovecot mailbox, a real SMTP sink that records every
delivery, one office's database (SQLite or PostgreSQL), and mail written by third parties.

Submissions are 新闻联播 items (``../shared/corpus/xinwenlianbo-transcripts``) sent from the
registered officers' addresses, so each is recorded, scored and answered; TREC 2006 Chinese
ham mail (``trec06c-bayesspam``) from strangers rides along as unassigned mail.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import func, select

from mailbot.config import load_settings
from mailbot.db.models import Message, OutboxMail, ScoreEvent, Submission
from mailbot.runtime import Runtime
from tests.mailbox_helpers import write_config
from tests.servers import DovecotServer, ImapAccount, SmtpServer

ROOT = Path(__file__).resolve().parents[2]
OFFICERS = ["xxy@ccws.example.gov.cn", "jlsws@example.gov.cn", "yzc@example.gov.cn"]


def shared_corpus() -> Path:
    return Path(os.environ.get("MAILBOT_SHARED") or ROOT.parent / "shared") / "corpus"


class MailSupply:
    """Distinct real-text submissions and real stranger mail, in a reproducible order."""

    def __init__(self, rng: random.Random):
        items_file = shared_corpus() / "xinwenlianbo-transcripts" / "derived" / "news_items.jsonl"
        self.items = [json.loads(line) for line in items_file.read_text(encoding="utf-8").splitlines() if line.strip()]
        rng.shuffle(self.items)
        trec = shared_corpus() / "trec06c-bayesspam"
        ham = [line.split()[1] for line in (trec / "index").read_text().splitlines() if line.startswith("ham ")]
        self.strangers = [trec / p.removeprefix("../") for p in ham[:400]]
        rng.shuffle(self.strangers)
        self.n = 0

    def next(self) -> bytes:
        self.n += 1
        if self.n % 5 == 0 and self.strangers:
            raw = self.strangers.pop().read_bytes()
            # Some trec06c mails share Message-IDs; give each a fresh one so "lost" is countable.
            raw = re.sub(rb"(?im)^message-id:.*\r?\n", b"", raw, count=1)
            return f"Message-ID: <fault-{self.n}@trec06c.example>\r\n".encode() + raw
        item = self.items[self.n % len(self.items)]
        text = html.unescape(re.sub(r"<[^>]+>", "\n", item["text"]))
        m = EmailMessage()
        m["From"] = f"信息员 <{OFFICERS[self.n % len(OFFICERS)]}>"
        m["To"] = "xinxi@example.gov.cn"
        m["Subject"] = item["title"][:60]
        m["Date"] = format_datetime(datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=self.n))
        m["Message-ID"] = f"<fault-{self.n}@example.gov.cn>"
        m.set_content(re.sub(r"\n\s*\n+", "\n", text).strip()[:3000], charset="gb18030")
        return bytes(m)


@dataclass
class World:
    folder: Path
    db: str
    dovecot: DovecotServer
    account: ImapAccount
    sink: SmtpServer
    supply: MailSupply
    appended: list[str] = field(default_factory=list)       # Message-IDs put in the mailbox
    window: set[str] = field(default_factory=set)           # delivered while sent_at was not committed
    notes: list[str] = field(default_factory=list)
    startup: float = 3.0  # seconds a `mailbot poll` with nothing to do takes here (measured by the kill loop)

    @property
    def config(self) -> Path:
        return self.folder / "config.toml"

    def write_config(self, smtp_port: int | None = None, imap_port: int | None = None) -> None:
        source = (f'[source]\nkind = "imap"\nhost = "{self.account.host}"\nport = {imap_port or self.account.port}\n'
                  f'tls = false\nusername = "{self.account.username}"\npassword_env = "FAULTS_IMAP_PASSWORD"\n'
                  'timeout_seconds = 5\npoll_minutes = 0.02\nbatch_size = 5\n')
        outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{self.sink.host}"\nport = {smtp_port or self.sink.port}\n'
                    'from = "信息科 <xinxi@example.gov.cn>"\ntimeout_seconds = 3\nsession_timeout_seconds = 6\n'
                    'max_per_recipient_hour = 0\n')
        database = f'[database]\nurl = "{self.db}"\n'
        # Every receipt is sent (no per-sender back-stop): the harness wants as much sending as it can get.
        write_config(self.folder, source=source, outgoing=outgoing, database=database,
                     extra="receipts_per_sender_hour = 0\n")

    def runtime(self) -> Runtime:
        return Runtime.open(load_settings(self.config))

    def add_mail(self, count: int) -> None:
        for _ in range(count):
            raw = self.supply.next()
            mid = message_from_bytes(raw, policy=policy.compat32)["Message-ID"].strip().strip("<>")
            self.account.append(raw)
            self.appended.append(mid)

    def mailbot(self, *args: str, **kw) -> subprocess.Popen[str]:
        env = {**os.environ, "FAULTS_IMAP_PASSWORD": self.account.password, "PYTHONPATH": str(ROOT)}
        return subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(self.config), *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                cwd=self.folder, **kw)

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        p = self.mailbot(*args)
        try:
            out, err = p.communicate(timeout=timeout)
        except BaseException:  # interrupted or timed out: leave no mailbot behind
            p.kill()
            p.communicate()
            raise
        return subprocess.CompletedProcess(p.args, p.returncode, out, err)

    # -- what the sink and the database say ---------------------------------------------
    def delivered_ids(self) -> Counter[str]:
        return Counter(str(message_from_bytes(m.content, policy=policy.compat32)["Message-ID"]).strip().strip("<>")
                       for m in list(self.sink.messages))

    def note_window(self) -> int:
        """After a kill: rows the server took whose ``sent_at`` was never committed (the one window)."""
        delivered = set(self.delivered_ids())
        with self.session() as s:
            unmarked = set(s.scalars(select(OutboxMail.message_id).where(OutboxMail.sent_at.is_(None))))
        caught = (delivered & unmarked) - self.window
        self.window |= caught
        return len(caught)

    @contextlib.contextmanager
    def session(self):
        rt = self.runtime()
        try:
            with rt.db.session() as s:
                yield s
        finally:
            rt.db.engine.dispose()

    def age_claims(self, hours: float = 1.0) -> int:
        """Let time pass for the outbox: claims of killed senders go stale, back-offs run out."""
        rt = self.runtime()
        try:
            with rt.db.transaction() as s:
                rows = list(s.scalars(select(OutboxMail).where(OutboxMail.sent_at.is_(None))))
                for r in rows:
                    if r.claimed_at is not None:
                        r.claimed_at -= timedelta(hours=hours)
                    r.next_attempt_at -= timedelta(hours=hours)
                return len(rows)
        finally:
            rt.db.engine.dispose()

    def settle(self, rounds: int = 6) -> None:
        """Poll (and send) until nothing is new and nothing is due, letting time pass between."""
        for _ in range(rounds):
            self.age_claims()
            r = self.run("poll")
            if r.returncode != 0:
                self.notes.append(f"settling poll exited {r.returncode}: {r.stderr.strip()[-300:]}")
            with self.session() as s:
                pending = s.scalar(select(func.count()).select_from(OutboxMail)
                                   .where(OutboxMail.sent_at.is_(None), OutboxMail.failed.is_(False)))
            if "nothing new" in r.stdout and pending == 0 and r.returncode == 0:
                return

    def tally(self) -> dict[str, int]:
        """Lost, doubled records, doubled scores, doubled deliveries (and the window's copies)."""
        with self.session() as s:
            msgs = list(s.execute(select(Message.message_id, Message.status)))
            recorded = Counter(mid for mid, status in msgs if status != "repeat")
            subs_per_msg = Counter(s.scalars(select(Submission.message_pk)
                                             .where(Submission.status != "quarantined")))
            parts = dict(s.execute(select(Submission.message_pk, func.count(func.distinct(Submission.part)))
                                   .group_by(Submission.message_pk)).all())
            # The harness never withdraws anything: one submit event per submission, no more.
            submits = Counter(s.scalars(select(ScoreEvent.submission_id).where(ScoreEvent.kind == "submit",
                                                                             ScoreEvent.reverses.is_(None))))
            unsent = s.scalar(select(func.count()).select_from(OutboxMail)
                              .where(OutboxMail.sent_at.is_(None), OutboxMail.failed.is_(False)))
            quarantined = s.scalar(select(func.count()).select_from(Message).where(Message.status == "quarantined"))
            rows = s.scalar(select(func.count()).select_from(OutboxMail))
        delivered = self.delivered_ids()
        doubles = {mid: n for mid, n in delivered.items() if n > 1}
        return {
            "mail": len(self.appended),
            "lost": sum(1 for mid in self.appended if recorded[mid] == 0),
            "doubled_records": sum(1 for mid in self.appended if recorded[mid] > 1)
            + sum(1 for pk, n in subs_per_msg.items() if n > parts.get(pk, 1)),
            "doubled_scores": sum(1 for n in submits.values() if n > 1),
            "doubled_deliveries": sum(n - 1 for mid, n in doubles.items() if mid not in self.window),
            "window_copies": sum(n - 1 for mid, n in doubles.items() if mid in self.window),
            "window_rows": len(self.window),
            "outbox_rows": rows,
            "delivered": sum(delivered.values()),
            "unsent": unsent,
            "quarantined": quarantined,
        }
