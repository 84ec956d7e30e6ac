"""The start-up shortcut: the newest migration read from the files is the one Alembic runs to."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from mailbot.db.session import MIGRATIONS, Database, head_revision


def test_head_revision_is_alembics_head():
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(cfg).get_current_head()


def test_upgrade_twice_keeps_the_newest_revision(tmp_path):
    # GIVEN a fresh database brought up to date
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    db.upgrade()
    # WHEN it is opened again (the shortcut skips Alembic)
    db.upgrade()
    # THEN it is at the newest revision
    assert db.current_revision() == head_revision()
    db.engine.dispose()
