"""Jinja2 rendering of the mails in ``templates/<kind>/{subject,body.txt,body.html}.j2``.

The office may point ``templates_dir`` at its own copy; any template missing there falls
back to the shipped one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape


def shipped_templates() -> Path:
    """The shipped ``templates/`` folder: the package ``mailbot.templates`` (pyproject.toml maps it)."""
    return Path(str(resources.files("mailbot.templates")))


_ORG_SUFFIX = re.compile(r"(局|厅|委|办|科|处|室|院|中心|站|所|部|会|组|队|公司|医院|学校|单位)$")
# Titles people sign with: “张主任” is greeted as such, never “张主任同志”.
_TITLE = re.compile(r"(主任|副主任|科长|处长|局长|厅长|部长|书记|主席|秘书|秘书长|院长|所长|站长|组长|队长|"
                    r"经理|老师|馆长|校长|主管|干事|调研员|巡视员|同志|先生|女士)$")
_PERSON = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8}")


def salutation(person: str, unit_name: str, registered: str = "") -> str:
    """The greeting of a mail to an officer: “赵敏同志：”, “张主任：”, or the unit's name.

    ``registered`` (the officer register's name) wins over ``person`` (the From display
    name). Simplified characters always; never a doubled 同志 and never a title plus 同志;
    an office's name, or anything that is not a person's name, greets the unit.
    """
    from mailbot.text.chinese import simplified

    unit = simplified(unit_name or "").strip()
    for raw in (registered, person):
        name = simplified(re.sub(r"\s+", "", (raw or "").strip().strip('"\'')))
        while name.endswith("同志"):
            name = name[:-2]
        if not name or _ORG_SUFFIX.search(name) or (unit and (name in unit or unit in name)):
            continue
        if is_titled_person(name):
            return f"{name}："
        if _PERSON.fullmatch(name) and not _TITLE.search(name) and not name.endswith("员"):  # 信息员, 联络员: a role
            return f"{name}同志："
    return f"{unit or simplified(person or '').strip()}："


def is_titled_person(name: str) -> bool:
    """“张主任”: a surname with a title."""
    title = _TITLE.search(name)
    return bool(title and _PERSON.fullmatch(name) and len(name) > len(title.group(1)) and title.group(1) != "同志")


def duration(minutes: int) -> str:
    """A delay as an office clerk would say it."""
    if minutes < 60:
        return f"{minutes} 分钟"
    if minutes < 48 * 60:
        h, m = divmod(minutes, 60)
        return f"{h} 小时" + (f" {m} 分钟" if m else "")
    return f"{minutes // (24 * 60)} 天"


BAR_CHARS = 24  # the longest bar of a text chart, in full-width blocks


def text_bars(bars: list[dict[str, Any]], mark: str | None = None, indent: str = "　　") -> str:
    """A bar chart for the text part: the same names and values as the HTML chart, bars of █."""
    from mailbot.reports.texttable import pad, width

    w = max((width(b["name"]) for b in bars), default=0)
    lines = []
    for b in bars:
        n = round(b["pct"] * BAR_CHARS / 100)
        flag = "▶" if mark and b.get("unit") == mark else "　"
        lines.append(f"{indent}{flag}{pad(b['name'], w)} {'█' * n}{' ' if n else ''}{b['value']}")
    return "\n".join(lines)


def _add_report_helpers(env: Environment) -> None:
    from mailbot.reports import wording
    from mailbot.reports.texttable import table

    env.filters["period_title"] = wording.period_title
    env.filters["period_span"] = wording.period_span
    env.filters["cn_date"] = wording.cn_date
    env.globals["cn_span"] = wording.cn_span
    env.filters["issue_label"] = lambda pub, no=None: wording.issue_label(pub, no)
    env.filters["text_table"] = lambda rows, columns, indent="　　": table(
        rows, [(c["key"], c["heading"]) if isinstance(c, dict) else tuple(c) for c in columns], None, indent)
    env.filters["text_bars"] = text_bars


@dataclass
class Rendered:
    subject: str
    text: str
    html: str | None  # every kind has one (its own body.html.j2, else _plain.html.j2); None only if built by hand


class Renderer:
    def __init__(self, custom_dir: Path | None = None):
        loaders = [FileSystemLoader(str(custom_dir))] if custom_dir else []
        loaders.append(FileSystemLoader(str(shipped_templates())))
        self.env = Environment(loader=ChoiceLoader(loaders), undefined=StrictUndefined, trim_blocks=True,
                               lstrip_blocks=True, keep_trailing_newline=True,
                               autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False))
        self.env.filters["local"] = lambda dt, fmt="%Y-%m-%d %H:%M": dt.strftime(fmt) if dt else ""
        self.env.filters["duration"] = duration
        self.env.globals["salutation"] = salutation
        _add_report_helpers(self.env)

    def render(self, kind: str, **context: Any) -> Rendered:
        subject = self.env.get_template(f"{kind}/subject.j2").render(**context).strip().replace("\n", " ")
        text = self.env.get_template(f"{kind}/body.txt.j2").render(**context)
        try:
            template = self.env.get_template(f"{kind}/body.html.j2")
        except TemplateNotFound:
            # No layout of its own: the text part itself, laid out (mailbot.mail.plain_html).
            from mailbot.mail.plain_html import blocks

            html = self.env.get_template("_plain.html.j2").render(title=subject, blocks=blocks(text))
        else:
            html = template.render(**context)
        return Rendered(subject, text, html)
