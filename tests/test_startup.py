"""What the everyday commands load at start, and the schema and units checks that let them skip work.

Speed itself is measured by benchmarks/cli_startup.py and benchmarks/tally_scale.py; these tests
hold what makes it: a light command imports no model, template, workbook, mail-server or
migration code, and the start-up shortcuts still upgrade a database that is behind and still
write the units when the config changed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from mailbot.config import load_settings
from mailbot.db import Database
from mailbot.db.models import Officer, Unit
from mailbot.db.session import MIGRATIONS, head_revision
from mailbot.runtime import Runtime, units_in_sync
from mailbot.units import UnitDirectory
from tests.mailbox_helpers import item_mail, write_config

HEAVY = ("jieba", "sklearn", "scipy", "numpy", "datasketch", "jinja2", "openpyxl", "imapclient", "apscheduler",
         "alembic", "mako", "docx", "pdfminer", "bs4", "mailbot.classify.classifier", "mailbot.pipeline")

PROBE = """
import json, sys
from mailbot.cli import main
try:
    main(sys.argv[2:], prog_name="mailbot")
except SystemExit as e:
    code = e.code
with open(sys.argv[1], "w") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""


def loaded_by(tmp_path: Path, *args: str) -> set[str]:
    """The modules a fresh ``mailbot ARGS`` process had imported when it finished (exit 0)."""
    out = tmp_path / "modules.json"
    subprocess.run([sys.executable, "-c", PROBE, str(out), *args], check=True, cwd=tmp_path,
                   stdout=subprocess.DEVNULL)
    result = json.loads(out.read_text())
    assert result["code"] in (0, None)
    return set(result["modules"])


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or any(m.startswith(h + ".") or m == h
                                                                       for h in HEAVY))


def test_light_commands_import_no_models_templates_or_migrations(tmp_path):
    # GIVEN a database with one item in it (the first command created the schema)
    write_config(tmp_path)
    (tmp_path / "mail" / "1.eml").write_bytes(item_mail(1))
    cfg = str(tmp_path / "config.toml")
    subprocess.run([sys.executable, "-m", "mailbot", "--config", cfg, "ingest", "mail"], check=True, cwd=tmp_path,
                   capture_output=True)
    # WHEN the everyday commands run, each in a fresh process
    for args in (["submissions"], ["submissions", "--format", "json"], ["tally", "--period", "2026Q1"],
                 ["tally", "--period", "2026", "--format", "csv"], ["check-config"]):
        # THEN none loaded jieba, scikit-learn, the templates, openpyxl, the IMAP client, the
        # scheduler or Alembic (the schema is at the newest revision)
        assert heavy(loaded_by(tmp_path, "--config", cfg, *args)) == [], args


def test_help_imports_no_database_code(tmp_path):
    modules = loaded_by(tmp_path, "--help")
    assert not any(m == "sqlalchemy" or m.startswith(("sqlalchemy.", "pydantic", "mailbot.db")) for m in modules)


def _alembic(rt: Runtime, revision: str, verb=command.upgrade) -> None:
    with rt.db.engine.begin() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        verb(cfg, revision)


def test_a_database_behind_the_newest_migration_is_upgraded_at_start(tmp_path):
    # GIVEN a database an older mailbot left: one migration behind the files' newest
    settings = write_config(tmp_path)
    with Runtime.open(settings) as rt:
        _alembic(rt, "-1", command.downgrade)
        assert rt.db.current_revision() != head_revision()
    # WHEN this mailbot opens it
    with Runtime.open(settings) as rt:
        # THEN it is at the newest revision, with what that migration adds
        assert rt.db.current_revision() == head_revision()
        with rt.db.session() as s:
            s.execute(select(text("correction")).select_from(text("submissions"))).all()


def test_a_new_database_is_created_and_one_at_head_is_left_alone(tmp_path):
    settings = write_config(tmp_path)
    with Runtime.open(settings) as rt:  # first run: created
        assert rt.db.current_revision() == head_revision()
    with Runtime.open(settings) as rt:  # second run: the stored revision is the newest one
        assert rt.db.current_revision() == head_revision()


def _tables(rt: Runtime) -> tuple[dict, dict]:
    with rt.db.session() as s:
        units = {u.id: (u.name, u.class_id, list(u.aliases), u.active) for u in s.scalars(select(Unit))}
        officers = {o.email: (o.unit_id, o.name) for o in s.scalars(select(Officer))}
    return units, officers


def test_units_are_written_when_the_config_changes_and_only_then(tmp_path):
    # GIVEN a database whose units were synced from the config
    settings = write_config(tmp_path)
    with Runtime.open(settings) as rt:
        assert units_in_sync(rt.db, rt.units)
        before = _tables(rt)
    # WHEN it is opened again with the same config: nothing differs, nothing to write
    with Runtime.open(settings) as rt:
        assert _tables(rt) == before
    # WHEN a unit is renamed and given another address, and another unit dropped from the config
    path = tmp_path / "config.toml"
    source = path.read_text(encoding="utf-8")
    changed = source.replace('name = "长春市卫生局"', 'name = "长春市卫生健康委员会"').replace(
        'emails = ["xxy@ccws.example.gov.cn"]', 'emails = ["xxy@ccws.example.gov.cn", "new@ccws.example.gov.cn"]')
    dropped = changed.replace('[[units]]\nid = "jilin"\nname = "吉林市卫生局"\nclass = "city"\n'
                              'emails = ["jlsws@example.gov.cn"]\n', "")
    assert dropped != changed != source
    path.write_text(dropped, encoding="utf-8")
    settings = load_settings(path)
    db = Database(settings.database_url, settings.office.id)
    assert not units_in_sync(db, UnitDirectory.from_settings(settings))
    db.engine.dispose()
    with Runtime.open(settings) as rt:
        units, officers = _tables(rt)
        # THEN the tables say what the config says (the dropped unit kept, inactive: history)
        assert units["changchun"][0] == "长春市卫生健康委员会"
        assert units["jilin"][3] is False
        assert officers["new@ccws.example.gov.cn"][0] == "changchun"
        assert "jlsws@example.gov.cn" not in officers
        assert units_in_sync(rt.db, rt.units)
