"""Re-score the ledger under the scheme now in force (after switching preset or editing it).

Points are stored with each event when recorded; ``rescore`` recomputes every standing
event and, where the points differ, writes correction rows (``ledger_rows.rescore_rows``): a
reversal of the old event and a fresh copy at the new points (so counts stay right). Nothing
is deleted.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from mailbot import ledger_rows
from mailbot.db.models import ScoreEvent
from mailbot.runtime import Runtime
from mailbot.scoring import ledger


def rescore(rt: Runtime, dry_run: bool = False, by: str = "rescore") -> dict[str, Any]:
    """Recompute every standing event; ``{"scheme", "moves", "units": {unit: delta}}``."""
    with rt.db.transaction() as s:
        rows = list(s.scalars(select(ScoreEvent).order_by(ScoreEvent.id)))
        live = {e.id for e in ledger.net_events([ledger_rows.ledger_event(r) for r in rows])}
        moves = ledger_rows.rescore_rows(rt.scheme, s, [r for r in rows if r.id in live], by=by, dry_run=dry_run)
    units: dict[str, float] = defaultdict(float)
    for m in moves:
        units[m["unit"] or "-"] += m["delta"]
    return {"scheme": rt.scheme.name, "dry_run": dry_run, "moves": moves,
            "units": {u: (int(d) if float(d).is_integer() else d) for u, d in sorted(units.items())}}
