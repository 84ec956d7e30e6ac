"""Shared helpers for the records/tally/remind/import/office-command tests: a real config file,
a Runtime on SQLite in tmp_path with a fixed clock, and mail fed through the real pipeline."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mailbot.clock import Clock
from mailbot.config import load_settings
from mailbot.pipeline import driver
from mailbot.runtime import Runtime
from mailbot.sources.base import SourceMessage
from tests.dbs import url_for

TZ = ZoneInfo("Asia/Shanghai")
ADMIN = "chief@office.example.gov.cn"

HEALTH_CLASSES = '''
[[classes]]
id = "city"
name = "市（州）卫生局"
quotas = [{per = "year", count = 50}]
awards = {"一等奖" = 1, "二等奖" = 1, "优秀奖" = 0.5}

[[classes]]
id = "division"
name = "厅机关处室"
quotas = [{per = "year", count = 30}]
'''

HEALTH_UNITS = '''
[[units]]
id = "alpha"
name = "甲市卫生局"
class = "city"
emails = ["alpha@alpha.example.gov.cn"]
officers = [{email = "li@alpha.example.gov.cn", name = "李明"}]

[[units]]
id = "beta"
name = "乙市卫生局"
class = "city"
emails = ["beta@beta.example.gov.cn"]

[[units]]
id = "gamma"
name = "厅办公室"
class = "division"
emails = ["gamma@gamma.example.gov.cn"]
'''

TRANSPORT_HEAD = '''
[calendar]
year_start = "12-01"
quarter_starts = ["12-01", "04-01", "07-01", "10-01"]
'''

TRANSPORT_CLASSES = '''
[[classes]]
id = "county"
name = "县（区）交通运输局"
quotas = [{per = "week", count = 2}]

[[classes]]
id = "division"
name = "局机关科室"
quotas = [{per = "week", count = 1}]
'''

TRANSPORT_UNITS = '''
[[units]]
id = "chuanying"
name = "船营区交通运输局"
class = "county"
emails = ["cy@cy.example.gov.cn"]

[[units]]
id = "fengman"
name = "丰满区交通运输局"
class = "county"
emails = ["fm@fm.example.gov.cn"]

[[units]]
id = "bangongshi"
name = "局办公室"
class = "division"
emails = ["bgs@jt.example.gov.cn"]
'''


def write_config(tmp_path: Path, preset: str = "jilin-health", head: str = "", classes: str = HEALTH_CLASSES,
                 units: str = HEALTH_UNITS, office_extra: str = "", db_url: str | None = None,
                 name: str = "config.toml") -> Path:
    url = db_url or url_for(tmp_path)
    text = f'''timezone = "Asia/Shanghai"
data_dir = "var"
{head}
[database]
url = "{url}"

[source]
kind = "maildir"
path = "mail"

[outgoing]
kind = "file"
path = "outbox"
from = "信息科 <xinxi@office.example.gov.cn>"

[office]
name = "办公室信息科"
emails = ["xinxike@office.example.gov.cn"]
admins = ["{ADMIN}"]
authserv_ids = ["mx.office.example.gov.cn"]
{office_extra}

[scoring]
preset = "{preset}"
{classes}
{units}
'''
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def local(text: str) -> datetime:
    """'2026-02-03 10:00' as an aware local time."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def make_runtime(config: Path, now: str = "2026-11-20 09:00", receipts: bool = True) -> Runtime:
    return Runtime.open(load_settings(config), clock=Clock("Asia/Shanghai", fixed=local(now)), receipts=receipts)


_counter = [0]


def feed(rt: Runtime, sender: str, subject: str, body: str, when: str, headers: dict[str, str] | None = None,
         key: str | None = None) -> driver.Result:
    """One message through the real pipeline; ``when`` is the local arrival time."""
    _counter[0] += 1
    mid = key or f"m{_counter[0]}"
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, "xinxi@office.example.gov.cn", subject
    m["Date"] = format_datetime(local(when))
    m["Message-ID"] = f"<{mid}@test.example>"
    for k, v in (headers or {}).items():
        m[k] = v
    m.set_content(body)
    return driver.process(rt, SourceMessage("test", mid, bytes(m), local(when)))


def receipt_of(rt: Runtime, result: driver.Result) -> str:
    from sqlalchemy import select

    from mailbot.db.models import Submission

    with rt.db.session() as s:
        return s.scalar(select(Submission.receipt).where(Submission.message_pk == result.message_pk))


def submit(rt: Runtime, unit_email: str, subject: str, when: str, body: str | None = None) -> str:
    """Feed an item from a unit's address and return its receipt number."""
    # The body is mostly the subject, so different items never look like resends of each other.
    body = body or f"{subject}。近日，{subject}，有关情况报告如下：{subject}取得新进展，{subject}工作持续推进。"
    return receipt_of(rt, feed(rt, unit_email, subject, body, when))


def rows_by_unit(result: dict) -> dict[str, dict]:
    return {r["unit"]: r for r in result["units"]}
