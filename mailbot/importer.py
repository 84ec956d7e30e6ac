"""Bulk adoptions from the office's own register (.csv or .xlsx), re-importable as it grows.

Columns (English or Chinese headings): ``receipt``/回执号 or ``title``/标题, ``level``/级别,
``date``/日期, optional ``kind``/类型, ``publication``/刊物, ``issue``/期号, ``note``/备注.

A row names its item by receipt, or by title as the editor printed it (``register_match``:
normalised and near-duplicate matching; doubtful rows go on a confirmation list with their
candidates and are not recorded). A level may be an id, a Chinese level word, or the name of
the adopting body (省委办公厅, 卫生厅, 国务院办公厅). A row already recorded (same item and
level, same date when the row has one) is skipped, so a running register can be imported
again and again. The report says what was recorded, what was already there, what needs
confirming and what was not matched. A row that is wrong in itself (an unknown level, a bad
date) refuses the whole file with its row number, and nothing is recorded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from mailbot import records, register_match
from mailbot.errors import UsageError
from mailbot.runtime import Runtime

HEADINGS = {
    "receipt": ("receipt", "回执号", "回执", "编号"),
    "title": ("title", "subject", "标题", "信息标题", "题目"),
    "level": ("level", "级别", "采用级别", "层级"),
    "date": ("date", "日期", "采用日期", "时间"),
    "kind": ("kind", "类型", "种类", "信息类型"),
    "publication": ("publication", "刊物", "载体", "采用刊物"),
    "issue": ("issue", "期号", "期数", "issue_no"),
    "note": ("note", "备注", "说明"),
}


@dataclass
class ImportReport:
    lines: list[str] = field(default_factory=list)  # recorded (or, in a dry run, to be recorded)
    total_points: float = 0
    dry_run: bool = False
    already: list[str] = field(default_factory=list)
    doubtful: list[str] = field(default_factory=list)  # the confirmation list
    unmatched: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = "将记录" if self.dry_run else "已记录"
        return (f"{verb} {len(self.lines)} 条（合计 {self.total_points:+g} 分），已有记录 {len(self.already)} 条，"
                f"需确认 {len(self.doubtful)} 条，未找到 {len(self.unmatched)} 条"
                + ("（试运行，未写入）" if self.dry_run else ""))


def level_of(rt: Runtime, word: str) -> str:
    """An adoption level from an id, a level word (省级) or the adopting body's name (省委办公厅)."""
    from mailbot.names import level_id

    return level_id(rt, "adopt", word)


def _key(heading: Any) -> str | None:
    h = str(heading or "").strip().lower().replace("\ufeff", "")
    for key, names in HEADINGS.items():
        if h in names:
            return key
    return None


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


XLSX_MAX_BYTES = 64 * 1024 * 1024  # expanded size of an adoption register (real ones are well under 1 MB)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows as {column key: text}; unknown headings are ignored."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import zipfile

        from openpyxl import load_workbook

        from mailbot.reading.zipguard import TooBig, check_expansion

        try:  # a register is small; a zip bomb is refused while decompressing, before openpyxl parses it
            with zipfile.ZipFile(path) as archive:
                check_expansion(archive, XLSX_MAX_BYTES, XLSX_MAX_BYTES)
        except TooBig as e:
            raise UsageError(f"{path.name}: {e}; not read (zip bomb guard)") from None
        except zipfile.BadZipFile:
            raise UsageError(f"{path.name}: not a valid .xlsx file") from None
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            table = [[_cell(v) for v in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
        finally:
            wb.close()  # read-only workbooks keep the file open until closed
    elif path.suffix.lower() == ".csv":
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UsageError(f"{path}: cannot read the file as UTF-8 or GB18030 text")
        table = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    else:
        raise UsageError(f"{path}: give a .csv or .xlsx file")
    table = [r for r in table if any(c for c in r)]
    if not table:
        raise UsageError(f"{path}: the file is empty")
    keys = [_key(h) for h in table[0]]
    if "level" not in keys or not ({"receipt", "title"} & set(keys)):
        raise UsageError(f"{path}: the first row must name the columns: receipt (回执号) or title (标题), "
                         f"level (级别), date (日期); got {', '.join(table[0])}")
    return [{k: (r[i] if i < len(r) else "") for i, k in enumerate(keys) if k} for r in table[1:]]


def _already(rt: Runtime, s: Session, receipt: str, level: str, row: dict[str, str]) -> str | None:
    """The standing adoption this row records already, as a line; None when it is new."""
    sub = records.find_submission(s, receipt)
    on = records.parse_date(rt, row["date"]) if row.get("date") else None
    for e in records.standing(s, sub):
        if e.kind != "adopt" or e.level != level:
            continue
        if on is None or e.occurred == on or (row.get("issue") and e.issue_no == row.get("issue")):
            return f"{receipt} {records.level_name(rt, 'adopt', level)}采用（{e.occurred.isoformat()}）"
    return None


def _candidates(match: register_match.Match) -> str:
    return "；".join(f"{c.receipt}《{c.subject}》（{c.received.isoformat()}，相似度 {c.score:.0%}）"
                    for c in match.candidates)


def import_adoptions(rt: Runtime, path: Path, dry_run: bool = False, by: str = "import") -> ImportReport:
    """Record each new row's adoption in one transaction; see the module's doc for what is skipped."""
    rows = read_rows(Path(path))
    report = ImportReport(dry_run=dry_run)
    name = Path(path).name
    s = rt.db.session()
    try:
        s.begin()
        for n, row in enumerate(rows, start=2):
            title = row.get("title") or ""
            try:
                receipt = row.get("receipt") or ""
                if not receipt and not title:
                    raise UsageError("neither receipt nor title given")
                if not row.get("level"):
                    raise UsageError("no level given")
                level = level_of(rt, row["level"])
                on = records.parse_date(rt, row["date"]) if row.get("date") else None
                if not receipt:
                    match = register_match.find(s, title, on, rt.settings.tz)
                    if match.receipt is None:
                        if match.doubtful:
                            report.doubtful.append(f"第{n}行《{title}》可能是：{_candidates(match)}")
                        else:
                            report.unmatched.append(f"第{n}行《{title}》")
                        continue
                    receipt = match.receipt
                if (seen := _already(rt, s, receipt, level, row)) is not None:
                    report.already.append(f"第{n}行 {seen}")
                    continue
                r = records.adopt(rt, receipt, level, date=row.get("date") or None,
                                  kind=row.get("kind") or None, note=row.get("note") or None,
                                  publication=row.get("publication") or None, issue_no=row.get("issue") or None,
                                  by=by, session=s)
            except UsageError as e:
                raise UsageError(f"{name} row {n}: {e}; nothing was imported") from None
            report.lines.append(r.line.replace("已记录", "将记录", 1) if dry_run else r.line)
            report.total_points += r.points
        if dry_run:
            s.rollback()
        else:
            s.commit()
    except BaseException:
        s.rollback()
        raise
    finally:
        s.close()
    return report
