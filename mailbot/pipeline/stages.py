"""The stages, in order. To add one: write a module with ``run(rt, intake)`` and list it here."""

from mailbot.pipeline import acknowledge, attribute, classify, command, dedupe, parse, record, screen

STAGES = (
    parse,        # raw bytes -> trusted text, received time, items
    command,      # office commands by mail (采用/批示/约稿/归属/类别) -> done, answered, not a submission
    screen,       # auto-replies, bounces, list mail, our own mail -> ignored
    attribute,    # which unit, and how we know
    classify,     # content category, confidence, reasons
    dedupe,       # resent or corrected items -> duplicate
    record,       # submissions, receipt numbers, points for submitting
    acknowledge,  # receipts and urgent alerts into the outbox
)
