"""The 通报's outputs: the workbook file, each unit's own copy and the office's mail.

``notice.py`` gathers the figures (``notice_data``); this module turns them into what is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mailbot.reports.notice import YTD_COLUMNS, Column, notice_data
from mailbot.reports.tally import tally
from mailbot.reports.xlsx import notice_workbook
from mailbot.runtime import Runtime

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ITEM_COLUMNS = [Column("receipt", "回执号", False, True), Column("received", "收到时间", False, True),
                Column("subject", "标题", False), Column("category_name", "类别", False),
                Column("status_name", "状态", False, True), Column("adoption_text", "采用", False),
                Column("points", "得分")]
ADOPTED_COLUMNS = [Column("seq", "序号"), Column("unit_name", "单位", False), Column("subject", "标题", False),
                   Column("level_name", "采用级别", False), Column("publication", "刊物", False),
                   Column("points", "得分")]
MARK = "▶"


def _cols(columns: list[Column]) -> list[dict[str, Any]]:
    return [c.__dict__ for c in columns]


def mail_view(data: dict[str, Any]) -> dict[str, Any]:
    """What the office's copy shows beyond the data: numbered tables, the YTD chart."""
    adopted = [{**a, "seq": i} for i, a in enumerate(data["adopted"], start=1)]
    ytd = data.get("ytd")
    ytd_view = None
    if ytd:
        rows = [{**r, "pct_text": f"{r['pct']}%"} for c in ytd["classes"] for r in c["rows"]]
        ytd_view = {**ytd, "table": rows, "columns": _cols(YTD_COLUMNS), "bars": ytd_bars(rows)}
    return {"adopted": adopted, "adopted_columns": _cols(ADOPTED_COLUMNS), "ytd": ytd_view,
            "item_columns": _cols(ITEM_COLUMNS)}


def ytd_bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each unit's items so far as a share of its yearly quota (a full bar = the quota met)."""
    return [{"unit": r["unit"], "name": r["name"], "pct": min(100, r["pct"]),
             "value": f"{r['submitted']}/{r['annual_quota']}（{r['pct']}%）"} for r in rows]


def unit_view(data: dict[str, Any], unit_id: str) -> dict[str, Any]:
    """The unit's own copy: its row marked in its class table, its items, what it owes this year."""
    row = next(r for r in data["units"] if r["unit"] == unit_id)
    cls = next(c for c in data["classes"] if c["id"] == row["class"])
    rows = [{**r, "name": f"{MARK}{r['name']}" if r["unit"] == unit_id else r["name"], "mine": r["unit"] == unit_id}
            for r in cls["rows"]]
    ytd = next((r for r in (data.get("ytd") or {}).get("rows", []) if r["unit"] == unit_id), None)
    return {"row": row, "class": {**cls, "rows": rows}, "class_size": len(cls["rows"]),
            "entries": [it for it in data["items"] if it["unit"] == unit_id],
            "ytd": ytd, "ytd_bars": ytd_bars([ytd]) if ytd else []}


def notice_mails(rt: Runtime, period_text: str, result: dict[str, Any] | None = None,
                 units: bool = True, office: bool = True) -> list[Any]:
    """The 通报 mails: each unit's own copy to its officers, and the whole notice (with the workbook) to the office."""
    from mailbot.mail.preview import Outgoing

    data = notice_data(rt, period_text, result)
    view = mail_view(data)
    pname = data["period"]["name"]
    out: list[Any] = []
    if units:
        for row in data["units"]:
            unit = rt.units.get(row["unit"])
            if unit is None or not unit.emails:
                continue
            mail = rt.renderer.render("tally", audience="unit", d=data, v=view, u=unit_view(data, unit.id),
                                      unit=unit, office=rt.settings.office)
            out.append(Outgoing("tally", f"tally:{pname}:{unit.id}", list(unit.emails), mail, name=unit.id))
    if office and rt.settings.office.emails:
        xlsx = write_xlsx(rt, result if result is not None else tally(rt, period_text, officers=True))
        mail = rt.renderer.render("tally", audience="office", d=data, v=view, u=None, unit=None,
                                  office=rt.settings.office, attachment=xlsx.name)
        out.append(Outgoing("tally", f"tally:{pname}:office", list(rt.settings.office.emails), mail,
                            attachments=[{"filename": xlsx.name, "path": str(xlsx), "content_type": XLSX_TYPE}],
                            name="office"))
    return out


def write_xlsx(rt: Runtime, result: dict[str, Any], path: Path | None = None) -> Path:
    """The 通报 workbook for a ``tally()`` or ``annual_awards()`` result (default: data_dir/reports/)."""
    data = notice_data(rt, result["period"]["name"], result)
    if path is None:
        folder = rt.settings.data_path / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / xlsx_name(data)
    notice_workbook(data).save(path)
    return path


def xlsx_name(data: dict[str, Any]) -> str:
    """一季度通报's file name as the office would save it: 2026年第一季度政务信息通报.xlsx."""
    kind = "年度考核" if data.get("awards") else "政务信息通报"
    return f"{data['period']['title']}{kind}.xlsx"


def queue_unit_tallies(rt: Runtime, period_text: str) -> int:
    """Queue each unit's own copy of the 通报 to its officers, and the whole notice (with XLSX) to the office."""
    from mailbot.mail.preview import queue_all

    return queue_all(rt, notice_mails(rt, period_text))
