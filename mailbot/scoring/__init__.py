"""Pure scoring logic: periods, schemes, the score ledger's arithmetic, quotas and rankings.

No database and no I/O here (besides reading the shipped preset files); the db layer
maps its rows to ``ScoreEvent`` and calls these functions. See README.md in this folder.
"""

from mailbot.scoring.calendar import Calendar, Period
from mailbot.scoring.ledger import ScoreEvent, UnitScore, officer_totals, unit_totals
from mailbot.scoring.quotas import Quota, Shortfall, behind, due, quota_for_period
from mailbot.scoring.rankings import PRIZES, awards, rank
from mailbot.scoring.schemes import Scheme, SchemeError, preset_names

__all__ = [
    "PRIZES",
    "Calendar",
    "Period",
    "Quota",
    "Scheme",
    "SchemeError",
    "ScoreEvent",
    "Shortfall",
    "UnitScore",
    "awards",
    "behind",
    "due",
    "officer_totals",
    "preset_names",
    "quota_for_period",
    "rank",
    "unit_totals",
]
