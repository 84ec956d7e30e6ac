"""How an IMAP folder's UIDs are cut into commands: fetches capped by count and bytes, and
plain chunks for the small commands (sizes, flags)."""

from __future__ import annotations

from collections.abc import Iterator


def chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def batches(uids: list[int], sizes: dict[int, int], count: int, max_bytes: int) -> Iterator[list[int]]:
    """At most ``count`` UIDs and ``max_bytes`` of bodies per batch; a bigger message goes alone."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if batch and (len(batch) >= count or total + size > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch
