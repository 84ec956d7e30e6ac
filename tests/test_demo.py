"""The demo works as shipped: config.example.toml + examples/mailbox, one `mailbot poll`.

GIVEN a copy of the example config and the sample mailbox WHEN `mailbot poll` runs THEN
each sample message gets the status, unit and (for the clear cases) category that
examples/make_mailbox.py documents, receipts are written for accepted and duplicate
items only, and a second poll changes nothing.
"""

from __future__ import annotations

import email
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from email.policy import default as default_policy
from pathlib import Path

import pytest

from tests import dbs
from tests.servers import postgres_listening

ROOT = Path(__file__).resolve().parent.parent

# file -> (Message-ID without <>, status, unit, unit_via, category or None when not asserted)
EXPECTED = {
    "01-changchun-foxmail-gb2312.eml": ("202601080915420263811@ccws.example.gov.cn", "accepted", "changchun",
                                        "address", "progress"),
    "02-changchun-resend.eml": ("202601121403110417520@ccws.example.gov.cn", "duplicate", "changchun", "address",
                                "progress"),
    "03-jilin-experience-gb18030.eml": ("tencent_3A1F0C2B7E9D4A51@example.gov.cn", "accepted", "jilin", "address",
                                        "experience"),
    "04-jilin-correction.eml": ("tencent_8C2D5E7F1A3B4C69@example.gov.cn", "duplicate", "jilin", "address",
                                "experience"),
    "05-yanbian-qq-research.eml": ("tencent_5D8E2F1A9C3B7E40@qq.com", "accepted", "yanbian", "subject", "research"),
    "06-siping-163-html.eml": ("4b7a2c31.5f1d.19c46e0a2b1.Coremail.sp_xinxi2019@163.com", "accepted", "siping",
                               "body", "problem"),
    "07-hospital-emergency.eml": ("000001dc9b8a$1a2b3c40$4f5e6d70$@jlph.example.org", "accepted", "hospital",
                                  "address", "emergency"),
    "08-cdc-auto-reply.eml": ("autoreply.1770944462.1187@jlcdc.example.org", "ignored", None, None, None),
    "09-cdc-leader-visit.eml": ("20260226113044.18273@jlcdc.example.org", "accepted", "cdc", "address", "meeting"),
    "10-yizheng-docx.eml": ("202603050912203402157@example.gov.cn", "accepted", "yizheng", "address", "progress"),
    "11-jilin-forward.eml": ("202603180835168849213@example.gov.cn", "accepted", "jilin", "address", "meeting"),
    "12-yingji-big5.eml": ("000b01dcc7e2$4c5d6e70$1a2b3c4d$@example.gov.cn", "accepted", "yingji", "address",
                           "progress"),
    "13-spam.eml": ("20260420031427.9A1B2C@mail-163.example.net", "unassigned", None, None, None),
    "14-hospital-experience.eml": ("7F3A2B1C-4D5E-6F70-8192-A3B4C5D6E7F8@jlph.example.org", "accepted", "hospital",
                                   "address", "experience"),
}


def mailbot(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailbot", "--config", str(workdir / "config.example.toml"), *args],
                          cwd=workdir, capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module", params=dbs.BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    if request.param == "postgresql" and not postgres_listening():
        pytest.skip("no PostgreSQL listening on 127.0.0.1:5432")
    with dbs.use(request.param) as backend:
        yield _run_demo(tmp_path_factory.mktemp("demo"), backend)


def _run_demo(work: Path, backend: dbs.Backend) -> dict:
    config = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    default_url = 'url = "sqlite:///var/mailbot.db"'
    assert default_url in config
    if backend.name != "sqlite":
        config = config.replace(default_url, f'url = "{backend.url_for(work)}"')
    (work / "config.example.toml").write_text(config, encoding="utf-8")
    shutil.copytree(ROOT / "examples", work / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    first = mailbot(work, "poll")
    assert first.returncode == 0, first.stderr
    listed = mailbot(work, "submissions", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    outbox = work / "var" / "outbox"
    files_after_first = sorted(p.name for p in outbox.glob("*.eml"))
    return {"work": work, "first": first, "rows": json.loads(listed.stdout), "outbox": outbox,
            "files": files_after_first}


def test_the_sample_mailbox_is_what_the_generator_writes(tmp_path: Path) -> None:
    """examples/mailbox is committed; regenerating it must give the same bytes (deterministic)."""
    shutil.copy(ROOT / "examples" / "make_mailbox.py", tmp_path / "make_mailbox.py")
    subprocess.run([sys.executable, str(tmp_path / "make_mailbox.py")], check=True, capture_output=True)
    made = {p.name: p.read_bytes() for p in (tmp_path / "mailbox").glob("*.eml")}
    shipped = {p.name: p.read_bytes() for p in (ROOT / "examples" / "mailbox").glob("*.eml")}
    assert set(made) == set(EXPECTED) == set(shipped)
    assert made == shipped


def test_every_sample_message_is_recorded_once(demo: dict) -> None:
    by_id = {r["message_id"]: r for r in demo["rows"]}
    assert len(demo["rows"]) == len(EXPECTED)
    assert set(by_id) == {e[0] for e in EXPECTED.values()}
    assert "14 new message(s)" in demo["first"].stdout


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_status_unit_and_category(demo: dict, name: str) -> None:
    message_id, status, unit, via, category = EXPECTED[name]
    row = next(r for r in demo["rows"] if r["message_id"] == message_id)
    assert (row["status"], row["unit"], row["unit_via"]) == (status, unit, via), row
    if category is not None:
        assert row["category"] == category, (row["category"], row["category_reasons"])
    if status == "accepted":
        assert row["points"] == 2  # jilin-health: 2 points for submitting
    else:
        assert row["points"] == 0


def test_duplicates_point_at_their_originals(demo: dict) -> None:
    rows = {r["message_id"]: r for r in demo["rows"]}
    resend = rows[EXPECTED["02-changchun-resend.eml"][0]]
    original = rows[EXPECTED["01-changchun-foxmail-gb2312.eml"][0]]
    assert resend["duplicate_of"] == original["receipt"]
    correction = rows[EXPECTED["04-jilin-correction.eml"][0]]
    corrected = rows[EXPECTED["03-jilin-experience-gb18030.eml"][0]]
    assert correction["duplicate_of"] == corrected["receipt"]
    # The correction replaced the original's text: the office works from the corrected figures.
    assert any(correction["receipt"] in n for n in corrected["notes"])


def test_received_times_come_from_the_received_header(demo: dict) -> None:
    rows = {r["message_id"]: r for r in demo["rows"]}
    # Date: 16:52:09 +0800; the Received header says 37 s later: that is the received time.
    assert rows[EXPECTED["07-hospital-emergency.eml"][0]]["received_at"] == "2026-02-12T16:52:46+08:00"


def test_docx_attachment_with_foxmail_encoded_name(demo: dict) -> None:
    rows = {r["message_id"]: r for r in demo["rows"]}
    assert rows[EXPECTED["10-yizheng-docx.eml"][0]]["attachments"] == ["全省改善医疗服务行动进展情况.docx"]


def _outbox_mails(outbox: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=default_policy) for p in sorted(outbox.glob("*.eml"))]


def test_receipts_only_for_accepted_and_duplicate_items(demo: dict) -> None:
    mails = _outbox_mails(demo["outbox"])
    receipts = [m for m in mails if m["X-Mailbot-Kind"] == "receipt"]
    answered = sorted(str(m["In-Reply-To"]).strip("<>") for m in receipts)
    wanted = sorted(e[0] for e in EXPECTED.values() if e[1] in ("accepted", "duplicate"))
    assert answered == wanted
    assert len(receipts) == 12
    for m in receipts:
        row = next(r for r in demo["rows"] if r["message_id"] == str(m["In-Reply-To"]).strip("<>"))
        assert str(m["To"]) == row["sender"]
        assert row["receipt"] in m.get_body(("plain",)).get_content()


def test_the_emergency_alerts_the_office(demo: dict) -> None:
    alerts = [m for m in _outbox_mails(demo["outbox"]) if m["X-Mailbot-Kind"] == "alert"]
    assert len(alerts) == 1
    assert str(alerts[0]["To"]) == "xinxike@example.gov.cn"
    assert "食物中毒" in str(alerts[0]["Subject"])


def test_a_second_poll_changes_nothing(demo: dict) -> None:
    again = mailbot(demo["work"], "poll")
    assert again.returncode == 0, again.stderr
    assert "nothing new" in again.stdout
    listed = mailbot(demo["work"], "submissions", "--format", "json")
    assert json.loads(listed.stdout) == demo["rows"]
    assert sorted(p.name for p in demo["outbox"].glob("*.eml")) == demo["files"]


def test_weekly_digest_of_the_demo_week(demo: dict) -> None:
    """2026-W07 (9–15 Feb) holds 06 (四平, by its 报送单位 line), 07 (the emergency) and 08 (auto-reply)."""
    out = mailbot(demo["work"], "digest", "--week", "2026-W07", "--dry-run")
    assert out.returncode == 0, out.stderr
    rows = {r["message_id"]: r for r in demo["rows"]}
    for name in ("06-siping-163-html.eml", "07-hospital-emergency.eml"):
        assert rows[EXPECTED[name][0]]["receipt"] in out.stdout
    assert "计分信息 2 条" in out.stdout and "不计入 1 件" in out.stdout
    assert "长春市卫生局：连续两周没有计分信息" in out.stdout and "延边州卫生局：" in out.stdout  # 零信息 units that matter
    assert sorted(p.name for p in demo["outbox"].glob("*.eml")) == demo["files"]  # a dry run sends nothing
