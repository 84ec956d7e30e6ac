"""A submission's status: the six values of CONTRACT.md and their one set of Chinese words.

Every module that shows a status in Chinese (listings, ``show``, the 通报, ``查询`` answers, command
replies) takes it from here, so an item is never 待归属 in one mail and 未识别单位 in another.
"""

from __future__ import annotations

from enum import StrEnum


class SubmissionStatus(StrEnum):
    ACCEPTED = "accepted"        # scored
    DUPLICATE = "duplicate"      # a resend or near-duplicate of an item already scored
    UNASSIGNED = "unassigned"    # no unit found yet: waits for the office's 归属
    IGNORED = "ignored"          # not an item: auto-reply, bounce, a unit's reply to our mail
    QUARANTINED = "quarantined"  # could not be processed; kept raw for `retry`
    DISMISSED = "dismissed"      # the office ruled it out (不计)


STATUS_NAMES: dict[str, str] = {
    SubmissionStatus.ACCEPTED: "已计分", SubmissionStatus.DUPLICATE: "重复稿",
    SubmissionStatus.UNASSIGNED: "待归属", SubmissionStatus.IGNORED: "不计入",
    SubmissionStatus.QUARANTINED: "处理失败", SubmissionStatus.DISMISSED: "不计分",
}


def status_name(status: str | None) -> str:
    """已计分, 重复稿, 待归属 … for a status value ('' for none; an unknown value as it is)."""
    if not status:
        return ""
    return STATUS_NAMES.get(status, status)
