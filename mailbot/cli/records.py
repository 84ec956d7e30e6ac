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
@click.option("--level", "-l", required=True, metavar="L", help="Adoption level (e.g. department, province, central).")
@click.option("--date", "-d", "on", metavar="D", help="Date adopted, YYYY-MM-DD (default today).")
@click.option("--kind", "-k", metavar="K", help="Column of the scheme (transport: general, research, important, forwarded).")
@click.option("--note", metavar="T", help="A note kept with the record.")
@click.option("--publication", metavar="P", help="Where it was published (e.g. 《卫生信息》).")
@click.option("--issue", "issue_no", metavar="N", help="Issue number.")
@click.option("--withdraw", is_flag=True, help="Take back an adoption recorded earlier.")
@pass_state
def adopt(state: CliState, receipt: str, level: str, on: str | None, kind: str | None, note: str | None,
          publication: str | None, issue_no: str | None, withdraw: bool) -> None:
    """Record an adoption (采用) of a submission."""
    from mailbot import records

    r = records.adopt(state.runtime(), receipt, level, date=on, kind=kind, note=note, publication=publication,
                      issue_no=issue_no, by=_by(), withdraw=withdraw)
    click.echo(r.line)


@main.command()
@click.argument("receipt")
@click.option("--level", "-l", required=True, metavar="L", help="Leader level (e.g. department, province, national).")
@click.option("--kind", "-k", metavar="K", help="Instruction kind (transport: general, important, decisive).")
@click.option("--date", "-d", "on", metavar="D", help="Date of the instruction, YYYY-MM-DD (default today).")
@click.option("--note", metavar="T", help="A note kept with the record.")
@click.option("--withdraw", is_flag=True, help="Take back an instruction recorded earlier.")
@pass_state
def instruct(state: CliState, receipt: str, level: str, kind: str | None, on: str | None, note: str | None,
             withdraw: bool) -> None:
    """Record a leader's instruction (批示) on a submission."""
    from mailbot import records

    r = records.instruct(state.runtime(), receipt, level, kind=kind, date=on, note=note, by=_by(), withdraw=withdraw)
    click.echo(r.line)


@main.command()
@click.argument("receipt")
@click.option("--level", "-l", required=True, metavar="L", help="Level of the requesting office.")
@click.option("--withdraw", is_flag=True, help="Take the mark back.")
@pass_state
def commission(state: CliState, receipt: str, level: str, withdraw: bool) -> None:
    """Mark a submission as answering a commissioned request (约稿)."""
    from mailbot import records

    click.echo(records.commission(state.runtime(), receipt, level, by=_by(), withdraw=withdraw).line)


@main.command()
@click.argument("receipt")
@click.argument("unit")
@preview_option()
@pass_state
def assign(state: CliState, receipt: str, unit: str, preview: Path | None) -> None:
    """Assign an unassigned submission to a unit (it is then counted, scored and answered)."""
    from mailbot import records
    from mailbot.mail import outbox

    rt = state.runtime()
    with sending(rt, preview) as rehearsal:
        line = records.assign(rt, receipt, unit, by=_by()).line
    click.echo(f"（预览，未记录）{line}" if rehearsal is not None else line)
    if rehearsal is None:
        outbox.flush(rt)


@main.command()
@click.argument("receipt")
@click.argument("category_id", metavar="CATEGORY")
@pass_state
def category(state: CliState, receipt: str, category_id: str) -> None:
    """Correct a submission's content category."""
    from mailbot import records

    click.echo(records.set_category(state.runtime(), receipt, category_id, by=_by()).line)


@main.command(context_settings={"ignore_unknown_options": True})  # so "-5" is points, not an option
@click.argument("unit")
@click.argument("points")
@click.option("--reason", "-r", required=True, metavar="T", help="Why (e.g. 基础工作 2026年度).")
@click.option("--date", "-d", "on", metavar="D", help="Date it counts on, YYYY-MM-DD (default today).")
@pass_state
def adjust(state: CliState, unit: str, points: str, reason: str, on: str | None) -> None:
    """Adjust a unit's score by hand (basic work, reporting work, penalties). POINTS may be negative."""
    from mailbot import records

    click.echo(records.adjust(state.runtime(), unit, points, reason, date=on, by=_by()).line)


@main.command("import-adoptions")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only show what would be recorded.")
@pass_state
def import_adoptions(state: CliState, file: Path, dry_run: bool) -> None:
    """Record adoptions in bulk from the office's register (.csv or .xlsx): receipt or title, level, date.

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
