"""Commands that score and report on the ledger: tally, remind, rescore, awards."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from mailbot.cli import CliState, main, pass_state
from mailbot.cli.output import format_option, table, to_csv, to_json
from mailbot.errors import UsageError

TALLY_COLUMNS = [("class_name", "类别"), ("rank", "排名"), ("name", "单位"), ("submitted", "报送数"),
                 ("adopted", "采用数"), ("instructions", "批示数"), ("score", "得分"), ("quota", "应报数"),
                 ("shortfall", "差额"), ("remark", "备注")]
CSV_COLUMNS = ["unit", "name", "class", "class_name", "submitted", "adopted", "adoptions", "instructions",
               "commissions", "score", "rank", "quota", "shortfall", "adoption_rate", "zero_information", "eligible"]
REMIND_COLUMNS = [("name", "单位"), ("per_name", "任务周期"), ("category", "类别"), ("count", "任务数"),
                  ("due", "应报数"), ("submitted", "已报数"), ("shortfall", "差额"), ("mail_text", "发送"),
                  ("reason", "原因")]
OFFICER_COLUMNS = [("rank", "排名"), ("name", "姓名"), ("officer", "邮箱"), ("unit_name", "单位"),
                   ("submitted", "报送数"), ("adopted", "采用数"), ("score", "得分")]


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"bad date {text!r}: use YYYY-MM-DD, e.g. 2026-03-31") from None


def _sorted(rows: list[dict]) -> list[dict]:
    out = sorted(rows, key=lambda r: (r["class"], r["rank"], r["unit"]))
    for r in out:
        r["remark"] = "零信息" if r.get("zero_information") else ("全年无采用记零" if r.get("zeroed") else "")
    return out


@main.command()
@click.option("--period", "-p", required=True, metavar="P", help="2026, 2026Q1, 2026-03 or 2026-W07.")
@format_option("table", "json", "csv", "xlsx")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to this file.")
@click.option("--officers", is_flag=True, help="Also rank the individual officers.")
@click.option("--send", is_flag=True,
              help="Release: mail each unit its figures (after corrections: a 更正 to each unit whose figures changed).")
@click.option("--draft", is_flag=True, help="Mail the office the draft (full table and workbook) for review.")
@click.option("--hold", is_flag=True, help="Hold the automatic release of this period's 通报.")
@click.option("--unhold", is_flag=True, help="Let the held 通报 go out on its release day again.")
@pass_state
def tally(state: CliState, period: str, fmt: str, output: Path | None, officers: bool, send: bool,
          draft: bool, hold: bool, unhold: bool) -> None:
    """Scores and counts per unit for a period (rank within each class).

    The quarter's 通报 goes to the office first as a draft (--draft, or the daemon on the
    quarter's first day); --send releases it to the units, and after corrections sends the
    更正 versions; it always says what it queued and why not.
    """
    from mailbot.reports import tally as t

    rt = state.runtime()
    result = t.tally(rt, period, officers=officers)
    if fmt == "xlsx":
        path = t.write_xlsx(rt, result, output)
        click.echo(f"已生成：{path}")
    else:
        if fmt == "json":
            text = to_json(result)
        elif fmt == "csv":
            text = to_csv(_sorted(result["units"]), CSV_COLUMNS)
        else:
            p = result["period"]
            text = (f"{p['name']}（{p['start']} 至 {p['end']}），计分办法 {result['scheme']}\n"
                    + table(_sorted(result["units"]), TALLY_COLUMNS)
                    + f"\n零信息单位 {result['zero_information_units']} 个")
            if officers:
                text += "\n\n个人排名\n" + table(result.get("officers", []), OFFICER_COLUMNS)
        if output:
            output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
            click.echo(f"已生成：{output}")
        else:
            click.echo(text, nl=not text.endswith("\n"))
    if sum((send, draft, hold, unhold)) > 1:
        raise UsageError("give only one of --send, --draft, --hold, --unhold")
    if send or draft or hold or unhold:
        from mailbot.mail import outbox
        from mailbot.reports import release as r

        if hold or unhold:
            done = r.hold(rt, period, on=hold)
        else:
            done = (r.release if send else r.draft)(rt, period)
        flushed = outbox.flush(rt) if done.queued else None
        sent = f"（已发送 {flushed.sent} 封）" if flushed is not None else ""
        click.echo(done.line() + sent, err=True)


@main.command()
@click.option("--as-of", "as_of", required=True, metavar="DATE", help="The date to measure progress on, YYYY-MM-DD.")
@click.option("--dry-run", is_flag=True, help="Only list the units behind; queue nothing.")
@format_option("table", "json")
@pass_state
def remind(state: CliState, as_of: str, dry_run: bool, fmt: str) -> None:
    """Quota-shortfall reminders (催报) due on a date: queued and sent, or only listed.

    Every unit behind is listed, with whether the [remind] policy mails it and why (grace
    period, minimum shortfall, interval since the last reminder; 零报送 escalation).
    """
    from mailbot.reports.remind import plan, queue_reminders

    rt = state.runtime()
    day = _as_of(as_of)
    rows = plan(rt, day)
    for r in rows:
        r["mail_text"] = ("零报送通知" if r["level"] == "zero" else "催报") if r["mail"] else "不发"
    if fmt == "json":
        click.echo(to_json(rows))
    else:
        click.echo(table(rows, REMIND_COLUMNS) if rows else f"（截至 {day} 没有落后于进度的单位）")
    if not dry_run:
        from mailbot.mail import outbox

        n = queue_reminders(rt, day, rows)
        flushed = outbox.flush(rt)
        click.echo(f"已排队 {n} 封催报邮件，已发送 {flushed.sent} 封", err=fmt == "json")


@main.command()
@pass_state
def notices(state: CliState) -> None:
    """Send the adoption notices (采用/批示/约稿) recorded since the last batch now."""
    from mailbot.mail import outbox
    from mailbot.notices import queue_adoption_notices

    rt = state.runtime()
    if not rt.settings.notices.enabled:
        click.echo("采用通知已关闭（[notices] enabled = false）")
        return
    n = queue_adoption_notices(rt)
    flushed = outbox.flush(rt) if n else None
    click.echo(f"已排队 {n} 封采用通知" + (f"，已发送 {flushed.sent} 封" if flushed else ""))


@main.command()
@click.option("--dry-run", is_flag=True, help="Only show what would move.")
@format_option("table", "json")
@pass_state
def rescore(state: CliState, dry_run: bool, fmt: str) -> None:
    """Recompute every event's points under the scheme now in force (writes correction rows)."""
    from mailbot.rescore import rescore as do_rescore

    rt = state.runtime()
    result = do_rescore(rt, dry_run=dry_run)
    if fmt == "json":
        click.echo(to_json(result))
        return
    if not result["moves"]:
        click.echo(f"计分办法 {result['scheme']}：所有记录分值不变")
        return
    rows = [{"unit": u, "name": (rt.units.get(u).name if rt.units.get(u) else u), "delta": d}
            for u, d in result["units"].items()]
    click.echo(table(rows, [("unit", "单位ID"), ("name", "单位"), ("delta", "分值变化")]))
    verb = "将更正" if dry_run else "已更正"
    click.echo(f"{verb} {len(result['moves'])} 条记录（计分办法 {result['scheme']}）")


@main.command()
@click.option("--year", "-y", required=True, metavar="Y", help="Assessment year, e.g. 2026.")
@format_option("table", "json")
@pass_state
def awards(state: CliState, year: str, fmt: str) -> None:
    """Annual assessment (年度考核): prizes among units that met every quota; officers ranked."""
    from mailbot.reports.tally import annual_awards

    result = annual_awards(state.runtime(), year)
    if fmt == "json":
        click.echo(to_json(result))
        return
    rows = _sorted(result["units"])
    for r in rows:
        r["eligible_text"] = "是" if r["eligible"] else "否"
    click.echo(table(rows, [("class_name", "类别"), ("rank", "排名"), ("name", "单位"), ("submitted", "报送数"),
                            ("quota", "应报数"), ("eligible_text", "完成任务"), ("score", "得分"),
                            ("prize", "奖项")]))
    click.echo("\n个人排名\n" + table(result.get("officers", []), OFFICER_COLUMNS))
