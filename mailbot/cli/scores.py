"""Commands that score and report on the ledger: tally, remind, rescore, awards."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from mailbot.cli import CliState, main, pass_state
from mailbot.cli.output import echo_bytes, format_option, header_option, preview_option, sending, table, to_csv, to_json
from mailbot.errors import UsageError

TALLY_COLUMNS = [("class_name", "类别"), ("rank", "排名"), ("name", "单位"), ("submitted", "报送数"),
                 ("adopted", "采用数"), ("instructions", "批示数"), ("adjustments", "调整"), ("score", "得分"), ("quota", "应报数"),
                 ("shortfall", "差额"), ("remark", "备注")]
CSV_COLUMNS = [("unit", "单位ID"), ("name", "单位"), ("class", "类别ID"), ("class_name", "单位类别"),
               ("submitted", "报送数"), ("adopted", "采用数"), ("adoptions", "采用次数"), ("instructions", "批示数"),
               ("commissions", "约稿数"), ("adjustments", "调整分"), ("score", "得分"), ("rank", "排名"),
               ("quota", "应报数"), ("shortfall", "差额"), ("adoption_rate", "采用率"),
               ("zero_information", "零信息"), ("eligible", "完成任务")]
AWARDS_CSV_COLUMNS = [*CSV_COLUMNS, ("prize", "奖项")]
REMIND_COLUMNS = [("name", "单位"), ("per_name", "任务周期"), ("category_name", "类别"), ("count", "任务数"),
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


def _write(data: bytes | str, output: Path | None) -> None:
    """Print, or write to --output; CSV stays bytes (UTF-8 with its BOM) either way."""
    raw = data if isinstance(data, bytes) else (data if data.endswith("\n") else data + "\n").encode("utf-8")
    if output:
        output.write_bytes(raw)
        click.echo(f"已生成：{output}")
    else:
        echo_bytes(raw)


def _table_text(result: dict, columns: list[tuple[str, str]], officers: bool) -> str:
    from mailbot.reports.wording import period_span, period_title

    p = result["period"]
    text = (f"{period_title(p)}（{period_span(p)}），计分办法 {result['scheme']}\n"
            + table(_sorted(result["units"]), columns)
            + f"\n零信息单位 {result['zero_information_units']} 个")
    if officers:
        text += "\n\n个人排名\n" + table(result.get("officers", []), OFFICER_COLUMNS)
    return text


@main.command()
@click.option("--period", "-p", required=True, metavar="P", help="期间 period: 2026, 2026Q1, 2026-03, 2026-W07.")
@format_option("table", "json", "csv", "xlsx")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="写入文件 write to this file.")
@header_option()
@click.option("--officers", is_flag=True, help="同时列出信息员个人排名 also rank the officers.")
@click.option("--send", is_flag=True, help="发布通报：各单位本单位情况，办公室全表；更正后再发布，只给数字有变动的单位发更正版 "
              "release the notice (after corrections: a 更正 to each unit whose figures changed).")
@click.option("--draft", is_flag=True, help="把通报草稿（全表和 Excel）发给办公室审核 mail the office the draft for review.")
@click.option("--hold", is_flag=True, help="暂缓自动发布 hold the automatic release.")
@click.option("--unhold", is_flag=True, help="恢复按期自动发布 let a held notice go out on its release day.")
@click.option("--preview", "preview", metavar="DIR", type=click.Path(path_type=Path, file_okay=False),
              help="预览：不发送、不记录，把通报邮件写成 .eml/.html/.xlsx 放进 DIR；与 --send、--draft 同用时，"
                   "写出该操作要发的邮件 (write the mails into DIR, send and record nothing).")
@pass_state
def tally(state: CliState, period: str, fmt: str, output: Path | None, header: str, officers: bool, send: bool,
          draft: bool, hold: bool, unhold: bool, preview: Path | None) -> None:
    """各单位得分与排名（同类单位内排名）scores and counts per unit for a period.

    The quarter's 通报 goes to the office first as a draft (--draft, or the daemon on the
    quarter's first day); --send releases it to the units, and after corrections sends the
    更正 versions; it always says what it queued and why not.
    """
    from mailbot.reports import tally as t

    if sum((send, draft, hold, unhold)) > 1:
        raise UsageError("give only one of --send, --draft, --hold, --unhold")
    rt = state.runtime()
    result = t.tally(rt, period, officers=officers)
    if fmt == "xlsx":
        from mailbot.reports.notice_mail import write_xlsx

        path = write_xlsx(rt, result, output)
        click.echo(f"已生成：{path}")
    elif fmt == "json":
        _write(to_json(result), output)
    elif fmt == "csv":
        _write(to_csv(_sorted(result["units"]), CSV_COLUMNS, header), output)
    else:
        _write(_table_text(result, TALLY_COLUMNS, officers), output)
    if preview and not (send or draft or hold or unhold):
        from mailbot.mail.preview import write_preview
        from mailbot.reports.notice_mail import notice_mails

        paths = write_preview(rt, notice_mails(rt, period), preview)
        click.echo(f"预览：{len(paths)} 个文件写入 {preview}（未发送）", err=True)
    elif send or draft or hold or unhold:
        from mailbot.mail import outbox
        from mailbot.reports import release as r

        with sending(rt, preview) as rehearsal:  # --send/--draft --preview: exactly what that would send
            if hold or unhold:
                done = r.hold(rt, period, on=hold)
            else:
                done = (r.release if send else r.draft)(rt, period)
        if rehearsal is not None:
            click.echo(f"（预览，未发送、未记录）{done.line()}", err=True)
            return
        flushed = outbox.flush(rt) if done.queued else None
        sent = f"（已发送 {flushed.sent} 封）" if flushed is not None else ""
        click.echo(done.line() + sent, err=True)


@main.command()
@click.option("--as-of", "as_of", required=True, metavar="DATE", help="按哪一天计算进度 YYYY-MM-DD the date to measure progress on.")
@click.option("--dry-run", is_flag=True, help="只列出进度落后的单位，不发催报 only list the units behind; send nothing.")
@format_option("table", "json")
@preview_option()
@pass_state
def remind(state: CliState, as_of: str, dry_run: bool, fmt: str, preview: Path | None) -> None:
    """催报：按进度落后的单位，发催报邮件或只列出来 (quota-shortfall reminders due on a date).

    Every unit behind is listed, with whether the [remind] policy mails it and why (grace
    period, minimum shortfall, interval since the last reminder; 零报送 escalation).
    """
    from mailbot.reports.remind import plan, queue_reminders

    rt = state.runtime()
    day = _as_of(as_of)
    rows = plan(rt, day)
    for r in rows:
        r.setdefault("category_name", rt.category_names.get(r["category"], r["category"]) if r.get("category") else "")
        r["mail_text"] = ("零报送通知" if r["level"] == "zero" else "催报") if r["mail"] else "不发"
    if fmt == "json":
        click.echo(to_json(rows))
    else:
        click.echo(table(rows, REMIND_COLUMNS) if rows else f"（截至 {day} 没有落后于进度的单位）")
    if not dry_run:
        from mailbot.mail import outbox

        with sending(rt, preview) as rehearsal:
            n = queue_reminders(rt, day, rows)
        if rehearsal is not None:
            return
        flushed = outbox.flush(rt)
        click.echo(f"已排队 {n} 封催报邮件，已发送 {flushed.sent} 封", err=fmt == "json")


@main.command()
@preview_option()
@pass_state
def notices(state: CliState, preview: Path | None) -> None:
    """现在发出上次以来记录的采用、批示、约稿通知 (send the adoption notices now)."""
    from mailbot.mail import outbox
    from mailbot.notices import queue_adoption_notices

    rt = state.runtime()
    if not rt.settings.notices.enabled:
        click.echo("采用通知已关闭（[notices] enabled = false）")
        return
    with sending(rt, preview) as rehearsal:
        n = queue_adoption_notices(rt)
    if rehearsal is not None:
        return
    flushed = outbox.flush(rt) if n else None
    click.echo(f"已排队 {n} 封采用通知" + (f"，已发送 {flushed.sent} 封" if flushed else ""))


@main.command()
@click.option("--dry-run", is_flag=True, help="试运行：只列出分数将怎样变化 only show what would move.")
@format_option("table", "json")
@pass_state
def rescore(state: CliState, dry_run: bool, fmt: str) -> None:
    """按现行计分办法重算所有记录的分数（另记更正记录，不改原记录） (recompute points under the scheme in force)."""
    from mailbot.rescore import rescore as do_rescore

    rt = state.runtime()
    result = do_rescore(rt, dry_run=dry_run)
    if fmt == "json":
        click.echo(to_json(result))
        return
    if not result["moves"]:
        click.echo(f"计分办法 {result['scheme']}：所有记录分值不变")
        return
    rows = [{"unit": u, "name": (info.name if (info := rt.units.get(u)) else u), "delta": d}
            for u, d in result["units"].items()]
    click.echo(table(rows, [("unit", "单位ID"), ("name", "单位"), ("delta", "分值变化")]))
    verb = "将更正" if dry_run else "已更正"
    click.echo(f"{verb} {len(result['moves'])} 条记录（计分办法 {result['scheme']}）")


@main.command()
@click.option("--year", "-y", required=True, metavar="Y", help="考核年度 assessment year, e.g. 2026.")
@format_option("table", "json", "csv", "xlsx")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="写入文件 write to this file.")
@header_option()
@pass_state
def awards(state: CliState, year: str, fmt: str, output: Path | None, header: str) -> None:
    """年度考核：完成任务的单位中评奖，信息员个人排名 (annual assessment: prizes, officers ranked)."""
    from mailbot.reports.notice_mail import write_xlsx
    from mailbot.reports.tally import annual_awards

    rt = state.runtime()
    result = annual_awards(rt, year)
    if fmt == "json":
        _write(to_json(result), output)
        return
    if fmt == "xlsx":
        click.echo(f"已生成：{write_xlsx(rt, result, output)}")
        return
    if fmt == "csv":
        _write(to_csv(_sorted(result["units"]), AWARDS_CSV_COLUMNS, header), output)
        return
    rows = _sorted(result["units"])
    for r in rows:
        r["eligible_text"] = "是" if r["eligible"] else "否"
    click.echo(table(rows, [("class_name", "类别"), ("rank", "排名"), ("name", "单位"), ("submitted", "报送数"),
                            ("quota", "应报数"), ("eligible_text", "完成任务"), ("score", "得分"),
                            ("prize", "奖项")]))
    click.echo("\n个人排名\n" + table(result.get("officers", []), OFFICER_COLUMNS))
