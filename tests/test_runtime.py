"""Settings checked once, with the line of the bad key; a runtime opened explicitly."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from mailbot.config import ConfigError
from mailbot.db.models import Unit
from mailbot.retraining import load_classifier, retrain
from mailbot.runtime import Runtime
from tests.mailbox_helpers import write_config


# write_config puts two lines (timezone, data_dir) before ``extra``: lines below count them.
@pytest.mark.parametrize("extra, line, key", [
    # a nested scheme table: the line of its header
    ('[scoring]\npreset = "jilin-health"\n[scoring.adopt.points]\ncity = -5\n', 5, "scoring.adopt.points"),
    # the second [[categories]] table's misspelt key: that key's own line
    ('[[categories]]\nid = "meeting"\n[[categories]]\nid = "emergency"\ncolour = "red"\n', 7,
     "categories[1].colour"),
    # a quota naming no category: the rule is checked across tables, reported at [[classes]]
    ('[[categories]]\nid = "meeting"\n', None, "classes"),
])
def test_config_errors_name_file_line_and_key(tmp_path, extra, line, key):
    # WHEN a config with the mistake is loaded
    with pytest.raises(ConfigError) as err:
        write_config(tmp_path, extra=extra + ('[[classes]]\nid = "city"\nquotas = [{per = "month", count = 2, '
                                              'category = "research"}]\n' if key == "classes" else ""))
    # THEN the message is file:line: `key`: reason
    message = str(err.value)
    assert f"`{key}`" in message
    if line is not None:
        assert f"config.toml:{line}: `{key}`" in message


def test_rules_are_built_once_with_the_settings(tmp_path):
    settings = write_config(tmp_path, extra='[scoring]\npreset = "jilin-transport"\n')
    # THEN the scheme, calendar and taxonomy are there, and the same objects each time
    assert settings.rules.scheme.name == "jilin-transport"
    assert settings.rules is settings.rules
    assert [c.id for c in settings.rules.taxonomy][:2] == ["emergency", "meeting"]


def test_open_upgrades_and_syncs_and_trains_nothing(tmp_path):
    # WHEN a runtime is opened
    with Runtime.open(write_config(tmp_path)) as rt:
        # THEN the schema is there and the units are synced, before anything asks for them
        assert inspect(rt.db.engine).has_table("submissions")
        with rt.db.session() as s:
            assert set(s.scalars(select(Unit.id))) >= {u.id for u in rt.units}
        # AND no classifier was trained: asking for one before loading is a clear error
        assert not rt.has_classifier
        with pytest.raises(RuntimeError, match="load_classifier"):
            _ = rt.classifier
        # WHEN it is loaded, then retrained
        first = load_classifier(rt)
        assert load_classifier(rt) is first  # built once
        retrain(rt)
        # THEN retraining replaced it with a new object; the old one still works for whoever holds it
        assert rt.classifier is not first
        assert first.classify("某县发生一起食物中毒事件", "").category == rt.classifier.classify(
            "某县发生一起食物中毒事件", "").category
