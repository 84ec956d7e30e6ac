"""Reading mail: raw RFC 822 bytes of real Chinese mail -> text you can trust."""

from mailbot.reading.message import read_message
from mailbot.reading.model import Attachment, ReadingLimits, ReadMail, Unreadable
from mailbot.reading.noise import noise_reason

__all__ = [
    "Attachment",
    "ReadMail",
    "ReadingLimits",
    "Unreadable",
    "noise_reason",
    "read_message",
]
