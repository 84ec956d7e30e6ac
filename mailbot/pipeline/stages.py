"""The stages, in order. To add one: write a module with ``read(rt, intake)`` (before the
transaction: no database writes) and/or ``run(rt, intake)`` (in the one write transaction),
and list it here. All ``read``s run first, in this order, then all ``run``s."""

from mailbot.pipeline import acknowledge, attribute, classify, command, dedupe, parse, query, record, replies, screen

STAGES = (
    parse,        # read: raw bytes -> trusted text, received time, items | run: attachment rows
    command,      # read: an office command (采用/批示/约稿/归属/类别)? | run: done, answered, not a submission
    query,        # read: a unit's 查询 and its answer | run: answered, not a submission
    screen,       # read: auto-replies, bounces, list mail, our own mail, empty mail, a bare 收到 -> ignored
    replies,      # read: replies to our mail, forwards and bounces of it -> ignored (单位回复)
    attribute,    # read: which unit, and how we know
    classify,     # read: content category, confidence, reasons
    dedupe,       # read: fingerprints | run: resent or corrected items -> duplicate
    record,       # run: submissions, receipt numbers, points for submitting
    acknowledge,  # run: receipts and urgent alerts into the outbox
)
