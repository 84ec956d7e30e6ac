"""Stage: auto-replies, bounces, list mail, our own mail, empty mail and a bare “收到” are not submissions."""

from __future__ import annotations

import re

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
    mail = intake.mail
    if not mail.attachments and not (mail.body_text.strip() or mail.quoted_text.strip() or mail.signature.strip()):
        raise Ignore("empty mail: no body and no attachment")
    if not mail.attachments and _ACK.fullmatch(_squeeze(mail.body_text)):
        raise Ignore("acknowledgement only (收到), not an item")


# A one-line acknowledgement: “收到”, “已收到，谢谢！”, “好的”, “OK”.
_ACK = re.compile(r"(已|已经)?(收到|收悉|阅|知道)(了|啦)?(谢谢|多谢|感谢)?(您|你)?|好的?(谢谢)?|谢谢|ok|okay|thanks?", re.I)


def _squeeze(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text or "")
