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
