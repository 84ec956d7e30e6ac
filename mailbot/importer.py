"""Bulk adoptions from the office's own sheet (.csv or .xlsx): all or nothing, one transaction.

Columns (English or Chinese headings): ``receipt``/回执号 or ``title``/标题, ``level``/级别,
``date``/日期, optional ``kind``/类型, ``publication``/刊物, ``issue``/期号, ``note``/备注.
A title must match exactly one submission (after trimming spaces); a bad row refuses the
whole file with its row number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot import records
from mailbot.db.models import Submission
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
    lines: list[str] = field(default_factory=list)
    total_points: float = 0
    dry_run: bool = False


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
        ws = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        table = [[_cell(v) for v in r] for r in ws.iter_rows(values_only=True)]
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


def _by_title(session: Session, title: str) -> str:
    t = " ".join(title.split())
    subs = list(session.scalars(select(Submission).where(func.trim(Submission.subject) == t,
                                                        Submission.status == "accepted")))
    if not subs:
        raise UsageError(f"no accepted submission has the title {title!r}")
    if len(subs) > 1:
        raise UsageError(f"title {title!r} matches {len(subs)} submissions "
                         f"({', '.join(s.receipt for s in subs)}); give the receipt number")
    return subs[0].receipt


def import_adoptions(rt: Runtime, path: Path, dry_run: bool = False, by: str = "import") -> ImportReport:
    """Record every row's adoption in one transaction; any bad row refuses the whole file."""
    rows = read_rows(Path(path))
    report = ImportReport(dry_run=dry_run)
    s = rt.db.session()
    try:
        s.begin()
        for n, row in enumerate(rows, start=2):
            try:
                receipt = row.get("receipt") or ""
                if not receipt:
                    if not row.get("title"):
                        raise UsageError("neither receipt nor title given")
                    receipt = _by_title(s, row["title"])
                if not row.get("level"):
                    raise UsageError("no level given")
                r = records.adopt(rt, receipt, row["level"], date=row.get("date") or None,
                                  kind=row.get("kind") or None, note=row.get("note") or None,
                                  publication=row.get("publication") or None, issue_no=row.get("issue") or None,
                                  by=by, session=s)
            except UsageError as e:
                raise UsageError(f"{Path(path).name} row {n}: {e}; nothing was imported") from None
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
