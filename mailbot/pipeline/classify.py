"""Stage: the content category of each item, with a confidence and the reasons."""

from __future__ import annotations

import logging

from mailbot.pipeline.intake import Intake
from mailbot.retraining import load_classifier
from mailbot.runtime import Runtime

log = logging.getLogger("mailbot.classify")


def read(rt: Runtime, intake: Intake) -> None:
    classifier = load_classifier(rt)  # built once per run, outside any transaction
    for item in intake.items:
        if item.prepared or not (item.subject or item.text).strip():
            continue  # (classified ahead by the read-ahead worker: pipeline/prepare.py)
        decision = classifier.classify(item.subject, item.text, item.segmented())
        item.category, item.confidence, item.reasons = decision.category, decision.confidence, list(decision.reasons)
