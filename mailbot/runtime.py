"""The services of one run, opened once from the settings and passed in (no globals).

``Runtime.open`` does all the start-up work in one place: the schema is upgraded and the
units synced before anything else runs. Nothing is built on first touch, with two named
exceptions: the classifier, which takes seconds to train and which only the intake needs
(``mailbot.retraining.load_classifier`` builds it, outside any database transaction, and
``retrain`` replaces it with a new object); and the mail renderer (Jinja2), which commands that
only read never need.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailbot.clock import Clock
from mailbot.config import Rules, Settings
from mailbot.db import Database
from mailbot.units import UnitDirectory

if TYPE_CHECKING:
    from mailbot.classify.classifier import Classifier
    from mailbot.classify.taxonomy import CategorySpec
    from mailbot.mail.render import Renderer
    from mailbot.scoring.calendar import Calendar
    from mailbot.scoring.schemes import Scheme

log = logging.getLogger("mailbot")


def units_in_sync(db: Database, units: UnitDirectory) -> bool:
    """Whether the units and officers tables already say what ``UnitDirectory.sync`` would write:
    every configured unit active with its name, class and aliases, no other unit active, and
    exactly the configured addresses as officers, each for its unit (with its configured name)."""
    from sqlalchemy import select

    from mailbot.db.models import Officer, Unit

    with db.engine.connect() as conn:
        rows = conn.execute(select(Unit.id, Unit.name, Unit.class_id, Unit.aliases, Unit.active)).all()
        officers = {email: (unit_id, name) for email, unit_id, name in
                    conn.execute(select(Officer.email, Officer.unit_id, Officer.name))}
    stored = {r.id: r for r in rows}
    if {r.id for r in rows if r.active} != set(units.units):
        return False
    for info in units:
        row = stored[info.id]
        if (row.name, row.class_id, list(row.aliases or [])) != (info.name, info.class_id, list(info.aliases)):
            return False
    wanted = {e: info for info in units for e in info.emails}
    if officers.keys() != wanted.keys() or sum(len(info.emails) for info in units) != len(wanted):
        return False
    for email, info in wanted.items():
        unit_id, name = officers[email]
        if unit_id != info.id or (email in info.officer_names and name != info.officer_names[email]):
            return False
    return True


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    db: Database
    units: UnitDirectory
    receipts: bool = True
    _renderer: Renderer | None = field(default=None, repr=False)
    _classifier: Classifier | None = field(default=None, repr=False)
    # Parsed fingerprints of stored items, (submission id, hex prefix) -> Fingerprint: a cache
    # for this database only (the dedupe stage fills it).
    fingerprints: dict[tuple[int, str], Any] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None, receipts: bool = True) -> Runtime:
        """Connect, upgrade the schema, sync the units from the config: everything a run needs first."""
        from email.utils import parseaddr

        domain = parseaddr(settings.outgoing.from_)[1].rpartition("@")[2]
        clock = clock or Clock(settings.tz)
        db = Database(settings.database_url, settings.office.id, mail_domain=domain, now=clock.now)
        units = UnitDirectory.from_settings(settings)
        with db.exclusive("setup"):  # processes starting at once take turns
            db.upgrade()
            if not units_in_sync(db, units):  # most starts: nothing to write, no ORM objects loaded
                with db.transaction() as s:
                    units.sync(s)
        return cls(settings=settings, clock=clock, db=db, units=units, receipts=receipts and settings.receipts)

    @property
    def renderer(self) -> Renderer:
        """The mail templates (shipped, and the office's own ``templates_dir`` first), built when
        a command first renders a mail: commands that only read (submissions, tally) skip Jinja2."""
        if self._renderer is None:
            from mailbot.mail.render import Renderer

            s = self.settings
            self._renderer = Renderer(s.resolve(s.templates_dir) if s.templates_dir else None)
        return self._renderer

    # -- the rules, built once with the settings ----------------------------------
    @property
    def rules(self) -> Rules:
        return self.settings.rules

    @property
    def calendar(self) -> Calendar:
        return self.settings.rules.calendar

    @property
    def scheme(self) -> Scheme:
        return self.settings.rules.scheme

    @property
    def taxonomy(self) -> list[CategorySpec]:
        return self.settings.rules.taxonomy

    @property
    def category_names(self) -> dict[str, str]:
        return self.settings.rules.category_names

    # -- the classifier ----------------------------------------------------------
    @property
    def classifier(self) -> Classifier:
        """The current classifier; ``mailbot.retraining.load_classifier(rt)`` must have run."""
        if self._classifier is None:
            raise RuntimeError("no classifier loaded: call mailbot.retraining.load_classifier(rt) first")
        return self._classifier

    @property
    def has_classifier(self) -> bool:
        return self._classifier is not None

    def use_classifier(self, classifier: Classifier) -> None:
        """Replace the classifier (a retrain builds a new one; items already classified keep theirs)."""
        self._classifier = classifier

    # -- lifetime ------------------------------------------------------------------
    def close(self) -> None:
        """Close the database's pooled connections."""
        self.db.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @cached_property
    def archive_dir(self) -> Path:
        return self.settings.data_path / "raw"

    @cached_property
    def attachment_dir(self) -> Path:
        return self.settings.data_path / "attachments"
