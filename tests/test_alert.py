"""Emergency items alert the office once, through the outbox, on a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import default

from mailbot.clock import Clock
from mailbot.polling import poll
from mailbot.runtime import Runtime
from tests.mailbox_helpers import CST, item_mail, write_config

EMERGENCY = ("2月12日12时许，长春市某中学食堂发生一起疑似食物中毒事件，32名学生出现腹痛、呕吐等症状，"
             "已全部送医救治，其中2人病情较重。市卫生局已启动应急预案，派出疾控人员开展流行病学调查和采样检测，"
             "事件原因正在调查中。")


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def test_emergency_item_alerts_office_exactly_once(tmp_path, smtp_server):
    # GIVEN an emergency item and an ordinary one, mail going out through a real SMTP server
    outgoing = (f'[outgoing]\nkind = "smtp"\nhost = "{smtp_server.host}"\nport = {smtp_server.port}\n'
                'from = "信息科 <xinxi@example.gov.cn>"\n')
    settings = write_config(tmp_path, outgoing=outgoing)
    received = datetime(2026, 2, 12, 12, 40, tzinfo=CST)
    (tmp_path / "mail" / "e.eml").write_bytes(item_mail(1, subject="长春市一中学发生疑似食物中毒事件", body=EMERGENCY,
                                                         when=received, message_id="emergency"))
    (tmp_path / "mail" / "n.eml").write_bytes(item_mail(2))
    rt = Runtime.open(settings, clock=Clock(fixed=datetime(2026, 2, 12, 5, 0, tzinfo=UTC)))

    # WHEN mailbot polls, twice
    poll(rt)
    poll(rt)

    # THEN the office got exactly one 【紧急】 alert naming the unit and the delay; both senders got receipts
    alerts = [m for m in smtp_server.messages if _subject(m.content).startswith("【紧急】")]
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.rcpt_tos == ["office@example.gov.cn"]
    assert "长春市卫生局" in _subject(alert.content)
    body = message_from_bytes(alert.content, policy=default).get_body(("plain",)).get_content()
    assert "32名学生" in body and "收到后 20 分钟发出" in body
    receipts = [m for m in smtp_server.messages if m not in alerts]
    assert sorted(r.rcpt_tos[0] for r in receipts) == ["xxy@ccws.example.gov.cn"] * 2
