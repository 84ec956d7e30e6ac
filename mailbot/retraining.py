"""Learning from the office: its category corrections become training data on the next retrain.

A retrain happens at every start, on the daemon's schedule (``[classify] retrain_days``) and
with ``mailbot retrain``; corrected items count double, and the very same item sent again
takes the office's category outright.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from mailbot.db.models import CategoryCorrection, Submission
from mailbot.runtime import Runtime

log = logging.getLogger("mailbot.retrain")


@dataclass
class RetrainReport:
    corrections: int

    def line(self) -> str:
        return f"classifier retrained on the shipped items + {self.corrections} office correction(s)"


def office_examples(rt: Runtime) -> list[tuple[str, str, str]]:
    """(subject, text, category) for every corrected item, the latest correction winning."""
    with rt.db.session() as s:
        rows = s.execute(select(Submission.id, Submission.subject, Submission.text, CategoryCorrection.category)
                         .join(CategoryCorrection, CategoryCorrection.submission_id == Submission.id)
                         .order_by(CategoryCorrection.id)).all()
    latest = {sid: (subj, text, cat) for sid, subj, text, cat in rows}
    return list(latest.values())


def retrain(rt: Runtime) -> RetrainReport:
    """Rebuild the classifier with every correction so far (``Runtime.classifier`` does the training)."""
    rt.__dict__.pop("classifier", None)
    report = RetrainReport(len(office_examples(rt)))
    _ = rt.classifier
    log.info("%s", report.line())
    return report
