"""The command line: contract exit codes, one-line errors, help on every command."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from mailbot import __version__
from mailbot.cli import main
from tests.mailbox_helpers import item_mail, write_config


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_version_and_python_dash_m():
    assert __version__ in run("--version").output
    p = subprocess.run([sys.executable, "-m", "mailbot", "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and __version__ in p.stdout


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help(name):
    cmd = main.commands[name]
    assert cmd.help and cmd.help.strip(), f"`mailbot {name}` has no help text"
    assert run(name, "--help").exit_code == 0


CJK = re.compile(r"[\u4e00-\u9fff]")


def _chinese(text: str | None, at_least: int = 2) -> bool:
    return len(CJK.findall(text or "")) >= at_least


@pytest.mark.parametrize("name", ["", *sorted(main.commands)])
def test_help_is_in_chinese_and_keeps_the_english_names(name):
    """The clerk reads `mailbot 命令 --help`: the command's line in `mailbot --help`, its description and
    every option say what they do in Chinese; command and option names stay English (CONTRACT.md)."""
    cmd = main.commands[name] if name else main
    ctx = click.Context(cmd, info_name=name or "mailbot")
    assert _chinese(cmd.get_short_help_str(limit=80), 4), f"`mailbot --help` lists {name!r} without Chinese"
    out = run(*([name] if name else []), "--help").output
    assert _chinese(out.split("Options:")[0], 4), out
    for param in cmd.get_params(ctx):
        if isinstance(param, click.Option):
            assert _chinese(param.help), f"mailbot {name} {'/'.join(param.opts)}: help has no Chinese: {param.help!r}"
            assert all(o.startswith("-") and o.isascii() for o in param.opts)  # names scripts rely on
            assert param.opts[-1] in out or param.opts[0] in out
    if not name:  # the command names are listed as they are spelt
        assert all(c in out for c in main.commands)


def test_missing_config_exits_2_with_one_line(tmp_path):
    r = CliRunner().invoke(main, ["--config", str(tmp_path / "nope.toml"), "submissions"])
    assert r.exit_code == 2
    assert "not found" in r.output and len(r.output.strip().splitlines()) == 1


def test_bad_key_names_key_and_line(tmp_path):
    write_config(tmp_path)
    cfg = tmp_path / "config.toml"
    text = cfg.read_text(encoding="utf-8").replace('path = "mail"', 'path = "mail"\npoll_minutes = "often"')
    cfg.write_text(text, encoding="utf-8")
    line = text.splitlines().index('poll_minutes = "often"') + 1
    r = CliRunner().invoke(main, ["--config", str(cfg), "submissions"])
    assert r.exit_code == 2
    assert "source.poll_minutes" in r.output and f"config.toml:{line}" in r.output


def test_unknown_key_and_toml_syntax_error(tmp_path):
    write_config(tmp_path)
    cfg = tmp_path / "config.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("[office]", "[office]\nadmin = []"), encoding="utf-8")
    r = CliRunner().invoke(main, ["--config", str(cfg), "submissions"])
    assert r.exit_code == 2 and "office.admin" in r.output and "unknown key" in r.output
    cfg.write_text("timezone = \n", encoding="utf-8")
    r = CliRunner().invoke(main, ["--config", str(cfg), "submissions"])
    assert r.exit_code == 2 and "not valid TOML" in r.output


def test_missing_secret_env_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_PASSWORD", raising=False)
    write_config(tmp_path, source='[source]\nkind = "imap"\nhost = "127.0.0.1"\nport = 1\ntls = false\n'
                                  'username = "u"\npassword_env = "NO_SUCH_PASSWORD"\n')
    r = CliRunner().invoke(main, ["--config", str(tmp_path / "config.toml"), "poll"])
    assert r.exit_code == 2 and "NO_SUCH_PASSWORD" in r.output


def test_ingest_then_submissions_json_and_filters(tmp_path):
    write_config(tmp_path)
    (tmp_path / "mail" / "1.eml").write_bytes(item_mail(1))
    cfg = str(tmp_path / "config.toml")
    assert run("--config", cfg, "ingest", str(tmp_path / "mail")).exit_code == 0
    rows = json.loads(run("--config", cfg, "submissions", "--format", "json").output)
    assert [r["status"] for r in rows] == ["accepted"]
    assert json.loads(run("--config", cfg, "submissions", "--period", "2026Q2", "--format", "json").output) == []
    assert len(json.loads(run("--config", cfg, "submissions", "--period", "2026-03", "--format", "json").output)) == 1
    bad = CliRunner().invoke(main, ["--config", cfg, "submissions", "--period", "2026Q5"])
    assert bad.exit_code == 2 and "2026Q5" in bad.output
    csv_out = run("--config", cfg, "submissions", "--format", "csv", "--header", "ids").stdout_bytes
    lines = csv_out.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("receipt,") and len(lines) == 2


@pytest.mark.parametrize("table, needle", [
    ('[calendar]\nyear_start = "13-40"\n', "calendar"),
    ('[scoring]\npreset = "jilin-galaxy"\n', "scoring.preset"),
    ('[[categories]]\nid = "emergency"\ncolour = "red"\n', "categories[0].colour"),
    ('[scoring.adopt.points]\ncity = -5\n', "scoring.adopt.points"),
])
def test_bad_rules_are_refused_at_start(tmp_path, table, needle):
    from mailbot.config import ConfigError

    with pytest.raises(ConfigError):
        write_config(tmp_path, extra=table)  # the helper loads the file too
    r = CliRunner().invoke(main, ["--config", str(tmp_path / "config.toml"), "submissions"])
    assert r.exit_code == 2 and f"`{needle}`" in r.output and "config.toml:" in r.output


@pytest.mark.sqlite_only("the fault is a corrupt SQLite file; PostgreSQL keeps no file the test could spoil")
def test_a_failure_that_is_no_usage_error_exits_1_in_one_line(tmp_path):
    # GIVEN a database file that is not a database (a fault, not the user's mistake)
    write_config(tmp_path)
    (tmp_path / "mailbot.db").write_bytes(b"not a database " * 20)
    # WHEN a command opens it
    r = CliRunner().invoke(main, ["--config", str(tmp_path / "config.toml"), "tally", "--period", "2026Q1"])
    # THEN it fails with exit 1 (not 2, "bad usage") and one line naming the error
    assert r.exit_code == 1
    assert r.output.startswith("mailbot: failed: DatabaseError:") and len(r.output.strip().splitlines()) == 1
