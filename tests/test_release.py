"""Review before release: the quarter's 通报 as a draft to the office, released by mail or CLI,
corrected and released again — through a real SMTP server."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import default

import pytest
from click.testing import CliRunner

from mailbot import records
from mailbot.cli import main
from mailbot.daemon import Daemon
from mailbot.mail import outbox
from mailbot.reports import release
from tests.helpers_records import ADMIN, feed, local, make_runtime, submit, write_config

ALPHA, BETA = "alpha@alpha.example.gov.cn", "beta@beta.example.gov.cn"
OFFICE = "xinxike@office.example.gov.cn"
PASS = {"Authentication-Results": "mx.office.example.gov.cn; dkim=pass header.d=office.example.gov.cn "
                                  "header.s=s1; spf=pass smtp.mailfrom=chief@office.example.gov.cn"}


def _smtp_config(tmp_path, smtp, schedule: str = ""):
    path = write_config(tmp_path, head=schedule)
    text = path.read_text(encoding="utf-8").replace(
        '[outgoing]\nkind = "file"\npath = "outbox"\n',
        f'[outgoing]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\n')
    path.write_text(text, encoding="utf-8")
    return path


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def _body(raw: bytes) -> str:
    return message_from_bytes(raw, policy=default).get_body(("plain",)).get_content()


def _mails(smtp, since: int = 0) -> list[tuple[list[str], str, bytes]]:
    return [(m.rcpt_tos, _subject(m.content), m.content) for m in smtp.messages[since:]]


@pytest.fixture
def quarter(tmp_path, smtp_server):
    """Q1 with alpha 2 items, beta 1, gamma none; the clock on the morning of 1 April."""
    rt = make_runtime(_smtp_config(tmp_path, smtp_server, "[schedule]\ntally_release_days = 3\n"),
                      now="2026-04-01 09:00", receipts=False)
    a1 = submit(rt, ALPHA, "甲市召开全市卫生工作会议", "2026-02-03 10:00")
    submit(rt, ALPHA, "关于甲市乡镇卫生院运行情况的调研报告", "2026-02-20 10:00")
    submit(rt, BETA, "乙市推进家庭医生签约服务", "2026-03-02 10:00")
    return rt, a1


def test_released_corrected_and_released_again_sends_exactly_the_corrections(quarter, smtp_server):
    rt, a1 = quarter
    # WHEN the daemon's quarterly job runs on 1 April
    Daemon(rt).quarterly_tally()

    # THEN only the office has mail: the draft, with the workbook and the release instructions
    mails = _mails(smtp_server)
    assert [(to, subj) for to, subj, _ in mails] == [
        ([OFFICE], "【通报草稿·待发布】政务信息报送采用情况通报（2026年第一季度）")]
    body = _body(mails[0][2])
    assert "尚未发给各单位" in body and "发布 2026Q1" in body and "2026年4月7日自动发布" in body  # 4-6 Apr: 清明 holidays
    xlsx = [p.get_filename() for p in message_from_bytes(mails[0][2], policy=default).iter_attachments()]
    assert xlsx == ["2026年第一季度政务信息通报（草稿1）.xlsx"]

    # WHEN the office releases it by mail
    result = feed(rt, ADMIN, "发布 2026Q1", "请发布。", "2026-04-02 10:00", headers=PASS)
    outbox.flush(rt)

    # THEN each unit got its 通报 and the office its copy, and the office's reply says what was queued
    mails = _mails(smtp_server, 1)
    by_to = {tuple(to): subj for to, subj, _ in mails}
    title = "政务信息报送采用情况通报（2026年第一季度）"
    assert by_to[(ALPHA, "li@alpha.example.gov.cn")] == f"【通报】{title}（甲市卫生局：得分 4，同类第 1 名）"
    assert by_to[(BETA,)].startswith(f"【通报】{title}（乙市卫生局")
    assert by_to[("gamma@gamma.example.gov.cn",)].startswith(f"【通报】{title}（厅办公室")
    assert by_to[(OFFICE,)] == f"【通报】{title}"
    reply = next(c for to, subj, c in mails if to == [ADMIN])
    assert "2026Q1 通报：排队 4 封（3 个单位、办公室 1 封）" in _body(reply)
    assert result.statuses == ["ignored"]
    assert len(mails) == 5

    # WHEN an adoption is recorded weeks later and the office releases again from the CLI
    records.adopt(rt, a1, "province", date="2026-04-01")
    sent_before = len(smtp_server.messages)
    run = CliRunner().invoke(main, ["--config", str(rt.settings.path), "tally", "--period", "2026Q1", "--send"])

    # THEN exactly the 更正 mails go: alpha's (its score changed) and the office's; beta and gamma get nothing
    assert run.exit_code == 0, run.output
    mails = _mails(smtp_server, sent_before)
    assert sorted((tuple(to), subj) for to, subj, _ in mails) == [
        ((ALPHA, "li@alpha.example.gov.cn"), f"【通报·更正】{title}（甲市卫生局：得分 34，同类第 1 名）"),
        ((OFFICE,), f"【通报·更正】{title}（第 2 版）")]
    alpha = _body(next(c for to, _, c in mails if to[0] == ALPHA))
    assert "数字有更正，以本通报为准" in alpha and "被采用 0 → 1 条；采用次数 0 → 1 次；得分 4 → 34 分。" in alpha
    assert "得分 34 分" in alpha
    office = _body(next(c for to, _, c in mails if to == [OFFICE]))
    assert "已更正为第 2 版" in office and "甲市卫生局（被采用 0 → 1 条，采用次数 0 → 1 次，得分 4 → 34 分）" in office
    assert "更正：甲市卫生局（被采用 0 → 1 条；采用次数 0 → 1 次；得分 4 → 34 分）" in run.stderr
    assert "其余 2 个单位数字未变，不发" in run.stderr

    # WHEN --send is given once more with nothing changed THEN nothing goes, and it says why
    sent_before = len(smtp_server.messages)
    again = CliRunner().invoke(main, ["--config", str(rt.settings.path), "tally", "--period", "2026Q1", "--send"])
    assert again.exit_code == 0
    assert len(smtp_server.messages) == sent_before
    assert "此后各单位数字没有变化，未排队任何邮件" in again.stderr


def test_draft_goes_out_by_itself_on_its_day_unless_held(quarter):
    rt, _ = quarter
    release.draft(rt, "2026Q1")
    # drafted Wednesday 1 April, 3 days: Saturday 4 April is in the 清明 holidays (4-6 April): Tuesday 7 April
    assert release.due_for_release(rt, local("2026-04-06 09:00").date()) == []
    assert release.due_for_release(rt, local("2026-04-07 09:00").date()) == ["2026Q1"]
    release.hold(rt, "2026Q1", by=ADMIN)
    assert release.due_for_release(rt, local("2026-04-07 09:00").date()) == []
    release.hold(rt, "2026Q1", on=False)
    assert release.due_for_release(rt, local("2026-04-07 09:00").date()) == ["2026Q1"]
    done = release.release(rt, "2026Q1", by="schedule")
    assert done.queued == 4 and release.due_for_release(rt, local("2026-04-08 09:00").date()) == []
    # the Q3 draft of 1 October waits out the National Day week; a year the holiday table does
    # not know yet falls back to Monday to Friday (2027-01-04 is a Monday)
    assert release.release_on(rt, date(2026, 10, 1)) == date(2026, 10, 8)
    assert release.release_on(rt, date(2027, 1, 1)) == date(2027, 1, 4)


def test_zero_release_days_waits_for_the_office(tmp_path, smtp_server):
    rt = make_runtime(_smtp_config(tmp_path, smtp_server, "[schedule]\ntally_release_days = 0\n"),
                      now="2026-04-01 09:00")
    report = release.draft(rt, "2026Q1")
    assert "不自动发布" in report.line()
    assert release.due_for_release(rt, local("2026-12-31 09:00").date()) == []


def test_a_unit_without_an_address_is_named_as_not_sent(tmp_path):
    units = '''
[[units]]
id = "alpha"
name = "甲市卫生局"
class = "city"
emails = ["alpha@alpha.example.gov.cn"]

[[units]]
id = "delta"
name = "丁市卫生局"
class = "city"
'''
    rt = make_runtime(write_config(tmp_path, units=units), now="2026-04-01 09:00")
    report = release.release(rt, "2026Q1")
    assert report.queued == 2  # alpha and the office
    assert "未发：丁市卫生局（没有登记邮箱）" in report.line()


def test_release_and_correction_on_postgresql(tmp_path, pg_url):
    # the same steps on PostgreSQL: JSON figures, versions, the 更正 only where figures changed
    rt = make_runtime(write_config(tmp_path, db_url=pg_url), now="2026-04-01 09:00", receipts=False)
    try:
        a1 = submit(rt, ALPHA, "甲市召开全市卫生工作会议", "2026-02-03 10:00")
        submit(rt, BETA, "乙市推进家庭医生签约服务", "2026-03-02 10:00")
        assert release.draft(rt, "2026Q1").queued == 1
        assert release.release(rt, "2026Q1").queued == 4
        records.adopt(rt, a1, "department", date="2026-04-01")
        again = release.release(rt, "2026Q1")
        # alpha's score changed; beta, tied first before, is now second: both get a 更正, and the office
        assert (again.version, again.queued) == (2, 3)
        assert ("更正：甲市卫生局（被采用 0 → 1 条；采用次数 0 → 1 次；得分 2 → 12 分）；"
                "乙市卫生局（同类排名 第 1 名 → 第 2 名）") in again.line()
    finally:
        rt.close()
