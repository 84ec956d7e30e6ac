"""Shared output: --format table|json|csv, printed the same way by every listing command."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click


def format_option(*choices: str, default: str = "table"):
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True,
                        help="输出格式：table 表格，json 供脚本使用，csv 用 Excel 打开，xlsx 可打印的工作簿 (output format).")


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], max_width: int = 40) -> str:
    """A plain text table whose columns line up with Chinese text (double-width characters)."""
    from mailbot.reports.texttable import table as text_table

    return text_table(rows, columns, max_width)


# A cell Excel would take as a formula (or DDE): =HYPERLINK(...), +cmd, -2+3, @SUM, and tab/CR tricks.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """One CSV cell as Excel should see it: lists and objects flattened, formulas made text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value  # numbers stay numbers, negative ones included
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(csv_cell(v)) for v in value)
    elif isinstance(value, dict):
        value = "; ".join(f"{k}={csv_cell(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text  # OWASP: a leading apostrophe makes Excel show the text, not run it
    return text


def to_csv(rows: Iterable[dict[str, Any]], columns: list[str] | list[tuple[str, str]],
           header: str = "names") -> bytes:
    """CSV that opens in Chinese Excel: UTF-8 with a BOM, CRLF, Chinese headings (``header="ids"``: keys).

    ``columns`` are keys, or (key, heading) pairs; formulas are neutralised and JSON-ish cells flattened.
    """
    pairs = [(c, c) if isinstance(c, str) else c for c in columns]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([key if header == "ids" else heading for key, heading in pairs])
    for r in rows:
        w.writerow([csv_cell(r.get(key)) for key, _ in pairs])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def echo_bytes(data: bytes) -> None:
    """Write bytes to stdout as they are: a GB18030 terminal locale must not re-encode the UTF-8 CSV."""
    import sys

    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    if out is None:  # a text-only stream (some embedders): the best we can do
        click.echo(data.decode("utf-8"), nl=False)
        return
    out.write(data)
    out.flush()


def header_option():
    return click.option("--header", "header", type=click.Choice(["names", "ids"]), default="names",
                        show_default=True, help="CSV 表头：names 中文列名；ids 英文键名（供脚本使用）。")


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def preview_option():
    """``--preview DIR`` (CONTRACT.md) for a command that sends mail."""
    return click.option("--preview", "preview", metavar="DIR", type=click.Path(path_type=Path, file_okay=False),
                        help="预览：不发送、不记录，把要发出的邮件写成 .eml 和 .html（及附件）放进 DIR "
                             "(write the mail it would send into DIR; send and record nothing).")


@contextmanager
def sending(rt, preview: Path | None) -> Iterator[Any]:
    """The block runs for real (yields None), or, with ``--preview DIR``, is rehearsed: the mail it
    queues is written into DIR and everything it did is undone (yields the ``Rehearsal``)."""
    if preview is None:
        yield None
        return
    from mailbot.mail.preview import rehearse

    with rehearse(rt, preview) as r:
        yield r
    click.echo(r.line(), err=True)
