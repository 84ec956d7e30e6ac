"""Small builders shared by pipeline tests: a config on disk, and realistic mail bytes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from mailbot.config import Settings, load_settings
from tests.dbs import url_for

CST = timezone(timedelta(hours=8))

UNITS_TOML = '''
[[classes]]
id = "city"
name = "市（州）卫生局"
quotas = [{per = "year", count = 50}]

[[classes]]
id = "division"
name = "厅机关处室"
quotas = [{per = "year", count = 30}]

[[units]]
id = "changchun"
name = "长春市卫生局"
class = "city"
aliases = ["长春市卫健委"]
emails = ["xxy@ccws.example.gov.cn"]

[[units]]
id = "jilin"
name = "吉林市卫生局"
class = "city"
emails = ["jlsws@example.gov.cn"]

[[units]]
id = "yizheng"
name = "厅医政处"
class = "division"
aliases = ["医政处"]
emails = ["yzc@example.gov.cn"]
'''


def write_config(folder: Path, *, source: str = "", outgoing: str = "", database: str = "", extra: str = "") -> Settings:
    """A config file in ``folder``: maildir + file outbox unless other tables are given.

    The default source answers all its mail (``backfill_before`` long ago): tests of the
    switch-on back-fill give their own ``[source]``.
    """
    source = source or '[source]\nkind = "maildir"\npath = "mail"\nbackfill_before = 2000-01-01\n'
    outgoing = outgoing or '[outgoing]\nkind = "file"\npath = "outbox"\nfrom = "信息科 <xinxi@example.gov.cn>"\n'
    database = database or f'[database]\nurl = "{url_for(folder)}"\n'
    text = (f'timezone = "Asia/Shanghai"\ndata_dir = "var"\n{extra}\n{database}\n{source}\n{outgoing}\n'
            '[office]\nname = "信息科"\nemails = ["office@example.gov.cn"]\nadmins = ["office@example.gov.cn"]\n'
            'authserv_ids = ["mx.163.com"]\n'
            + UNITS_TOML)
    (folder / "mail").mkdir(exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def item_mail(n: int, sender: str = "xxy@ccws.example.gov.cn", subject: str | None = None, body: str | None = None,
              when: datetime | None = None, charset: str = "gb18030", message_id: str | None = None) -> bytes:
    """A plausible submission: distinct text per ``n`` so none is a near-duplicate of another."""
    topics = ["全市卫生应急演练", "基层医疗机构标准化建设", "家庭医生签约服务", "妇幼健康服务能力提升", "中医药传承创新",
              "公立医院综合改革", "爱国卫生运动", "健康扶贫成果巩固", "职业病防治宣传周", "院前急救体系建设",
              "老年健康服务", "卫生监督执法检查"]
    topic = topics[n % len(topics)]
    m = EmailMessage()
    m["From"] = f"信息员 <{sender}>"
    m["To"] = "jlwsxx2012@163.com"
    m["Subject"] = subject or f"长春市扎实推进{topic}工作（第{n}期）"
    when = when or datetime(2026, 3, 2, 9, 0, tzinfo=CST) + timedelta(hours=n)
    m["Date"] = format_datetime(when)
    m["Message-ID"] = f"<{message_id or f'item{n}'}@ccws.example.gov.cn>"
    m.set_content(body or (f"近日，长春市卫生局围绕{topic}，第{n}次召开专题推进会，明确任务分工{n + 3}项，"
                           f"落实资金{n * 17 + 5}万元，覆盖{n * 3 + 11}个县区。下一步将持续跟踪问效，"
                           f"确保{topic}各项措施落地见效。编号{n * 7919}。"), charset=charset)
    return bytes(m)
