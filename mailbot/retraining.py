"""Learning from the office: its category corrections become training data on the next retrain."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from mailbot.db.models import CategoryCorrection, Submission
from mailbot.runtime import Runtime

log = logging.getLogger("mailbot.retrain")


@dataclass
class RetrainReport:
    shipped: int
    corrections: int
    path: str

    def line(self) -> str:
        return f"classifier retrained on {self.shipped} shipped items + {self.corrections} office corrections -> {self.path}"


def office_examples(rt: Runtime) -> list[tuple[str, str, str]]:
    """(subject, text, category) for every corrected item, the latest correction winning."""
    with rt.db.session() as s:
        rows = s.execute(select(Submission.id, Submission.subject, Submission.text, CategoryCorrection.category)
                         .join(CategoryCorrection, CategoryCorrection.submission_id == Submission.id)
                         .order_by(CategoryCorrection.id)).all()
    latest = {sid: (subj, text, cat) for sid, subj, text, cat in rows}
    return list(latest.values())


def retrain(rt: Runtime) -> RetrainReport:
    from mailbot.classify import load_labelled, save_model, train

    taxonomy = rt.classifier.taxonomy
    shipped = [e.as_tuple() for e in load_labelled()]
    office = office_examples(rt)
    # Office corrections count more than shipped examples: they are this office's own items.
    model = train(shipped + office * 3, taxonomy)
    path = rt.settings.data_path / "classifier.pkl"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_model(model, tmp)
    tmp.replace(path)
    rt.__dict__.pop("classifier", None)  # the next item is classified with the new model
    report = RetrainReport(len(shipped), len(office), str(path))
    log.info("%s", report.line())
    return report
