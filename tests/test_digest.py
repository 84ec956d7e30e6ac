"""The office's weekly digest: `digest_data`, `queue_digest` and `mailbot digest`.

GIVEN submissions in several weeks (and at the week's local-time edges) WHEN the digest
for 2026-W07 is built THEN only that week's items are counted, each section lists what it
should, a dry run queues nothing and a second queue of the same week is deduplicated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mailbot.cli import main
from mailbot.clock import Clock
from mailbot.config import load_settings
from mailbot.db.models import CategoryCorrection, Message, OutboxMail, Submission
from mailbot.errors import UsageError
from mailbot.reports.digest import digest_data, queue_digest, render_digest
from mailbot.runtime import Runtime
from tests.dbs import url_for

TZ = ZoneInfo("Asia/Shanghai")

CONFIG = """
timezone = "Asia/Shanghai"
data_dir = "var"

[database]
url = "sqlite:///var/mailbot.db"

[source]
kind = "maildir"
path = "inbox"

[outgoing]
kind = "file"
path = "var/outbox"
from = "省卫生厅办公室信息科 <jlwsxx2012@163.com>"

[office]
name = "省卫生厅办公室信息科"
emails = ["xinxike@example.gov.cn"]
admins = ["xinxike@example.gov.cn"]

[classify]
review_below = 0.5

[[classes]]
id = "city"
name = "市（州）卫生局"
quotas = [{per = "year", count = 50}]

[[units]]
id = "changchun"
name = "长春市卫生局"
class = "city"
emails = ["xxy@ccws.example.gov.cn"]

[[units]]
id = "jilin"
name = "吉林市卫生局"
class = "city"
emails = ["jlsws@example.gov.cn"]

[[units]]
id = "siping"
name = "四平市卫生局"
class = "city"
emails = ["spws@example.gov.cn"]
"""


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "var").mkdir()
    (tmp_path / "inbox").mkdir()
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.replace("sqlite:///var/mailbot.db", url_for(tmp_path / "var")), encoding="utf-8")
    return path


@pytest.fixture
def rt(config: Path) -> Runtime:
    settings = load_settings(str(config))
    return Runtime.open(settings, clock=Clock(settings.tz, fixed=local(2026, 2, 16, 8, 30)))


class Mailbox:
    """Writes submissions straight into the store, as the pipeline would have recorded them."""

    def __init__(self, rt: Runtime):
        self.rt = rt
        self.n = 0
        self.ids: dict[str, int] = {}

    def add(self, when: datetime, status: str = "accepted", unit: str | None = "changchun", category: str | None = "progress",
            confidence: float | None = 0.9, reasons: list[str] | None = None, subject: str = "",
            duplicate_of: str | None = None, reason: str | None = None, category_by: str | None = None,
            sender: str = "xxy@ccws.example.gov.cn", correction: bool = False) -> str:
        self.n += 1
        receipt = f"{when:%Y%m%d}-{self.n:04d}"
        with self.rt.db.transaction() as s:
            msg = Message(mailbox="test", source_key=receipt, message_id=f"m{self.n}@test", body_hash="x",
                          raw_sha256="x", raw_path="x", status="processed")
            s.add(msg)
            s.flush()
            sub = Submission(receipt=receipt, message_pk=msg.id, message_id=msg.message_id, status=status,
                             status_reason=reason, unit_id=unit, unit_via="address" if unit else None, sender=sender,
                             sender_name="刘洋", received_at=when.astimezone(UTC),
                             subject=subject or f"信息 {receipt}", text="正文", category=category,
                             category_confidence=confidence, category_reasons=reasons or [], category_by=category_by,
                             duplicate_of=self.ids[duplicate_of] if duplicate_of else None, correction=correction)
            s.add(sub)
            s.flush()
            self.ids[receipt] = sub.id
        return receipt

    def correct(self, receipt: str, old: str, new: str, at: datetime) -> None:
        with self.rt.db.transaction() as s:
            s.add(CategoryCorrection(submission_id=self.ids[receipt], old_category=old, category=new,
                                     corrected_by="xinxike@example.gov.cn", corrected_at=at.astimezone(UTC)))


@pytest.fixture
def week(rt: Runtime) -> dict:
    """Items around 2026-W07 (Mon 9 Feb – Sun 15 Feb 2026, Asia/Shanghai)."""
    box = Mailbox(rt)
    r = {}
    r["w06_last"] = box.add(local(2026, 2, 8, 23, 30))                 # Sunday of W06: not counted
    r["first"] = box.add(local(2026, 2, 9, 0, 10))                     # 16:10 UTC on the 8th, but W07 locally
    r["jilin"] = box.add(local(2026, 2, 10, 9, 0), unit="jilin", category="emergency", confidence=0.97,
                         subject="吉林市某医院发生火灾")
    r["resend"] = box.add(local(2026, 2, 11, 9, 0), status="duplicate", duplicate_of=r["first"],
                          reason="exact: repeats it", category="progress")
    r["fix"] = box.add(local(2026, 2, 11, 10, 0), status="duplicate", unit="siping", duplicate_of=r["w06_last"],
                       reason="correction marker + similarity 0.40", subject="【更正】四平市信息", category="progress",
                       correction=True)
    r["orphan"] = box.add(local(2026, 2, 12, 14, 0), status="unassigned", unit=None, category="problem",
                          confidence=0.31, reasons=["模型: 0.31"], subject="一位市民的来信",
                          reason="no unit found", sender="someone@qq.com")
    r["unsure"] = box.add(local(2026, 2, 13, 9, 0), category="meeting", confidence=0.42,
                          reasons=["词: 调研", "模型: 0.42", "候选: meeting 0.42, research 0.38"],
                          subject="厅领导到长春调研")
    r["settled"] = box.add(local(2026, 2, 13, 10, 0), category="research", confidence=0.2,
                           category_by="xinxike@example.gov.cn", subject="已更正过的低置信度信息")
    r["broken"] = box.add(local(2026, 2, 14, 11, 0), status="quarantined", unit=None, category=None,
                          confidence=None, reason="cannot be read as mail: bad MIME", subject="乱码邮件")
    r["auto"] = box.add(local(2026, 2, 14, 12, 0), status="ignored", unit=None, category=None, confidence=None,
                        reason="auto-submitted: auto-replied", subject="自动回复：休假")
    r["last"] = box.add(local(2026, 2, 15, 23, 59), category="experience", confidence=0.88)
    r["w08_first"] = box.add(local(2026, 2, 16, 0, 1), unit="siping")  # Monday of W08: not counted
    box.correct(r["settled"], "progress", "research", local(2026, 2, 13, 16, 0))
    box.correct(r["w06_last"], "progress", "problem", local(2026, 2, 6, 16, 0))  # a correction in W06
    return r


def test_counts_only_the_weeks_items_by_local_time(rt: Runtime, week: dict) -> None:
    d = digest_data(rt, "2026-W07")
    assert d["week"]["name"] == "2026-W07"
    assert (d["week"]["start"], d["week"]["end"]) == ("2026-02-09", "2026-02-15")
    assert d["totals"] == {"received": 10, "accepted": 5, "duplicate": 2, "unassigned": 1, "ignored": 1,
                           "quarantined": 1}
    accepted = [x["receipt"] for x in d["accepted"]]
    assert accepted == [week["first"], week["jilin"], week["unsure"], week["settled"], week["last"]]
    assert week["w06_last"] not in accepted and week["w08_first"] not in accepted


def test_per_unit_and_per_category_counts(rt: Runtime, week: dict) -> None:
    d = digest_data(rt, "2026-W07")
    units = {u["unit"]: (u["accepted"], u["duplicate"]) for u in d["units"]}
    assert units == {"changchun": (4, 1), "jilin": (1, 0), "siping": (0, 1)}
    cats = {c["category"]: c["count"] for c in d["categories"]}
    assert cats == {"emergency": 1, "meeting": 1, "research": 1, "experience": 1, "problem": 0, "progress": 1}
    # 零信息: a unit with only a duplicate this week has no counted item.
    assert [u["unit"] for u in d["zero_units"]] == ["siping"]


def test_sections_for_the_office(rt: Runtime, week: dict) -> None:
    d = digest_data(rt, "2026-W07")
    assert [x["receipt"] for x in d["unassigned"]] == [week["orphan"]]
    assert d["unassigned"][0]["sender"] == "someone@qq.com"
    assert [x["receipt"] for x in d["quarantined"]] == [week["broken"]]
    assert "bad MIME" in d["quarantined"][0]["reason"]
    dups = {x["receipt"]: (x["duplicate_of"], x["correction"]) for x in d["duplicates"]}
    assert dups == {week["resend"]: (week["first"], False), week["fix"]: (week["w06_last"], True)}
    # Low confidence: the classifier's guesses below review_below, not the ones the office settled.
    review = {x["receipt"]: x for x in d["review"]}
    assert set(review) == {week["orphan"], week["unsure"]}
    assert review[week["unsure"]]["reasons"] == ["词: 调研"]
    assert review[week["unsure"]]["category"] == "meeting"
    # with its two likeliest categories, for the office's 类别 command
    assert review[week["unsure"]]["candidates"] == [{"category": "meeting", "name": "会议与领导活动", "p": 0.42},
                                                    {"category": "research", "name": "调研与外地经验", "p": 0.38}]
    # Corrections made that week only.
    assert [(c["receipt"], c["old_category"], c["category"]) for c in d["corrections"]] == [
        (week["settled"], "progress", "research")]


def test_review_threshold_comes_from_the_settings(rt: Runtime, week: dict) -> None:
    rt.settings.classify.review_below = 0.95
    d = digest_data(rt, "2026-W07")
    # 0.97 is still above; 0.9 and 0.88 are now flagged too.
    assert {x["receipt"] for x in d["review"]} == {week["orphan"], week["unsure"], week["first"], week["last"]}


def test_empty_week_lists_every_unit_as_zero(rt: Runtime, week: dict) -> None:
    d = digest_data(rt, "2026-W20")
    assert d["totals"]["received"] == 0 and d["accepted"] == []
    assert [u["unit"] for u in d["zero_units"]] == ["changchun", "jilin", "siping"]
    assert "无。" in render_digest(rt, d).text


def test_bad_week_is_refused(rt: Runtime) -> None:
    for bad in ("2026Q1", "2026-02", "2026-W54", "next week"):
        with pytest.raises(UsageError):
            digest_data(rt, bad)


def test_rendered_digest_reads_as_an_office_notice(rt: Runtime, week: dict) -> None:
    mail = render_digest(rt, digest_data(rt, "2026-W07"))
    assert "2026年第7周（2月9日至15日）" in mail.subject and "计分信息 5 条" in mail.subject
    assert mail.text.startswith("省卫生厅办公室信息科：")
    for needle in (week["orphan"], "归属 回执号 单位”", "不计 回执号 原因", week["broken"], "词: 调研", "类别 回执号 类别”",
                   "零信息单位", "四平市卫生局", "吉林市某医院发生火灾", f"更正回执号 {week['w06_last']}",
                   "其次“调研与外地经验”（research），38%"):
        assert needle in mail.text, needle
    assert mail.html is not None and "<table" in mail.html and week["unsure"] in mail.html
    assert "模型: 0.42" not in mail.text  # the model's raw figure is not for the office


def test_queue_once_per_week(rt: Runtime, week: dict) -> None:
    row = queue_digest(rt, "2026-W07")
    assert row is not None and row.kind == "digest" and row.dedupe_key == "digest:2026-W07"
    assert row.recipients == ["xinxike@example.gov.cn"]
    assert queue_digest(rt, "2026-W07") is None
    assert queue_digest(rt, "2026-w7") is None  # the same week, written another way
    with rt.db.session() as s:
        rows = list(s.scalars(select(OutboxMail).where(OutboxMail.kind == "digest")))
    assert [r.dedupe_key for r in rows] == ["digest:2026-W07"]
    assert "吉林市某医院发生火灾" in rows[0].body_text


def test_cli_dry_run_prints_and_queues_nothing(config: Path, rt: Runtime, week: dict) -> None:
    result = CliRunner().invoke(main, ["--config", str(config), "digest", "--week", "2026-W07", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "【信息周报】2026年第7周" in result.output and week["orphan"] in result.output
    with rt.db.session() as s:
        assert s.scalars(select(OutboxMail)).all() == []
    assert not (config.parent / "var" / "outbox").exists() or not list((config.parent / "var" / "outbox").iterdir())


def test_cli_queues_sends_and_dedupes(config: Path, rt: Runtime, week: dict) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["--config", str(config), "digest", "--week", "2026-W07"])
    assert first.exit_code == 0, first.output
    assert len(first.output.strip().splitlines()) == 1 and "xinxike@example.gov.cn" in first.output
    sent = list((config.parent / "var" / "outbox").glob("*digest*.eml"))
    assert len(sent) == 1
    second = runner.invoke(main, ["--config", str(config), "digest", "--week", "2026-W07"])
    assert second.exit_code == 0 and "未重复发送" in second.output
    assert len(list((config.parent / "var" / "outbox").glob("*digest*.eml"))) == 1
    with rt.db.session() as s:
        rows = list(s.scalars(select(OutboxMail)))
    assert len(rows) == 1 and rows[0].sent_at is not None


def test_cli_bad_week_is_a_usage_error(config: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(config), "digest", "--week", "2026Q1"])
    assert result.exit_code == 2


def _digest_mail(rt: Runtime, week: str):
    """The week's digest as Foxmail gets it: queued, composed, parsed."""
    from mailbot.mail.compose import compose
    from tests.mail_parts import parse

    row = queue_digest(rt, week)
    assert row is not None
    return parse(bytes(compose(row, rt.settings.outgoing.from_, rt.settings.tz)))


def test_both_parts_say_the_same_in_every_section(rt: Runtime, week: dict) -> None:
    from mailbot.pipeline.replies import REPLY
    from tests.mail_parts import disagreement, html_text, parts

    # GIVEN a week with, besides the usual, a mail that could not be sent and a unit's reply to a receipt
    box = Mailbox(rt)
    box.add(local(2026, 2, 12, 16, 0), status="ignored", unit=None, category=None, confidence=None,
            reason=f"{REPLY}: In-Reply-To a receipt", subject="回复：【回执】已收到信息", sender="jlsws@example.gov.cn")
    with rt.db.transaction() as s:
        s.add(OutboxMail(kind="receipt", dedupe_key="receipt:x", recipients=["nobody@ccws.example.gov.cn"],
                         subject="【回执】已收到信息：长春市信息", body_text="x", attempts=3, failed=True,
                         last_error="550 5.1.1 mailbox unavailable", failed_at=local(2026, 2, 13, 8, 0).astimezone(UTC)))
    # WHEN the digest is mailed
    msg = _digest_mail(rt, "2026-W07")
    text, html = parts(msg)
    # THEN the text part and the HTML part (what Foxmail shows) say the same, section by section
    only_text, only_html = disagreement(text, html)
    assert not only_text and not only_html, (only_text, only_html)
    shown = html_text(html)
    for words in ("一、各单位报送情况", "（一）未识别报送单位的来稿（1 条）", "（二）处理失败、已隔离的来件（1 件）",
                  "（三）分类待复核", "（四）未能发出的邮件（1 封）", "550 5.1.1 mailbox unavailable",
                  "（五）单位回复（1 件，不计分、不回执，请阅）", "回复：【回执】已收到信息", "吉林市卫生局",
                  "五、重复稿与更正稿（2 条，不重复计分）", f"更正回执号 {week['w06_last']}", "六、本周类别更正记录（1 条）",
                  "七、零信息单位", "四平市卫生局：", "词: 调研"):
        assert words in text and words in shown, words
    # AND the HTML is laid out as a document: tables for the counts, the office's 落款 at the end
    assert html.count("<table") >= 3 and "text-align:right" in html
    assert shown.rstrip().endswith("（本周报由系统自动生成。）")


def _on_track(rt: Runtime, unit: str, n: int) -> None:
    box = Mailbox(rt)
    box.n = 100 + len(unit)  # receipts of their own
    for i in range(n):
        box.add(local(2026, 1, 5 + i, 10, 0), unit=unit, subject=f"{unit} 一月信息 {i}",
                sender="jlsws@example.gov.cn" if unit == "jilin" else "xxy@ccws.example.gov.cn")


def test_zero_list_leaves_off_a_quiet_unit_that_is_on_track(rt: Runtime, week: dict) -> None:
    # GIVEN 吉林市卫生局 reported in W07 and has 8 items by 22 February, all the year's quota asks so far
    # (50 a year: ceil(50 × 53 ÷ 365) = 8 due on 22 February)
    _on_track(rt, "jilin", 7)
    # WHEN W08's digest is built, a week with no item from it
    d = digest_data(rt, "2026-W08")
    assert {u["unit"]: u["accepted"] for u in d["units"]}["jilin"] == 0
    # THEN it is not named among the 零信息 units, in either part
    assert "jilin" not in [u["unit"] for u in d["zero_units"]]
    mail = render_digest(rt, d)
    section = mail.text.split("七、零信息单位", 1)[1]
    assert "吉林市卫生局" not in section
    assert "吉林市卫生局" not in mail.html.split("七、零信息单位", 1)[1]


def test_zero_list_names_a_quiet_unit_behind_with_its_reason(rt: Runtime, week: dict) -> None:
    # GIVEN 长春市卫生局 has 5 counted items by 22 February (8 due) and none in W08
    _on_track(rt, "jilin", 7)
    d = digest_data(rt, "2026-W08")
    # THEN W08's digest names it, with why: behind the year's pace (it did report in W07)
    zero = {u["unit"]: u["why"] for u in d["zero_units"]}
    assert set(zero) == {"changchun"}
    assert "应报 8 条，已报 5 条" in zero["changchun"] and "连续两周" not in zero["changchun"]
    mail = render_digest(rt, d)
    line = f"长春市卫生局：{zero['changchun']}。"
    assert line in mail.text.split("七、零信息单位", 1)[1]
    assert line in mail.html and "本周没有计分信息、需要关注的单位 1 个" in mail.html
    # AND a unit quiet two weeks running is named for that too
    d9 = digest_data(rt, "2026-W10")
    why = {u["unit"]: u["why"] for u in d9["zero_units"]}
    assert why["siping"].startswith("连续两周没有计分信息，落后于")
