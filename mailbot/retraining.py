"""Learning from the office: its category corrections become training data on the next retrain.

A retrain happens at every start, on the daemon's schedule (``[classify] retrain_days``) and
with ``mailbot retrain``; corrected items count double, and the very same item sent again
takes the office's category outright.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from mailbot.db.models import CategoryCorrection, Submission
from mailbot.runtime import Runtime

if TYPE_CHECKING:
    from mailbot.classify.classifier import Classifier

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


def build_classifier(rt: Runtime) -> Classifier:
    """The shipped model, retrained with the office's category corrections when there are any.

    Reads the corrections in a short session of its own, then trains with no transaction open.
    """
    from mailbot.classify.classifier import Classifier

    corrections = office_examples(rt)
    base = Classifier.build(taxonomy=rt.taxonomy, extra_words=rt.settings.classify.extra_words)
    classifier = base.retrained(corrections) if corrections else base
    _ = classifier.model  # train now, not inside the first message's transaction
    return classifier


def load_classifier(rt: Runtime) -> Classifier:
    """The runtime's classifier, built if this run has none yet (call it before a transaction)."""
    if not rt.has_classifier:
        rt.use_classifier(build_classifier(rt))
    return rt.classifier


def retrain(rt: Runtime) -> RetrainReport:
    """Replace the runtime's classifier with one trained on every correction so far."""
    report = RetrainReport(len(office_examples(rt)))
    rt.use_classifier(build_classifier(rt))
    log.info("%s", report.line())
    return report
