"""Adoptions recorded from a published issue (`mailbot bulletin`): matched articles recorded at the
publication's level with the publication and issue, doubtful ones listed, nothing recorded twice."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mailbot import bulletins
from mailbot.cli import main
from mailbot.db.models import ScoreEvent
from mailbot.errors import UsageError
from mailbot.reports.tally import tally
from tests.bulletin_helpers import items, make_issue, write_docx, write_pdf
from tests.helpers_records import make_runtime, rows_by_unit, submit, write_config

PUBLICATIONS = '''
[[publications]]
name = "吉林卫生信息"
aliases = ["卫生信息"]
level = "department"
window_days = 60
'''
ALPHA, BETA, GAMMA = "alpha@alpha.example.gov.cn", "beta@beta.example.gov.cn", "gamma@gamma.example.gov.cn"


@pytest.fixture
def config(tmp_path):
    path = write_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + PUBLICATIONS, encoding="utf-8")
    return path


@pytest.fixture
def world(config):
    """Five real items received from three units; an issue of 3 March made from three of them."""
    rt = make_runtime(config, now="2026-03-10 09:00")
    it = items(6)
    senders = [ALPHA, BETA, GAMMA, ALPHA, BETA]
    receipts = [submit(rt, who, x["title"], f"2026-02-{10 + n:02d} 10:00", body="\n\n".join(x["paragraphs"]))
                for n, (who, x) in enumerate(zip(senders, it))]
    issue = make_issue(5, date(2026, 3, 3), [
        ("扎实推进" + it[0]["title"][:12], it[0]["paragraphs"][:1] + it[0]["paragraphs"][2:4], [receipts[0]]),
        ("各地扎实推进重点工作（综合）", it[1]["paragraphs"][:2] + it[2]["paragraphs"][:2], receipts[1:3]),
        (it[5]["title"][:20], it[5]["paragraphs"][:3], []),  # written without a submission
    ])
    return rt, receipts, issue


def adoptions(rt) -> list[tuple[str, str, float, str | None, str | None]]:
    with rt.db.session() as s:
        return [(str(e.submission_id), e.level, e.points, e.publication, e.issue_no)
                for e in s.scalars(select(ScoreEvent).where(ScoreEvent.kind == "adopt").order_by(ScoreEvent.id))]


@pytest.mark.needs_corpus
def test_issue_records_its_sources_once_and_lists_the_rest(world):
    rt, receipts, issue = world
    data = write_docx(issue, styled=True, toc=True, numbered=False)
    report = bulletins.import_issue(rt, "《卫生信息》", "5", data=data, filename="第5期.docx")
    # THEN the cut item and both items of the 综合 article are adopted at the department level (10 points),
    # dated as the masthead says, with the publication and issue on the ledger
    assert report.recorded == 3 and report.on == date(2026, 3, 3) and report.label == "《吉林卫生信息》第5期"
    assert [(lv, p, pub, no) for _, lv, p, pub, no in adoptions(rt)] == [("department", 10, "吉林卫生信息", "5")] * 3
    lines = bulletins.report_lines(report, mail=False)
    assert any(f"已记录：{receipts[0]} 厅级采用（《吉林卫生信息》第5期） +10 分" in ln for ln in lines), lines
    assert lines[-1].strip() == "未找到对应来稿（可能为编辑部自撰或未经邮箱报送）"
    assert receipts[3] not in "\n".join(lines) and receipts[4] not in "\n".join(lines)
    units = rows_by_unit(tally(rt, "2026Q1"))
    assert (units["alpha"]["adopted"], units["beta"]["adopted"], units["gamma"]["adopted"]) == (1, 1, 1)

    # WHEN the same issue comes again, as a PDF this time: nothing is recorded twice
    again = bulletins.import_issue(rt, "吉林卫生信息", "第5期", data=write_pdf(issue, toc=False, numbered=True),
                                   filename="issue.pdf")
    assert again.recorded == 0 and sum(len(a.already) for a in again.articles) == 3 and len(adoptions(rt)) == 3

    # AND withdrawing the issue takes every one of its adoptions back
    gone = bulletins.withdraw(rt, "卫生信息", "5")
    assert len(gone.withdrawn) == 3 and all("-10 分" in ln for ln in gone.withdrawn)
    assert rows_by_unit(tally(rt, "2026Q1"))["alpha"]["adopted"] == 0
    with pytest.raises(UsageError, match="没有可撤销"):
        bulletins.withdraw(rt, "卫生信息", "5")


@pytest.mark.needs_corpus
def test_dry_run_records_nothing_and_an_unknown_publication_needs_a_level(world):
    rt, _, issue = world
    data = write_docx(issue, styled=False, toc=False, numbered=False)
    report = bulletins.import_issue(rt, "卫生信息", "5", data=data, filename="a.docx", dry_run=True)
    assert report.recorded == 3 and adoptions(rt) == [] and "试运行" in report.summary()
    with pytest.raises(UsageError, match="没有刊物"):
        bulletins.import_issue(rt, "省政府信息", "5", data=data, filename="a.docx")
    report = bulletins.import_issue(rt, "省政府信息", "8", data=data, filename="a.docx", level="省级")
    assert {(lv, p, pub) for _, lv, p, pub, _ in adoptions(rt)} == {("province", 30, "省政府信息")}


@pytest.mark.needs_corpus
def test_an_article_with_only_a_little_of_an_item_is_doubtful_with_the_line_that_confirms_it(world):
    rt, receipts, _ = world
    it = items(8)
    # an article written by the office that quotes two sentences of one item and is otherwise new
    quoted = "".join(it[3]["paragraphs"][1].split("。")[:2]) + "。"
    issue = make_issue(6, date(2026, 3, 5), [("本刊评论", [quoted] + it[7]["paragraphs"][:3], [])])
    report = bulletins.import_issue(rt, "卫生信息", "6", data=write_docx(issue, True, False, False), filename="a.docx")
    assert report.recorded == 0
    mail = "\n".join(bulletins.report_lines(report, mail=True))
    cli = "\n".join(bulletins.report_lines(report, mail=False))
    assert "需确认（未记录）" in mail and f"确认：采用 {receipts[3]} 厅级 《吉林卫生信息》第6期" in mail, mail
    assert f"确认：mailbot adopt {receipts[3]} --level department --date 2026-03-05 --publication 吉林卫生信息 --issue 6" in cli


@pytest.mark.needs_corpus
def test_the_confirm_line_mailed_back_records_the_adoption_in_that_issue(world):
    from tests.helpers_records import ADMIN, feed

    rt, receipts, issue = world
    auth = {"Authentication-Results": "mx.office.example.gov.cn; dkim=pass header.d=office.example.gov.cn"}
    # WHEN the office mails back a confirm line of a reply, and another naming only the publication
    feed(rt, ADMIN, f"采用 {receipts[0]} 厅级 《吉林卫生信息》第5期", "确认。", "2026-03-09 10:00", headers=auth)
    feed(rt, ADMIN, f"采用 {receipts[4]} 《卫生信息》 第5期", "确认。", "2026-03-09 10:05", headers=auth)
    # THEN both are department adoptions recorded in that issue (the second at the publication's level)
    assert sorted(adoptions(rt)) == sorted([(r, "department", 10, "吉林卫生信息", "5")
                                            for r in _submission_ids(rt, [receipts[0], receipts[4]])])
    # AND importing that issue afterwards records its other two sources, and the confirmed one not again
    report = bulletins.import_issue(rt, "卫生信息", "5", data=write_docx(issue, True, False, False), filename="a.docx")
    assert report.recorded == 2 and len(adoptions(rt)) == 4


def _submission_ids(rt, receipts: list[str]) -> list[str]:
    from mailbot.db.models import Submission

    with rt.db.session() as s:
        return [str(s.scalar(select(Submission.id).where(Submission.receipt == r))) for r in receipts]


@pytest.mark.needs_corpus
def test_cli_bulletin(world, config, tmp_path):
    _rt, receipts, issue = world
    path = tmp_path / "第5期.pdf"
    path.write_bytes(write_pdf(issue, toc=True, numbered=False))
    runner = CliRunner()
    env = {"MAILBOT_CONFIG": str(config)}
    dry = runner.invoke(main, ["bulletin", str(path), "--publication", "卫生信息", "--issue", "5", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert f"将记录：{receipts[1]} 厅级采用" in dry.output and "试运行" in dry.output
    done = runner.invoke(main, ["bulletin", str(path), "-p", "卫生信息", "-i", "5"], env=env)
    assert done.exit_code == 0 and done.output.count("已记录：") == 3, done.output
    unknown = runner.invoke(main, ["bulletin", str(path), "-p", "人民日报", "-i", "5"], env=env)
    assert unknown.exit_code == 2 and "没有刊物" in unknown.output
    back = runner.invoke(main, ["bulletin", str(path), "-p", "卫生信息", "-i", "5", "--withdraw"], env=env)
    assert back.exit_code == 0 and back.output.count("已撤销：") == 3, back.output


@pytest.mark.needs_corpus
def test_an_issue_pasted_in_the_body_of_a_command_mail(world):
    from mailbot.db.models import OutboxMail
    from tests.helpers_records import ADMIN, feed

    rt, _receipts, issue = world
    body = "吉林卫生信息\n第7期\n\n" + "\n\n".join(f"{a.title}\n\n" + "\n\n".join(a.paragraphs) for a in issue.articles)
    auth = {"Authentication-Results": "mx.office.example.gov.cn; dkim=pass header.d=office.example.gov.cn"}
    result = feed(rt, ADMIN, "刊物《卫生信息》第7期 省级", body, "2026-03-09 10:00", headers=auth)
    assert result.statuses == ["ignored"]
    assert sorted((lv, p, no) for _, lv, p, _, no in adoptions(rt)) == [("province", 30, "7")] * 3
    with rt.db.session() as s:
        reply = s.scalar(select(OutboxMail).where(OutboxMail.dedupe_key == f"reply:{result.message_pk}"))
    assert "【已办理】" in reply.subject and "记录省级采用 3 条" in reply.body_text, reply.body_text
    # AND “撤销” takes the issue back
    feed(rt, ADMIN, "刊物 《卫生信息》 第7期 撤销", "请撤销。", "2026-03-09 11:00", headers=auth)
    with rt.db.session() as s:
        assert sum(e.points for e in s.scalars(select(ScoreEvent).where(ScoreEvent.kind == "adopt"))) == 0


def test_a_publication_level_may_be_written_as_the_office_says_it(tmp_path):
    from mailbot.config import ConfigError, load_settings

    # GIVEN publications whose levels are written in Chinese: a level word and an adopting body
    path = write_config(tmp_path)
    base = path.read_text(encoding="utf-8")
    path.write_text(base + '[[publications]]\nname = "吉林卫生信息"\nlevel = "厅级"\n'
                    '[[publications]]\nname = "省委信息"\nlevel = "省委办公厅"\n', encoding="utf-8")
    # THEN each is the level's id
    assert [p.level for p in load_settings(path).publications] == ["department", "province"]
    # AND a word that names no level is still refused at start
    path.write_text(base + '[[publications]]\nname = "火星信息"\nlevel = "火星"\n', encoding="utf-8")
    with pytest.raises(ConfigError):
        load_settings(path)
