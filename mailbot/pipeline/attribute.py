"""Stage: which member unit sent the item, and how we know (``unit_via``).

Order: the sender's registered address; a unit name or alias in the subject (【…】, […],
“XX市卫生局：…”); the unit's name as the From display name (``unit_via`` "address");
a 报送单位/供稿 line or “（XX供稿）” byline in the body or signature;
the same in an attachment's text.
A forward counts for the forwarder, so only the sender's address is used, never the
forwarded mail's original author.
"""

from __future__ import annotations

from mailbot.pipeline.intake import Intake
from mailbot.runtime import Runtime


def read(rt: Runtime, intake: Intake) -> None:
    mail = intake.mail
    assert mail is not None
    units = rt.units
    unit = units.unit_of_address(mail.sender)
    via = "address" if unit else None
    if unit is None and (unit := units.unit_in_subject(mail.subject)):
        via = "subject"
    if unit is None and (unit := units.find_name(mail.sender_name)):
        via = "address"  # the From header's display name, e.g. "长春市卫生局" <someone@163.com>
    if unit is None and (unit := units.unit_in_text(f"{mail.body_text}\n{mail.signature}")):
        via = "body"
    if unit is None:
        for a in mail.attachments:
            if a.text and (unit := units.unit_in_text(a.text[:3000])):
                via = "attachment"
                break
    intake.unit_id, intake.unit_via = unit, via
    if unit is None:
        for item in intake.items:
            item.status, item.status_reason = "unassigned", "no unit found (sender not registered, no unit named)"
