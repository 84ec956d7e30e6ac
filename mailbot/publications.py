"""The ``[[publications]]`` tables: the bulletins whose issues record adoptions.

Each names a publication as the office writes it (《吉林卫生信息》), the other names it goes by,
the adoption level an article in it earns, optionally the scheme's column (``kind``) and how
far back its editors take items from (``window_days``). Light: the config reads it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator


class PublicationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    aliases: list[str] = []
    level: str = Field(min_length=1)
    kind: str | None = None
    # Items received this many days before the issue date (and not after it) are its candidates.
    window_days: int = Field(90, gt=0, le=1000)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not plain_name(v):
            raise ValueError("a publication needs a name, e.g. \"吉林卫生信息\"")
        return v.strip()

    @property
    def title(self) -> str:
        """The name as printed: 《吉林卫生信息》."""
        return f"《{plain_name(self.name)}》"


def plain_name(name: str) -> str:
    """A publication's name without 《》, quotes or spaces: 《 吉林卫生信息 》 -> 吉林卫生信息."""
    return re.sub(r"[\s《》〈〉<>\"“”'‘’]", "", name or "")


def find_publication(publications: list[PublicationSettings], name: str) -> PublicationSettings | None:
    """The configured publication a name or alias denotes (brackets and spaces ignored)."""
    want = plain_name(name).lower()
    if not want:
        return None
    for p in publications:
        if want in (plain_name(n).lower() for n in (p.name, *p.aliases)):
            return p
    return None


def check_publications(publications: list[PublicationSettings], levels: list[str], kinds: list[str]) -> str | None:
    """What is wrong with the tables against the scoring scheme (None when nothing is)."""
    seen: dict[str, str] = {}
    for p in publications:
        if p.level not in levels:
            return f"publication {p.name!r}: level {p.level!r} is not an adoption level; valid: {', '.join(levels)}"
        if p.kind is not None and p.kind not in kinds:
            return (f"publication {p.name!r}: kind {p.kind!r} is not a column of the scheme; "
                    f"valid: {', '.join(kinds) or '(none)'}")
        for n in (p.name, *p.aliases):
            key = plain_name(n).lower()
            if key in seen and seen[key] != p.name:
                return f"publication name {n!r} is used by both {seen[key]!r} and {p.name!r}"
            seen[key] = p.name
    return None
