"""Stage: mail from an office admin whose subject starts with a command word is a command.

It is carried out (or refused), answered, logged, and not counted as a submission.
``read`` only recognises it (before ``screen``: an admin is often in [office] emails too,
which ``screen`` sets aside as our own mail); ``run`` authenticates and carries it out.
"""

from __future__ import annotations

from mailbot.errors import Ignore
from mailbot.pipeline.intake import Intake
from mailbot.runtime import Runtime


def read(rt: Runtime, intake: Intake) -> None:
    from mailbot import office_commands

    mail = intake.mail
    assert mail is not None
    if mail.sender not in rt.settings.office.admins or not office_commands.looks_like_command(mail.subject):
        return
    if mail.headers.get("auto-submitted", "no").strip().lower() not in ("", "no"):
        return  # an auto-reply quoting a command is not a command
    if intake.backfill:
        # Old mail found at switch-on: a command from before mailbot ran is not carried out now.
        raise Ignore("office command in back-filled mail: not carried out")
    intake.handled_by = "command"


def run(rt: Runtime, intake: Intake) -> None:
    from mailbot import office_commands

    if intake.handled_by != "command":
        return
    office_commands.handle(rt, intake)
    raise Ignore("office command")
