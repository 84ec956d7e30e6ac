"""Commands that record on the ledger: adopt, instruct, commission, assign, category, adjust,
import-adoptions. Each prints one line of what was recorded."""

from __future__ import annotations

from pathlib import Path

import click

from mailbot.cli import CliState, main, pass_state
from mailbot.cli.output import preview_option, sending


def _by() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "cli"


@main.command()
@click.argument("receipt")
@click.option("--level", "-l", required=True, metavar="L", help="采用级别，如 department 厅级、province 省级、central 中央（写编号或中文名） adoption level.")
@click.option("--date", "-d", "on", metavar="D", help="采用日期 YYYY-MM-DD（默认今天） date adopted.")
@click.option("--kind", "-k", metavar="K", help="计分栏目（交通运输局：general 一般动态、research 调研、important 其它重要、forwarded 转报） column of the scheme.")
@click.option("--note", metavar="T", help="备注，随记录保存 a note kept with the record.")
@click.option("--publication", metavar="P", help="刊物名称，如《吉林卫生信息》 where it was published.")
@click.option("--issue", "issue_no", metavar="N", help="期号 issue number.")
@click.option("--withdraw", is_flag=True, help="撤销此前记的采用，分数冲回 take back an adoption recorded earlier.")
@pass_state
def adopt(state: CliState, receipt: str, level: str, on: str | None, kind: str | None, note: str | None,
          publication: str | None, issue_no: str | None, withdraw: bool) -> None:
    """记一条采用：信息被刊物采用，按级别加分 (record an adoption of a submission)."""
    from mailbot import records

    r = records.adopt(state.runtime(), receipt, level, date=on, kind=kind, note=note, publication=publication,
                      issue_no=issue_no, by=_by(), withdraw=withdraw)
    click.echo(r.line)


@main.command()
@click.argument("receipt")
@click.option("--level", "-l", required=True, metavar="L", help="批示领导级别，如 department 厅级、province 省级、national 国家级 leader level.")
@click.option("--kind", "-k", metavar="K", help="批示类别（交通运输局：general 一般、important 重要、decisive 决策性） instruction kind.")
@click.option("--date", "-d", "on", metavar="D", help="批示日期 YYYY-MM-DD（默认今天） date of the instruction.")
@click.option("--note", metavar="T", help="备注，随记录保存 a note kept with the record.")
@click.option("--withdraw", is_flag=True, help="撤销此前记的批示，分数冲回 take back an instruction recorded earlier.")
@pass_state
def instruct(state: CliState, receipt: str, level: str, kind: str | None, on: str | None, note: str | None,
             withdraw: bool) -> None:
    """记一条领导批示，按级别加分 (record a leader's instruction on a submission)."""
    from mailbot import records

    r = records.instruct(state.runtime(), receipt, level, kind=kind, date=on, note=note, by=_by(), withdraw=withdraw)
    click.echo(r.line)


@main.command()
@click.argument("receipt")
@click.option("--level", "-l", required=True, metavar="L", help="约稿单位的级别，如 department 厅办公室 level of the requesting office.")
@click.option("--withdraw", is_flag=True, help="撤销约稿标记 take the mark back.")
@pass_state
def commission(state: CliState, receipt: str, level: str, withdraw: bool) -> None:
    """标记一条信息为约稿，按级别加分 (mark a submission as answering a commissioned request)."""
    from mailbot import records

    click.echo(records.commission(state.runtime(), receipt, level, by=_by(), withdraw=withdraw).line)


@main.command()
@click.argument("receipt")
@click.argument("unit")
@click.option("--reason", "-r", metavar="T", help="更正的原因，随记录保存 why (optional).")
@preview_option()
@pass_state
def assign(state: CliState, receipt: str, unit: str, reason: str | None, preview: Path | None) -> None:
    """把稿件归到一个单位（单位写编号、名称或简称）：未识别单位的稿件随即计分并给发件人回执；
    已归属的稿件改归属，分数随之转入新单位 (attribute an item to a unit, also re-attribute one)."""
    from mailbot import corrections
    from mailbot.mail import outbox

    rt = state.runtime()
    with sending(rt, preview) as rehearsal:
        line = corrections.assign(rt, receipt, unit, by=_by(), reason=reason).line
    click.echo(f"（预览，未记录）{line}" if rehearsal is not None else line)
    if rehearsal is None:
        outbox.flush(rt)


@main.command()
@click.argument("receipt")
@click.argument("category_id", metavar="CATEGORY")
@pass_state
def category(state: CliState, receipt: str, category_id: str) -> None:
    """更正一条信息的类别（类别写编号或中文名；重新训练分类时会用上） (correct a submission's content category)."""
    from mailbot import records

    click.echo(records.set_category(state.runtime(), receipt, category_id, by=_by()).line)


@main.command(context_settings={"ignore_unknown_options": True})  # so "-5" is points, not an option
@click.argument("unit")
@click.argument("points")
@click.option("--reason", "-r", required=True, metavar="T", help="Why (e.g. 基础工作 2026年度).")
@click.option("--date", "-d", "on", metavar="D", help="计入日期 YYYY-MM-DD（默认今天） date it counts on.")
@pass_state
def adjust(state: CliState, unit: str, points: str, reason: str, on: str | None) -> None:
    """手工加减分：基础工作、报送工作、扣分等；POINTS 可为负数 (adjust a unit's score by hand)."""
    from mailbot import records

    click.echo(records.adjust(state.runtime(), unit, points, reason, date=on, by=_by()).line)


@main.command("import-adoptions")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="试运行：只列出将要记录的内容，不写入 only show what would be recorded.")
@pass_state
def import_adoptions(state: CliState, file: Path, dry_run: bool) -> None:
    """从采用登记表（.csv 或 .xlsx：回执号或标题、级别、日期）批量导入采用记录 (import adoptions in bulk).

    Titles as the editor printed them are matched to the items; doubtful rows are listed for
    confirmation (write the receipt number into the sheet and import again); rows already
    recorded are skipped, so a running register can be imported again. A wrong row (unknown
    level, bad date) refuses the whole file.
    """
    from mailbot.importer import import_adoptions as do_import

    report = do_import(state.runtime(), file, dry_run=dry_run, by=_by())
    for line in report.lines:
        click.echo(line)
    for heading, lines in (("已有记录，跳过", report.already), ("需要确认（未记录；请在回执号列填写后重新导入）", report.doubtful),
                           ("未找到对应信息（未记录）", report.unmatched)):
        if lines:
            click.echo(f"{heading}：")
            for line in lines:
                click.echo(f"  {line}")
    click.echo(report.summary())


@main.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--publication", "-p", required=True, metavar="NAME", help="刊物名称或别名，如 吉林卫生信息（见配置 [[publications]]） publication.")
@click.option("--issue", "-i", "issue_no", required=True, metavar="N", help="期号，如 12 或 2026年第12期 issue number.")
@click.option("--level", "-l", metavar="L", help="采用级别（默认取配置中该刊物的级别） adoption level.")
@click.option("--date", "-d", "on", metavar="D", help="刊发日期 YYYY-MM-DD（默认取刊头日期，否则今天） issue date.")
@click.option("--dry-run", is_flag=True, help="试运行：只列出匹配结果，不写入 only show what would be recorded.")
@click.option("--withdraw", is_flag=True, help="撤销此前从该期刊物记录的全部采用 take back this issue's adoptions.")
@pass_state
def bulletin(state: CliState, file: Path, publication: str, issue_no: str, level: str | None, on: str | None,
             dry_run: bool, withdraw: bool) -> None:
    """刊物采用登记：把一期刊物（docx、pdf、doc/wps、html、txt）逐篇对照来稿，记采用 (record an issue's adoptions).

    Certain matches are recorded at the publication's level with the publication and issue as the
    note; doubtful articles are listed with their candidates and the command that confirms one;
    articles with no source are listed. Bringing the same issue in again records nothing twice.
    """
    from mailbot import bulletins

    rt = state.runtime()
    if withdraw:
        report = bulletins.withdraw(rt, publication, issue_no, by=_by(), dry_run=dry_run)
        for line in report.withdrawn:
            click.echo(line)
        click.echo(report.summary())
        return
    report = bulletins.import_issue(rt, publication, issue_no, data=file.read_bytes(), filename=file.name,
                                    level=level, on=on, dry_run=dry_run, by=_by())
    for line in bulletins.report_lines(report, mail=False):
        click.echo(line)
