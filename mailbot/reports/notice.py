"""The 通报 as data: what the office signs for a period, built once from the tally and the items.

``notice_data`` gathers everything the notice says — title and number, an opening summary,
one table per member class, the adopted items with their publication, the year to date and
the charts — as plain, JSON-ready data. The mail (``templates/tally/``), its chart and the
workbook (``reports/workbook.py``) are all rendered from it, so they cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from mailbot.db.models import ScoreEvent, Submission
from mailbot.reports import wording
from mailbot.reports.periods import bounds
from mailbot.reports.tally import class_names, load_events, officer_rows, parse_period, tally
from mailbot.runtime import Runtime
from mailbot.scoring import ledger
from mailbot.scoring.calendar import Period
from mailbot.scoring.quotas import Quota, quota_for_period
from mailbot.statuses import status_name

ITEM_STATUSES = ("accepted", "duplicate", "unassigned", "dismissed")
REMARKS = {"zero": "零信息", "zeroed": "全年无采用，得分记零", "at_risk": "本年度尚无采用"}


@dataclass(frozen=True)
class Column:
    """One column of a class table: the key in a row, its heading, and whether it is a number."""

    key: str
    heading: str
    numeric: bool = True
    nowrap: bool = False


def level_short(rt: Runtime, event: str, level: str) -> str:
    from mailbot.records import level_name

    return level_name(rt, event, level)


def class_columns(rt: Runtime, awards: bool = False) -> list[Column]:
    """排名, 单位, 报送, 采用 by level, 批示, 约稿, 调整, 得分, 应报, 差额, 完成情况 (奖项), 备注."""
    cols = [Column("rank", "排名"), Column("name", "单位", False), Column("submitted", "报送")]
    cols += [Column(f"adopt_{lv}", f"{level_short(rt, 'adopt', lv)}采用") for lv in rt.scheme.levels("adopt")]
    if rt.scheme.levels("instruct"):
        cols.append(Column("instructions", "批示"))
    if rt.scheme.levels("commission"):
        cols.append(Column("commissions", "约稿"))
    cols += [Column("adjustments", "调整"), Column("score", "得分"), Column("quota", "应报"),
             Column("shortfall", "差额"), Column("completion", "完成情况", False)]
    if awards:
        cols.append(Column("prize", "奖项", False))
    cols.append(Column("remark", "备注", False))
    return cols


def _remark(r: dict[str, Any]) -> str:
    notes = []
    if r.get("zero_information"):
        notes.append(REMARKS["zero"])
    if r.get("zeroed"):
        notes.append(REMARKS["zeroed"])
    elif r.get("no_adoption_in_year"):
        notes.append(REMARKS["at_risk"])
    return "；".join(notes)


def _formatted(pattern: str, **fields: Any) -> str:
    return pattern.format(**fields) if pattern else ""


def notice_data(rt: Runtime, period_text: str, result: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole 通报 for a period; ``result`` may pass a ``tally()`` (or ``annual_awards()``) already made."""
    period = parse_period(rt, period_text)
    result = result if result is not None else tally(rt, period_text, officers=True)
    if "officers" not in result:  # only the ranking of people is missing: not the whole tally again
        with rt.db.session() as s:
            events = load_events(rt, s, period)
        result = {**result, "officers": officer_rows(rt, events, period)}
    year = rt.calendar.year_of(period.start)
    is_year = period.start == year.start and period.end == year.end
    awards = any("prize" in r for r in result["units"])
    office = rt.settings.office.name
    reports = rt.settings.reports
    title_cn = wording.period_title(period)
    fields = {"period": title_cn, "year": year.name, "n": wording.period_ordinal(period), "office": office}

    rows = []
    for r in result["units"]:
        row = dict(r)
        for lv, n in (r.get("adoptions_by_level") or {}).items():
            row[f"adopt_{lv}"] = n
        row["completion"] = "已完成" if r["submitted"] >= r["quota"] else "未完成"
        if awards:
            row["completion"] = "完成任务" if r.get("eligible") else "未完成任务"
            row["prize"] = r.get("prize") or ""
        row["remark"] = _remark(r)
        rows.append(row)

    classes = []
    cnames = class_names(rt)
    configured = {c.id: c for c in rt.settings.classes}
    for cid in dict.fromkeys([*configured, *(r["class"] for r in rows)]):
        members = sorted((r for r in rows if r["class"] == cid), key=lambda r: (r["rank"], r["unit"]))
        if not members:
            continue
        quotas = [wording.quota_words(q.per, q.count, rt.category_names.get(q.category) if q.category else None)
                  for q in (configured[cid].quotas if cid in configured else [])]
        classes.append({"id": cid, "name": cnames.get(cid, cid), "rows": members, "quotas": quotas,
                        "chart": bars(members, "score")})

    items = period_items(rt, period)
    adopted = [a for it in items for a in it["adoptions"]]
    summary = _summary(rows, classes, items, adopted)
    ytd = None if is_year else year_to_date(rt, period, year)
    return {
        "period": {**result["period"], "title": title_cn, "span": wording.period_span(period)},
        "year": {"name": year.name, "title": wording.period_title(year), "start": year.start.isoformat(),
                 "end": year.end.isoformat()},
        "is_year": is_year,
        "awards": awards,
        "title": _formatted(reports.awards_title if is_year and awards else reports.tally_title, **fields),
        "number": _formatted(reports.awards_number if is_year and awards else reports.tally_number, **fields),
        "office": office,
        "signature": reports.signature or office,
        "date": wording.cn_date(rt.clock.today()),
        "scheme": rt.scheme.name,
        "rules": scheme_rules(rt),
        "summary": summary,
        "columns": [c.__dict__ for c in class_columns(rt, awards)],
        "classes": classes,
        "adopted": adopted,
        "items": items,
        "ytd": ytd,
        "officers": result.get("officers", []),
        "units": rows,
    }


def bars(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """A bar per row, ``pct`` of the largest value (at least 1 for any value above zero)."""
    top = max((float(r[key]) for r in rows), default=0.0)
    out = []
    for r in rows:
        v = float(r[key])
        pct = 0 if top <= 0 or v <= 0 else max(1, round(v / top * 100))
        out.append({"unit": r["unit"], "name": r["name"], "value": wording.number(r[key]), "pct": pct})
    return {"key": key, "max": wording.number(top), "bars": out}


def _summary(rows: list[dict[str, Any]], classes: list[dict[str, Any]], items: list[dict[str, Any]],
             adopted: list[dict[str, Any]]) -> dict[str, Any]:
    best = []
    for c in classes:
        top = [r["name"] for r in c["rows"] if r["rank"] == 1 and float(r["score"]) > 0]
        if top:
            best.append({"class": c["name"], "units": top})
    return {
        "received": sum(1 for it in items if it["status"] in ("accepted", "duplicate")),
        "submitted": sum(r["submitted"] for r in rows),
        "adopted_items": len({a["receipt"] for a in adopted}),
        "adoptions": len(adopted),
        "instructions": sum(r.get("instructions", 0) for r in rows),
        "commissions": sum(r.get("commissions", 0) for r in rows),
        "units": len(rows),
        "zero_units": [r["name"] for r in rows if r.get("zero_information")],
        "best": best,
        "units_done": sum(1 for r in rows if r["submitted"] >= r["quota"]),
        "units_behind": sum(1 for r in rows if r["submitted"] < r["quota"]),
    }


def period_items(rt: Runtime, period: Period) -> list[dict[str, Any]]:
    """Every item received in the period (not auto-replies or failures), with its standing events."""
    from mailbot.ledger_rows import ledger_event

    tz = rt.settings.tz
    start, end = bounds(period, tz)
    with rt.db.session() as s:
        # the columns shown, not whole rows (each carries the item's text)
        subs: list[Any] = list(s.execute(
            select(Submission.id, Submission.receipt, Submission.received_at, Submission.unit_id, Submission.sender,
                   Submission.sender_name, Submission.subject, Submission.category, Submission.status)
            .where(Submission.received_at >= start, Submission.received_at < end,
                   Submission.status.in_(ITEM_STATUSES))
            .order_by(Submission.received_at, Submission.id)))
        rows = list(s.scalars(select(ScoreEvent).where(ScoreEvent.submission_id.in_([x.id for x in subs]))
                              .order_by(ScoreEvent.id))) if subs else []
    # the events that count, by the tally's rules (a second same-level 批示 earns nothing)
    live = ledger.counting_events([ledger_event(r) for r in rows], rt.scheme)
    events: dict[int, list[ScoreEvent]] = defaultdict(list)
    for r in rows:
        if r.id in live and r.reverses is None and r.submission_id is not None:
            events[r.submission_id].append(r)
    names = rt.category_names
    out = []
    for x in subs:
        unit = rt.units.get(x.unit_id)
        evs = events.get(x.id, [])
        local = x.received_at.astimezone(tz)
        officer = unit.officer_names.get(x.sender, "") if unit else ""
        item = {
            "receipt": x.receipt, "received_at": local.isoformat(), "received": local.strftime("%Y-%m-%d %H:%M"),
            "unit": x.unit_id, "unit_name": unit.name if unit else "", "sender": x.sender,
            "sender_name": officer or (x.sender_name or "").strip('"'), "subject": x.subject,
            "category": x.category, "category_name": names.get(x.category or "", x.category or "未分类"),
            "status": x.status, "status_name": status_name(x.status),
            "points": wording.number(round(sum(float(e.points) for e in evs), 2)),
            "adoptions": [], "instructions": [], "commissions": [],
        }
        for e in evs:
            if e.kind == "adopt":
                item["adoptions"].append({
                    "receipt": x.receipt, "unit": x.unit_id, "unit_name": item["unit_name"], "subject": x.subject,
                    "level": e.level, "level_name": level_short(rt, "adopt", e.level or ""),
                    "publication": wording.issue_label(e.publication, e.issue_no),
                    "date": e.occurred.isoformat(), "points": wording.number(e.points)})
            elif e.kind in ("instruct", "commission"):
                word = "批示" if e.kind == "instruct" else "约稿"
                item["instructions" if e.kind == "instruct" else "commissions"].append(f"{level_short(rt, e.kind, e.level or '')}{word}")
        item["adoption_text"] = "；".join(f"{a['level_name']}采用" + (f"（{a['publication']}）" if a["publication"] else "")
                                         for a in item["adoptions"])
        item["instruction_text"] = "；".join(item["instructions"])
        item["commission_text"] = "；".join(item["commissions"])
        out.append(item)
    return out


def year_to_date(rt: Runtime, period: Period, year: Period) -> dict[str, Any]:
    """From the year's start to the period's end: each unit's items and score against its yearly quota."""
    from mailbot.reports.progress import class_quotas

    so_far = Period(f"{year.name}-ytd", year.start, period.end)
    rows = []
    with rt.db.session() as s:  # the events of the year (the zero rule reads the year, so_far is inside it)
        events = load_events(rt, s, Period(year.name, min(year.start, so_far.start), max(year.end, so_far.end)))
        totals = ledger.unit_totals(events, so_far, rt.scheme, year, units=[u.id for u in rt.units])
    for u in rt.units:
        t = totals[u.id]
        quotas = class_quotas(rt.settings, u.class_id)
        annual = sum(quota_for_period(Quota(q.per, q.count, q.category), year, rt.calendar) for q in quotas
                     if q.category is None)
        due = sum(quota_for_period(Quota(q.per, q.count, q.category), so_far, rt.calendar) for q in quotas
                  if q.category is None)
        rows.append({"unit": u.id, "name": u.name, "class": u.class_id, "submitted": t.submitted,
                     "adopted": t.adopted, "score": wording.number(t.score), "annual_quota": annual, "due": due,
                     "behind": max(0, due - t.submitted), "owes": max(0, annual - t.submitted),
                     "pct": round(t.submitted / annual * 100) if annual else 100})
    cnames = class_names(rt)
    classes = []
    for cid in dict.fromkeys(r["class"] for r in rows):
        members = sorted((r for r in rows if r["class"] == cid), key=lambda r: (-r["submitted"], r["unit"]))
        classes.append({"id": cid, "name": cnames.get(cid, cid), "rows": members})
    return {"start": year.start.isoformat(), "end": period.end.isoformat(),
            "span": wording.cn_span(year.start, period.end), "rows": rows, "classes": classes}


def scheme_rules(rt: Runtime) -> list[str]:
    """The scheme's points as sentences: 每报送一条信息计 2 分；被厅级采用计 10 分 …"""
    sch = rt.scheme
    out = [f"每报送一条信息计 {sch.submit_points} 分（重复稿、更正稿不重复计分）。"]
    for event in ("adopt", "instruct", "commission"):
        table = getattr(sch, event)
        if table is None:
            continue
        parts = []
        for lv in table.levels:
            who = table.labels.get(lv) or level_short(rt, event, lv)
            cells = table.cells[lv]
            if list(cells) == [""]:
                pts = f"{cells['']} 分"
            else:
                pts = "、".join(f"{c} {p} 分" for c, p in cells.items())
            if event == "adopt":
                parts.append(f"被{who}采用计 {pts}")
            elif event == "instruct":
                parts.append(f"获{who}批示加 {pts}")
            else:
                parts.append(f"{who}约稿加 {pts}")
        out.append("；".join(parts) + "。")
    if sch.instruction_once_per_level:
        out.append("同一条信息获同级领导多次批示的，只计一次。")
    if sch.zero_without_adoption:
        out.append("全年无信息被采用的单位，信息工作得零分。")
    out.append("“调整”为办公室按考核办法手工加减的分数（如基础工作、报送工作、扣分）。")
    return out


YTD_COLUMNS = [Column("name", "单位", False), Column("submitted", "累计报送"), Column("annual_quota", "全年任务"),
               Column("due", "按进度应报"), Column("behind", "进度差额"), Column("owes", "全年尚差"),
               Column("pct_text", "完成率", False)]
