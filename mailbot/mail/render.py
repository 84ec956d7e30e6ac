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

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape


def shipped_templates() -> Path:
    """The ``templates/`` folder: beside the package in a checkout, inside it once installed."""
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("mailbot") / "templates"))


_ORG_SUFFIX = re.compile(r"(局|厅|委|办|科|处|室|院|中心|站|所|部|会|组|队|公司|医院|学校)$")


def salutation(person: str, unit_name: str) -> str:
    """“王丽同志：” for a person's name, “长春市卫生局：” when the display name is an office's."""
    person = (person or "").strip().strip('"')
    if re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", person) and not _ORG_SUFFIX.search(person):
        return f"{person}同志："
    return f"{unit_name or person}："


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
    env.filters["issue_label"] = lambda pub, no=None: wording.issue_label(pub, no)
    env.filters["text_table"] = lambda rows, columns, indent="　　": table(
        rows, [(c["key"], c["heading"]) if isinstance(c, dict) else tuple(c) for c in columns], None, indent)
    env.filters["text_bars"] = text_bars


@dataclass
class Rendered:
    subject: str
    text: str
    html: str | None


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
            html = self.env.get_template(f"{kind}/body.html.j2").render(**context)
        except Exception as e:  # HTML is optional; a plain-text mail is fine
            from jinja2 import TemplateNotFound

            if not isinstance(e, TemplateNotFound):
                raise
            html = None
        return Rendered(subject, text, html)
