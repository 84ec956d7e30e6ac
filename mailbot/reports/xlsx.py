"""The 通报 (and the annual assessment) as a workbook that prints as the office would print it.

Sheets: 汇总 (one table per member class, then the year to date), 图表 (native bar charts),
明细 (every item), 个人 (officers), 说明 (the scheme's rules and points, the quotas, the period).
Every sheet: A4 landscape, one page wide, title rows repeated on each page, thin borders,
a merged title row, widths that fit Chinese text, a frozen header, numbers stored as numbers.
Built from ``notice.notice_data`` so it says what the mail says.
"""

from __future__ import annotations

import unicodedata
from copy import copy
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FONT = "宋体"
TITLE = Font(name="黑体", size=16, bold=True)
SUBTITLE = Font(name=FONT, size=10)
HEAD = Font(name=FONT, size=11, bold=True)
BODY = Font(name=FONT, size=11)
SECTION = Font(name="黑体", size=12, bold=True)
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="D9D9D9")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
MAX_WIDTH = {"标题": 46, "单位": 22, "备注": 20, "类别": 16, "采用（刊物）": 24, "报送人": 16}
MIN_TOTAL_WIDTH = 110  # a page-wide table: narrow tables are widened so the title fits above them

DETAIL_COLUMNS = [("receipt", "回执号", False), ("received_dt", "收到时间", False), ("unit_name", "单位", False),
                  ("sender_name", "报送人", False), ("subject", "标题", False), ("category_name", "类别", False),
                  ("status_name", "状态", False), ("adoption_text", "采用（刊物）", False),
                  ("instruction_text", "批示", False), ("commission_text", "约稿", False), ("points", "得分", True)]
OFFICER_COLUMNS = [("rank", "排名", True), ("name", "姓名", False), ("officer", "邮箱", False),
                   ("unit_name", "单位", False), ("submitted", "报送", True), ("adopted", "采用", True),
                   ("instructions", "批示", True), ("score", "得分", True)]
YTD_COLUMNS = [("seq", "序号", True), ("name", "单位", False), ("submitted", "累计报送", True), ("annual_quota", "全年任务", True),
               ("due", "按进度应报", True), ("behind", "进度差额", True), ("owes", "全年尚差", True),
               ("pct_ratio", "完成率", True), ("score", "累计得分", True)]


def text_width(value: Any) -> int:
    s = "" if value is None else (value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value))
    if s.isascii():
        return len(s)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


class SheetWriter:
    """Writes titled, bordered tables down one sheet and remembers the widths they need."""

    def __init__(self, ws: Worksheet, ncols: int):
        self.ws, self.ncols, self.row = ws, ncols, 1
        self.widths: dict[int, int] = {}

    def title(self, text: str, sub: str = "") -> None:
        ws = self.ws
        ws.cell(1, 1, text).font = TITLE
        ws.cell(1, 1).alignment = CENTER
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=self.ncols)
        ws.row_dimensions[1].height = 30
        ws.cell(2, 1, sub).font = SUBTITLE
        ws.cell(2, 1).alignment = Alignment(horizontal="center", vertical="center")
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=self.ncols)
        self.row = 3

    def section(self, text: str) -> None:
        ws = self.ws
        ws.cell(self.row, 1, text).font = SECTION
        ws.cell(self.row, 1).alignment = Alignment(horizontal="left", vertical="center")
        ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=self.ncols)
        ws.row_dimensions[self.row].height = 22
        self.row += 1

    def table(self, columns: list[tuple[str, str, bool]], rows: list[dict[str, Any]],
              formats: dict[str, str] | None = None) -> tuple[int, int]:
        """Header and rows; returns (first data row, last data row)."""
        ws, formats = self.ws, formats or {}
        for j, (_, head, _) in enumerate(columns, start=1):
            c = ws.cell(self.row, j, head)
            c.font, c.alignment, c.border, c.fill = HEAD, CENTER, BOX, HEAD_FILL
            self._fit(j, head)
        self.row += 1
        first = self.row
        # Each column's cells share one style: set on its first cell, then copied (openpyxl looks a
        # style object up by hashing it on every assignment: a 20,000-row sheet spent minutes there).
        styles: dict[int, Any] = {}
        for r in rows:
            for j, (key, head, numeric) in enumerate(columns, start=1):
                value = r.get(key)
                if numeric and value in (None, ""):
                    value = 0
                c = ws.cell(self.row, j, value)
                if j in styles:
                    c._style = copy(styles[j])
                else:
                    c.font, c.border = BODY, BOX
                    c.alignment = Alignment(horizontal="right" if numeric else "left", vertical="center",
                                            wrap_text=not numeric)
                    if key in formats:
                        c.number_format = formats[key]
                    styles[j] = c._style
                self._fit(j, value, cap=MAX_WIDTH.get(head))
            self.row += 1
        return first, self.row - 1

    def lines(self, groups: list[tuple[str, list[str]]]) -> None:
        """Two-column text (说明): a label merged down its lines, each line merged across the rest."""
        ws = self.ws
        for label, texts in groups:
            top = self.row
            for text in texts:
                b = ws.cell(self.row, 2, text)
                b.font, b.alignment = BODY, LEFT
                for j in range(1, self.ncols + 1):
                    ws.cell(self.row, j).border = BOX
                ws.merge_cells(start_row=self.row, start_column=2, end_row=self.row, end_column=self.ncols)
                # merged cells do not grow with their text: give long texts the lines they need
                ws.row_dimensions[self.row].height = 18 * max(1, -(-text_width(text) // 110))
                self.row += 1
            a = ws.cell(top, 1, label)
            a.font, a.alignment, a.fill = HEAD, CENTER, HEAD_FILL
            if self.row - 1 > top:
                ws.merge_cells(start_row=top, start_column=1, end_row=self.row - 1, end_column=1)
            self._fit(1, label)

    def skip(self, n: int = 1) -> None:
        self.row += n

    def _fit(self, col: int, value: Any, cap: int | None = None) -> None:
        w = text_width(value) + 2
        self.widths[col] = max(self.widths.get(col, 6), min(w, cap or 40))

    def finish(self, header_rows: str = "1:2", freeze: str | None = "A3") -> None:
        ws = self.ws
        total = sum(self.widths.values())
        if 0 < total < MIN_TOTAL_WIDTH:
            self.widths = {c: round(w * MIN_TOTAL_WIDTH / total) for c, w in self.widths.items()}
        for col, w in self.widths.items():
            ws.column_dimensions[get_column_letter(col)].width = w
        setup_print(ws, header_rows, freeze)


def setup_print(ws: Worksheet, header_rows: str = "1:2", freeze: str | None = "A3") -> None:
    """A4 landscape, one page wide, title rows on every page, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.6
    if header_rows:
        ws.print_title_rows = header_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if freeze:
        ws.freeze_panes = freeze


def notice_workbook(data: dict[str, Any]) -> Workbook:
    """The workbook for ``notice.notice_data``'s result."""
    wb = Workbook()
    wb.remove(wb.active)
    ranges = summary_sheet(wb, data)
    chart_sheet(wb, data, ranges)
    detail_sheet(wb, data)
    officer_sheet(wb, data)
    notes_sheet(wb, data)
    wb.properties.title = data["title"]
    wb.properties.creator = data["signature"]
    return wb


def _subtitle(data: dict[str, Any]) -> str:
    parts = [p for p in (data.get("number"), f"统计期间：{data['period']['span']}",
                         f"{data['signature']}　{data['date']}") if p]
    return "　　".join(parts)


def _columns(data: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(c["key"], c["heading"], c["numeric"]) for c in data["columns"]]


def summary_sheet(wb: Workbook, data: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """One table per class, then the year to date; returns each table's data rows (class id or "ytd")."""
    ws = wb.create_sheet("汇总")
    cols = _columns(data)
    w = SheetWriter(ws, len(cols))
    w.title(data["title"], _subtitle(data))
    numbers = "一二三四五六七八九十"
    ranges: dict[str, tuple[int, int]] = {}
    for i, c in enumerate(data["classes"]):
        quota = f"（任务：{'，'.join(c['quotas'])}）" if c["quotas"] else ""
        w.section(f"{numbers[i % 10]}、{c['name']}{quota}")
        ranges[c["id"]] = w.table(cols, c["rows"])
        w.skip()
    ytd = data.get("ytd")
    if ytd:
        w.section(f"{numbers[len(data['classes']) % 10]}、{data['year']['title']}累计（{ytd['span']}）")
        rows = [{**r, "seq": i, "pct_ratio": r["pct"] / 100}
                for i, r in enumerate((r for c in ytd["classes"] for r in c["rows"]), start=1)]
        ranges["ytd"] = w.table(YTD_COLUMNS, rows, formats={"pct_ratio": "0%"})
    w.finish(freeze="A3")
    return ranges


CHART_CM_PER_ROW = 0.53  # a default 15-point row
PAGE_CM = 17.0  # printable height of an A4 landscape page at these margins, less the title


def _bar_chart(title: str, height: float) -> BarChart:
    chart = BarChart()
    chart.type = "bar"  # horizontal: long Chinese unit names read best down the side
    chart.title = title
    chart.style = 10
    chart.x_axis.scaling.orientation = "maxMin"  # first row at the top, as in the table
    chart.y_axis.crosses = "max"  # …which would otherwise put the value axis at the top
    chart.x_axis.delete = chart.y_axis.delete = False  # newer Excel hides axes not marked as shown
    chart.y_axis.majorGridlines = None
    chart.height, chart.width = height, 24
    return chart


def _major_unit(top: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if top / step <= 8:
            return step
    return max(1, round(top / 8))


def chart_sheet(wb: Workbook, data: dict[str, Any], ranges: dict[str, tuple[int, int]]) -> Worksheet:
    """Native bar charts: each class's scores, and the year to date against the yearly quota."""
    from openpyxl.worksheet.pagebreak import Break

    ws = wb.create_sheet("图表")
    ws.cell(1, 1, f"{data['title']}　图表").font = TITLE
    src = wb["汇总"]
    score_col = 1 + [c["key"] for c in data["columns"]].index("score")
    charts = []
    for c in data["classes"]:
        first, last = ranges[c["id"]]
        chart = _bar_chart(f"{c['name']}得分", min(8.0, 2.5 + 0.75 * (last - first + 1)))
        chart.legend = None
        chart.add_data(Reference(src, min_col=score_col, min_row=first, max_row=last), titles_from_data=False)
        chart.set_categories(Reference(src, min_col=2, min_row=first, max_row=last))
        chart.y_axis.majorUnit = _major_unit(float(c["chart"]["max"] or 1))
        chart.dataLabels = DataLabelList(showVal=True, showSerName=False, showCatName=False, showLegendKey=False)
        charts.append(chart)
    if "ytd" in ranges:
        first, last = ranges["ytd"]
        chart = _bar_chart(f"{data['year']['title']}累计报送与全年任务", min(16.0, 3.0 + 0.9 * (last - first + 1)))
        chart.grouping = "clustered"
        chart.add_data(Reference(src, min_col=3, max_col=4, min_row=first - 1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(src, min_col=2, min_row=first, max_row=last))
        chart.legend.position = "b"
        charts.append(chart)
    row, used = 3, 0.0
    for chart in charts:
        rows = int(chart.height / CHART_CM_PER_ROW) + 2
        if used and used + rows * CHART_CM_PER_ROW > PAGE_CM:
            ws.row_breaks.append(Break(id=row - 1))  # a chart is never cut across two pages
            used = 0.0
        ws.add_chart(chart, f"A{row}")
        row += rows
        used += rows * CHART_CM_PER_ROW
    setup_print(ws, header_rows="", freeze=None)
    return ws


def detail_sheet(wb: Workbook, data: dict[str, Any]) -> Worksheet:
    ws = wb.create_sheet("明细")
    w = SheetWriter(ws, len(DETAIL_COLUMNS))
    w.title(f"{data['period']['title']}信息报送明细（共 {len(data['items'])} 条）", _subtitle(data))
    rows = [{**it, "received_dt": datetime.fromisoformat(it["received_at"]).replace(tzinfo=None)}
            for it in data["items"]]
    w.table(DETAIL_COLUMNS, rows, formats={"received_dt": "yyyy-mm-dd hh:mm"})
    w.widths[2] = 17
    w.finish(header_rows="1:3", freeze="A4")
    return ws


def officer_sheet(wb: Workbook, data: dict[str, Any]) -> Worksheet:
    ws = wb.create_sheet("个人")
    w = SheetWriter(ws, len(OFFICER_COLUMNS))
    w.title(f"{data['period']['title']}信息员个人排名", _subtitle(data))
    officers = data.get("officers") or []
    w.table(OFFICER_COLUMNS, officers)
    if not officers:
        w.section("本期无个人计分记录。")
    w.finish(header_rows="1:3", freeze="A4")
    return ws


def notes_sheet(wb: Workbook, data: dict[str, Any]) -> Worksheet:
    ws = wb.create_sheet("说明")
    w = SheetWriter(ws, 6)
    w.title("统计说明", _subtitle(data))
    groups = [
        ("统计期间", [f"{data['period']['title']}（{data['period']['span']}）"]),
        ("计分办法", data["rules"]),
        ("报送任务", [f"{c['name']}：{'，'.join(c['quotas']) or '未设任务'}" for c in data["classes"]]),
        ("排名", ["在同类单位之间按得分排名，得分相同的并列。"]),
        ("应报、差额", ["应报为本期按报送任务折算的条数（全年任务按天数折算，向上取整）；差额 = 应报 − 报送（不足时）。"]),
        ("零信息", ["本期没有计分信息的单位，备注“零信息”。"]),
        ("采用、批示、约稿", ["按信息收到日期计入所属期间；撤销的记录不计。"]),
    ]
    if data.get("awards"):
        groups.append(("奖项", ["只在完成全年报送任务且得分大于零的单位中评定一、二、三等奖和优秀奖。"]))
    groups.append(("编制", [f"{data['signature']}　{data['date']}"]))
    w.lines(groups)
    w.widths[1] = 16
    for col in range(2, 7):
        w.widths[col] = 24
    w.finish(header_rows="1:2", freeze=None)
    return ws
