"""Commands that list and report: submissions, digest."""

from __future__ import annotations

import click

from mailbot.cli import CliState, main, pass_state
from mailbot.cli.output import echo_bytes, format_option, header_option, table, to_csv, to_json

SUBMISSION_COLUMNS = [("receipt", "回执号"), ("received", "收到时间"), ("unit_name", "单位"), ("status_name", "状态"),
                      ("category_name", "类别"), ("points", "得分"), ("subject", "标题")]
SUBMISSION_ID_COLUMNS = [("receipt", "回执号"), ("received", "收到时间"), ("unit", "单位"), ("status", "状态"),
                         ("category", "类别"), ("points", "得分"), ("subject", "标题")]
SUBMISSION_CSV = [
    ("receipt", "回执号"), ("received_at", "收到时间"), ("unit", "单位ID"), ("unit_name", "单位"),
    ("sender_name", "发件人"), ("sender", "发件人邮箱"), ("subject", "标题"), ("category", "类别ID"),
    ("category_name", "类别"), ("status", "状态ID"), ("status_name", "状态"), ("points", "得分"),
    ("duplicate_of", "重复于回执号"), ("status_reason", "状态说明"), ("unit_via", "单位认定方式"),
    ("category_confidence", "分类把握"), ("category_reasons", "分类依据"), ("category_by", "类别更正人"),
    ("attachments", "附件"), ("notes", "备注"), ("message_id", "邮件标识"), ("reading", "读信情况"),
]
UNIT_VIA_NAMES = {"address": "登记邮箱", "subject": "标题", "body": "正文", "attachment": "附件", "office": "办公室指定",
                  "display_name": "发件人显示名"}


def reading_text(reading: dict | None) -> str:
    """How a message was read, in one cell: 编码 GB2312→gb18030；解码经修正；缺陷 …"""
    if not reading:
        return ""
    parts = []
    pairs = [f"{d or '未声明'}→{u}" if d != u else str(u) for d, u in (reading.get("charsets") or [])]
    if pairs:
        parts.append("编码 " + "、".join(dict.fromkeys(pairs)))
    if reading.get("repaired"):
        parts.append("解码经修正")
    if reading.get("defects"):
        parts.append("缺陷 " + "、".join(map(str, reading["defects"])))
    return "；".join(parts)


def _chinese(rt, rows: list[dict]) -> list[dict]:
    from mailbot.statuses import status_name

    names = rt.category_names
    for r in rows:
        u = rt.units.get(r.get("unit"))
        r["unit_name"] = u.name if u else ("（未识别）" if r.get("status") == "unassigned" else "")
        r["status_name"] = status_name(r.get("status"))
        r["category_name"] = names.get(r.get("category") or "", r.get("category") or "")
        r["received"] = r["received_at"][:16].replace("T", " ")
    return rows


@main.command()
@click.option("--period", "-p", metavar="P", help="期间 period: 2026, 2026Q1, 2026-03, 2026-W07.")
@click.option("--unit", "-u", metavar="ID", help="只列该单位（写编号、名称或简称） only this unit.")
@click.option("--status", "-s", metavar="S",
              help="状态 status: accepted, duplicate, unassigned, ignored, quarantined, dismissed.")
@format_option("table", "json", "csv")
@header_option()
@click.option("--ids", is_flag=True, help="表格中显示单位、状态、类别的英文ID（供脚本使用）。")
@pass_state
def submissions(state: CliState, period: str | None, unit: str | None, status: str | None, fmt: str, header: str,
                ids: bool) -> None:
    """列出收到的信息 (list submissions)."""
    from mailbot.reports.listing import list_submissions

    rt = state.runtime()
    rows = list_submissions(rt, period, unit, status)
    if fmt == "json":
        click.echo(to_json(rows))
        return
    rows = _chinese(rt, rows)
    if fmt == "csv":
        for r in rows:
            r["reading"] = reading_text(r.get("reading"))
            r["unit_via"] = UNIT_VIA_NAMES.get(r.get("unit_via") or "", r.get("unit_via")) if header == "names" \
                else r.get("unit_via")
        echo_bytes(to_csv(rows, SUBMISSION_CSV, header))
    else:
        click.echo(table(rows, SUBMISSION_ID_COLUMNS if ids else SUBMISSION_COLUMNS) if rows
                   else "（没有符合条件的信息）")
