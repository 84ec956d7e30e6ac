"""Pure scoring logic: periods, schemes, the score ledger's arithmetic, quotas and rankings.

No database and no I/O here (besides reading the shipped preset files); the db layer
maps its rows to ``ScoreEvent`` and calls these functions.
"""

from mailbot.scoring.calendar import Calendar, Period
from mailbot.scoring.schemes import Scheme, SchemeError

__all__ = ["Calendar", "Period", "Scheme", "SchemeError"]
