"""Stage: auto-replies, bounces, list mail and our own mail are not submissions."""

from __future__ import annotations

from mailbot.errors import Ignore
from mailbot.pipeline.intake import Intake
from mailbot.reading import noise_reason
from mailbot.runtime import Runtime


def read(rt: Runtime, intake: Intake) -> None:
    assert intake.mail is not None
    reason = noise_reason(intake.mail, rt.settings.own_addresses)
    if reason:
        raise Ignore(reason)
    if not intake.mail.sender:
        raise Ignore("no sender address")
