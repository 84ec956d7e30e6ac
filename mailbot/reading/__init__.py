"""Reading mail: raw RFC 822 bytes of real Chinese mail -> text you can trust."""

from mailbot.reading.items import is_item_attachment, split_cover_and_items
from mailbot.reading.message import read_message
from mailbot.reading.model import Attachment, ReadingLimits, ReadMail, Unreadable, to_simplified
from mailbot.reading.noise import noise_reason

__all__ = [
    "Attachment",
    "ReadMail",
    "ReadingLimits",
    "Unreadable",
    "is_item_attachment",
    "noise_reason",
    "read_message",
    "split_cover_and_items",
    "to_simplified",
]
