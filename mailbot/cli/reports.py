"""Commands that list and report: submissions, digest."""

from __future__ import annotations

import click

from mailbot.cli import CliState, main, pass_state
from mailbot.cli.output import format_option, table, to_csv, to_json

SUBMISSION_COLUMNS = [("receipt", "回执号"), ("received_at", "收到时间"), ("unit", "单位"), ("status", "状态"),
                      ("category", "类别"), ("points", "得分"), ("subject", "标题")]


@main.command()
@click.option("--period", "-p", metavar="P", help="2026, 2026Q1, 2026-03 or 2026-W07.")
@click.option("--unit", "-u", metavar="ID", help="Only this unit.")
@click.option("--status", "-s", metavar="S", help="accepted, duplicate, unassigned, ignored or quarantined.")
@format_option("table", "json", "csv")
@pass_state
def submissions(state: CliState, period: str | None, unit: str | None, status: str | None, fmt: str) -> None:
    """List submissions."""
    from mailbot.reports.listing import list_submissions

    rows = list_submissions(state.runtime(), period, unit, status)
    if fmt == "json":
        click.echo(to_json(rows))
    elif fmt == "csv":
        click.echo(to_csv(rows, list(rows[0]) if rows else [k for k, _ in SUBMISSION_COLUMNS]), nl=False)
    else:
        for r in rows:
            r["received_at"] = r["received_at"][:16].replace("T", " ")
        click.echo(table(rows, SUBMISSION_COLUMNS) if rows else "（没有符合条件的信息）")
