"""Stage: a registered unit's mail whose subject starts with 查询 asks for its standing.

It is answered with the unit's figures (``reports.standing``) and is not a submission.
"""

from __future__ import annotations

from mailbot.errors import Ignore
from mailbot.pipeline.intake import Intake
from mailbot.runtime import Runtime


def read(rt: Runtime, intake: Intake) -> None:
    """Recognise the query and work out the answer (database reads only)."""
    from mailbot.reports.standing import asked_period, is_query, unit_standing

    mail = intake.mail
    assert mail is not None
    unit = rt.units.unit_of_address(mail.sender)
    if not is_query(mail.subject) or unit is None:
        return
    if mail.headers.get("auto-submitted", "no").strip().lower() not in ("", "no"):
        return  # an auto-reply is screened as one
    if intake.backfill:
        raise Ignore("standing query in back-filled mail: not answered")  # old mail found at switch-on
    intake.handled_by = "query"
    standing = unit_standing(rt, unit, asked_period(rt, mail.subject))
    now = rt.clock.now().astimezone(rt.settings.tz).strftime("%Y-%m-%d %H:%M")
    intake.answer = (standing["period_name"],
                     rt.renderer.render("standing", s=standing, office=rt.settings.office, now=now))


def run(rt: Runtime, intake: Intake) -> None:
    """Queue the answer; not a submission."""
    from mailbot.mail import outbox
    from mailbot.pipeline.acknowledge import over_sender_limit

    if intake.handled_by != "query":
        return
    mail = intake.mail
    assert mail is not None and intake.answer is not None
    period, rendered = intake.answer
    if over_sender_limit(rt, intake.session, mail.sender):
        raise Ignore(f"standing query (查询 {period}): not answered, the sender's hourly limit is reached")
    outbox.queue(intake.session, kind="query", key=f"query:{intake.message.id}", recipients=[mail.sender],
                 mail=rendered, in_reply_to=mail.message_id, now=rt.clock.now())
    raise Ignore(f"standing query (查询 {period}): answered")
