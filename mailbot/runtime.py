"""The services one run needs, built once from the settings and passed in (no globals)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from mailbot.clock import Clock
from mailbot.config import Settings
from mailbot.db import Database
from mailbot.units import UnitDirectory

if TYPE_CHECKING:
    from mailbot.classify import Classifier
    from mailbot.mail.render import Renderer
    from mailbot.scoring.calendar import Calendar
    from mailbot.scoring.schemes import Scheme

log = logging.getLogger("mailbot")


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = field(default=None)  # type: ignore[assignment]
    receipts: bool = True

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = Clock(self.settings.tz)
        self.receipts = self.receipts and self.settings.receipts

    @cached_property
    def db(self) -> Database:
        from email.utils import parseaddr

        domain = parseaddr(self.settings.outgoing.from_)[1].rpartition("@")[2]
        db = Database(self.settings.database_url, self.settings.office.id, mail_domain=domain)
        db.upgrade()
        with db.transaction() as s:
            db.serialize(s, "setup")  # processes starting at once must not both insert the units
            self.units.sync(s)
        return db

    @cached_property
    def units(self) -> UnitDirectory:
        return UnitDirectory.from_settings(self.settings)

    @cached_property
    def calendar(self) -> Calendar:
        from mailbot.scoring.calendar import Calendar

        c = self.settings.calendar
        return Calendar(c.year_start, c.quarter_starts, self.settings.timezone)

    @cached_property
    def scheme(self) -> Scheme:
        from mailbot.scoring.schemes import Scheme

        data = dict(self.settings.scoring)
        if set(data) <= {"preset"}:
            return Scheme.preset(data.get("preset", "jilin-health"))
        return Scheme.from_config(data)

    @cached_property
    def classifier(self) -> Classifier:
        """The shipped model, retrained with the office's category corrections when there are any."""
        from mailbot.classify import Classifier, taxonomy_from_config
        from mailbot.retraining import office_examples

        taxonomy = taxonomy_from_config(self.settings.categories) if self.settings.categories else None
        base = Classifier.build(taxonomy=taxonomy, extra_words=self.settings.classify.extra_words)
        corrections = office_examples(self)
        return base.retrained(corrections) if corrections else base

    @cached_property
    def category_names(self) -> dict[str, str]:
        from mailbot.classify import default_taxonomy, taxonomy_from_config

        cats = taxonomy_from_config(self.settings.categories) if self.settings.categories else default_taxonomy()
        return {c.id: c.name for c in cats}

    @cached_property
    def renderer(self) -> Renderer:
        from mailbot.mail.render import Renderer

        custom = self.settings.resolve(self.settings.templates_dir) if self.settings.templates_dir else None
        return Renderer(custom)

    def close(self) -> None:
        """Close the database's pooled connections (a no-op when the database was never opened)."""
        db = self.__dict__.get("db")
        if db is not None:
            db.engine.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def archive_dir(self) -> Path:
        return self.settings.data_path / "raw"

    @property
    def attachment_dir(self) -> Path:
        return self.settings.data_path / "attachments"
