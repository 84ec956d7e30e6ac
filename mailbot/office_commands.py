"""Office commands by mail (采用/批示/约稿/归属/类别). Placeholder until the records layer lands."""

from __future__ import annotations

COMMAND_WORDS = ("采用", "批示", "约稿", "归属", "类别", "adopt", "instruct", "commission", "assign", "category")


def looks_like_command(subject: str) -> bool:
    first = (subject or "").strip().split(maxsplit=1)
    return bool(first) and first[0].lower() in COMMAND_WORDS


def handle(rt, intake) -> None:  # pragma: no cover - replaced by the records layer
    raise NotImplementedError("office commands are not available yet")
