"""What the wheel carries: every package of the tree, and the top-level templates/ as mailbot.templates."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _listed() -> tuple[list[str], dict[str, str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    return config["packages"], config.get("package-dir", {})


def _folders_with_files(top: Path, name: str) -> set[str]:
    out = set()
    for folder in [top, *(p for p in top.rglob("*") if p.is_dir())]:
        if "__pycache__" in folder.parts or not any(f.is_file() for f in folder.iterdir()):
            continue
        rel = folder.relative_to(top)
        out.add(".".join([name, *rel.parts]))
    return out


def test_every_folder_of_the_package_is_listed_in_pyproject():
    # GIVEN the explicit package list (needed to map templates/ into the package)
    packages, mapping = _listed()
    # THEN every folder holding files under mailbot/ and templates/ is shipped, and nothing else is listed
    tree = _folders_with_files(ROOT / "mailbot", "mailbot")
    templates = {p for p in _folders_with_files(ROOT / "templates", "mailbot.templates") if p == "mailbot.templates"}
    assert set(packages) == tree | templates, "pyproject.toml [tool.setuptools] packages is out of date"
    assert mapping == {"mailbot.templates": "templates"}


def test_templates_are_found_in_one_place():
    from mailbot.mail.render import shipped_templates

    assert shipped_templates().resolve() == (ROOT / "templates").resolve()
    assert (shipped_templates() / "receipt" / "subject.j2").is_file()
