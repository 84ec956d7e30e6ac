"""The office's corrections of an item: show, dismiss, restore (assign is with the records).

Each change prints one line of what was done; ``show`` prints the item whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from mailbot.cli import CliState, main, pass_state
from mailbot.cli.output import preview_option, sending
from mailbot.cli.records import _by


@main.command()
@click.argument("receipt")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="输出格式：table 供人阅读，json 供脚本使用 (output format).")
@pass_state
def show(state: CliState, receipt: str, fmt: str) -> None:
    """查看一条信息的全部情况：正文、附件、状态、单位及认定依据、类别及依据、全部计分和更正记录 (show one item whole)."""
    from mailbot.reports.item import item_text, item_view

    rt = state.runtime()
    view = item_view(rt, receipt)
    if fmt == "json":
        click.echo(json.dumps(view, ensure_ascii=False, indent=2))
    else:
        click.echo(item_text(rt, view))


@main.command()
@click.argument("receipt")
@click.option("--reason", "-r", required=True, metavar="T", help="不计的原因，随记录保存（如：广告、非信息稿件） why.")
@pass_state
def dismiss(state: CliState, receipt: str, reason: str) -> None:
    """不计：办公室认定该稿不计分（广告、误投、非信息稿件），已得分数（含采用、批示）全部冲回 (rule an item out)."""
    from mailbot import corrections

    click.echo(corrections.dismiss(state.runtime(), receipt, reason, by=_by()).line)


@main.command()
@click.argument("receipt")
@click.option("--reason", "-r", metavar="T", help="恢复的原因，随记录保存 why (optional).")
@preview_option()
@pass_state
def restore(state: CliState, receipt: str, reason: str | None, preview: Path | None) -> None:
    """恢复：把不计分的稿件、或经办公室认定并非重复的重复稿恢复计分 (restore a dismissed or duplicate item)."""
    from mailbot import corrections
    from mailbot.mail import outbox

    rt = state.runtime()
    with sending(rt, preview) as rehearsal:
        line = corrections.restore(rt, receipt, by=_by(), reason=reason).line
    click.echo(f"（预览，未记录）{line}" if rehearsal is not None else line)
    if rehearsal is None:
        outbox.flush(rt)
