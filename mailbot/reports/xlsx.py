"""The tally as an Excel workbook in the office's own layout: one sheet per member class.

Columns 单位, 报送数, 采用数, 得分, 排名, 应报数, 差额 (then 采用率, 批示数, 备注), and a 说明
sheet with the period and the scoring scheme.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

HEADINGS = ["单位", "报送数", "采用数", "得分", "排名", "应报数", "差额", "采用率", "批示数", "备注"]
WIDTHS = [30, 9, 9, 9, 7, 9, 7, 9, 9, 24]


def _sheet_title(name: str, taken: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "", name)[:31] or "单位"
    base, n = title, 2
    while title in taken:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _remark(row: dict[str, Any]) -> str:
    notes = []
    if row.get("zero_information"):
        notes.append("零信息")
    if row.get("zeroed"):
        notes.append("全年无采用，得分记零")
    elif row.get("no_adoption_in_year"):
        notes.append("本年度尚无采用")
    return "；".join(notes)


def tally_workbook(result: dict[str, Any], office: str = "") -> Workbook:
    """Build the workbook for a ``tally()`` result."""
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    classes: dict[str, list[dict[str, Any]]] = {}
    for row in result["units"]:
        classes.setdefault(row["class"], []).append(row)
    taken: set[str] = {"说明"}
    p = result["period"]
    for class_id, rows in classes.items():
        ws = wb.create_sheet(_sheet_title(rows[0].get("class_name") or class_id, taken))
        ws.append([f"{rows[0].get('class_name') or class_id}　{p['name']}（{p['start']} 至 {p['end']}）政务信息统计"])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(HEADINGS)
        for cell in ws[2]:
            cell.font = bold
            cell.alignment = Alignment(horizontal="center")
        for r in sorted(rows, key=lambda x: (x["rank"], x["unit"])):
            ws.append([r["name"], r["submitted"], r["adopted"], r["score"], r["rank"], r["quota"], r["shortfall"],
                       r.get("adoption_rate", 0), r.get("instructions", 0), _remark(r)])
            ws.cell(ws.max_row, 8).number_format = "0.0%"
        for i, w in enumerate(WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.freeze_panes = "A3"
    info = wb.create_sheet("说明")
    zero = sum(1 for r in result["units"] if r.get("zero_information"))
    for k, v in (("统计期间", p["name"]), ("起始日期", p["start"]), ("截止日期", p["end"]),
                 ("计分办法", result.get("scheme", "")), ("单位数", len(result["units"])), ("零信息单位数", zero),
                 ("编制", office),
                 ("说明", "报送数为有效报送条数（重复稿不计）；采用数为被采用的信息条数；"
                          "排名在同类单位内进行，得分相同者并列；差额 = 应报数 − 报送数（不足时）。")):
        info.append([k, v])
        info.cell(info.max_row, 1).font = bold
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 70
    return wb
