"""The member units and their officers: who may speak for whom, and how units are named."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.config import Settings
from mailbot.db.models import Officer, Unit
from mailbot.text import folded, strip_reply_prefixes


@dataclass(frozen=True)
class UnitInfo:
    id: str
    name: str
    class_id: str
    aliases: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    officer_names: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


class UnitDirectory:
    """Lookups over the configured units: by address, and by a name or alias found in text."""

    def __init__(self, units: list[UnitInfo]):
        self.units = {u.id: u for u in units}
        self.by_email: dict[str, str] = {}
        for u in units:
            for e in u.emails:
                self.by_email[e.lower()] = u.id
        # Longest names first, so 吉林市交通运输局 wins over 交通运输局.
        names: list[tuple[str, str]] = []
        for u in units:
            for n in {u.name, *u.aliases}:
                if n:
                    names.append((folded(n), u.id))
        self._names = sorted(names, key=lambda p: -len(p[0]))

    @classmethod
    def from_settings(cls, settings: Settings) -> UnitDirectory:
        infos = []
        for u in settings.units:
            emails = list(u.emails) + [o.email.lower() for o in u.officers]
            infos.append(UnitInfo(u.id, u.name, u.class_, tuple(u.aliases), tuple(dict.fromkeys(emails)),
                                  {o.email.lower(): o.name for o in u.officers}))
        return cls(infos)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.units

    def __iter__(self):
        return iter(self.units.values())

    def get(self, unit_id: str | None) -> UnitInfo | None:
        return self.units.get(unit_id) if unit_id else None

    def unit_of_address(self, address: str) -> str | None:
        return self.by_email.get((address or "").strip().lower())

    def find_name(self, text: str) -> str | None:
        """The unit whose name or alias appears in ``text`` (longest match wins)."""
        if not text:
            return None
        t = folded(text)
        for name, unit_id in self._names:
            if name in t:
                return unit_id
        return None

    # Subject forms: 【XX市卫生局】…, [XX市卫生局]…, XX市卫生局：…
    _BRACKETS = re.compile(r"[【\[［〔(（]([^】\]］〕)）]{2,40})[】\]］〕)）]")
    _PREFIX = re.compile(r"^([^：:]{2,40})[：:]")  # after the reply/forward prefixes
    _BODY_LINE = re.compile(r"^\s*(?:报送单位|来稿单位|供稿单位|单位名称|信息来源|稿件来源|供稿|来稿|单位)\s*[:：]\s*(.{2,60})$",
                            re.M)
    # “（吉林市卫生局供稿）”, “（长春市卫生局 张三 报送）” on a line of its own
    _BYLINE = re.compile(r"^\s*[（(]([^（()）]{2,50})(?:供稿|报送|来稿|提供)[)）]\s*$", re.M)

    def unit_in_subject(self, subject: str) -> str | None:
        for m in self._BRACKETS.finditer(subject or ""):
            if u := self.find_name(m.group(1)):
                return u
        lead = self._PREFIX.match(strip_reply_prefixes(subject))
        if lead and (u := self.find_name(lead.group(1))):
            return u
        return self.find_name(subject)

    def unit_in_text(self, text: str) -> str | None:
        """A 报送单位/单位/供稿 line, or a “（XX供稿）” byline, in a body, signature or attachment.

        A unit merely mentioned in running text is not enough: items often name other units.
        """
        for pattern in (self._BODY_LINE, self._BYLINE):
            for m in pattern.finditer(text or ""):
                if u := self.find_name(m.group(1)):
                    return u
        return None

    def sync(self, session: Session) -> None:
        """Make the units and officers tables match the config (units are never deleted: history)."""
        existing = {u.id: u for u in session.scalars(select(Unit))}
        for info in self.units.values():
            row = existing.get(info.id) or Unit(id=info.id)
            row.name, row.class_id, row.aliases, row.active = info.name, info.class_id, list(info.aliases), True
            session.add(row)
        for uid, row in existing.items():
            if uid not in self.units:
                row.active = False
        session.flush()
        officers = {o.email: o for o in session.scalars(select(Officer))}
        for info in self.units.values():
            for e in info.emails:
                o = officers.pop(e, None) or Officer(email=e)
                o.unit_id, o.name = info.id, info.officer_names.get(e, o.name or "")
                session.add(o)
        for stale in officers.values():
            session.delete(stale)
