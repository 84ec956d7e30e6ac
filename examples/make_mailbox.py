"""Write the demo sample mailbox ``examples/mailbox/`` (run: ``python examples/make_mailbox.py``).

Fourteen messages as the office's 163.com mailbox (jlwsxx2012@163.com) received them
between January and May 2026, from the units in ``config.example.toml`` and
``examples/units.csv``, in the encodings and client habits real officers' mail has.
The output is deterministic: running the script again writes the same bytes.

What ``mailbot --config config.example.toml poll`` makes of each file (asserted by
``tests/test_demo.py``). Categories come from a statistical model: they are what it says
today and are asserted for every item except the spam, whose category means nothing;
the weakest calls are 01, 10 and 11 (confidence about 0.7–0.8), the others are above 0.9:

| file | what it is | status | unit (via) | category |
| --- | --- | --- | --- | --- |
| 01-changchun-foxmail-gb2312.eml | Foxmail, GB2312 base64, ``=?GB2312?B?`` subject | accepted | changchun (address) | progress |
| 02-changchun-resend.eml | exact resend of 01, new Message-ID | duplicate | changchun (address) | progress |
| 03-jilin-experience-gb18030.eml | GB18030 quoted-printable, 一是/二是/三是 | accepted | jilin (address: officer 王丽) | experience |
| 04-jilin-correction.eml | 【更正】 copy of 03 with a changed figure | duplicate (correction) | jilin (address) | experience |
| 05-yanbian-qq-research.eml | personal qq.com address, 【延边州卫生局】 subject, GBK | accepted | yanbian (subject) | research |
| 06-siping-163-html.eml | 163 webmail, UTF-8 HTML only, 报送单位： line | accepted | siping (body) | problem |
| 07-hospital-emergency.eml | Outlook, UTF-8 base64, canteen food poisoning | accepted | hospital (address) | emergency |
| 08-cdc-auto-reply.eml | 自动回复, ``Auto-Submitted: auto-replied`` | ignored | – | – |
| 09-cdc-leader-visit.eml | leader's 调研 visit (a leader activity), UTF-8 QP | accepted | cdc (address) | meeting |
| 10-yizheng-docx.eml | cover note + .docx, QQ/Foxmail ``name="=?GB2312?B?...?="`` | accepted | yizheng (address) | progress |
| 11-jilin-forward.eml | 转发: of a colleague's draft (meeting), GBK QP | accepted | jilin (address) | meeting |
| 12-yingji-big5.eml | Big5 traditional text, ``=?Big5?B?`` subject | accepted | yingji (address) | progress |
| 13-spam.eml | unknown sender naming no unit (发票 advert) | unassigned | – | (whatever the model says) |
| 14-hospital-experience.eml | Apple Mail, UTF-8 QP, 一是/二是 | accepted | hospital (address) | experience |

Receipts: one ``.eml`` in ``var/outbox`` for each accepted or duplicate message (12),
none for 08 and 13; 07 also alerts the office (突发事件). ISO week 2026-W07
(9–15 Feb) holds 06, 07 and 08: ``mailbot digest --week 2026-W07 --dry-run`` shows them.
"""

from __future__ import annotations

import base64
import io
import quopri
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

OFFICE = "jlwsxx2012@163.com"
CST = timezone(timedelta(hours=8))
HERE = Path(__file__).resolve().parent
OUT = HERE / "mailbox"


# ------------------------------------------------------------------ MIME helpers

def encoded_words(text: str, charset: str, mode: str = "B") -> str:
    """RFC 2047 words, split on character boundaries, folded the way Foxmail folds."""
    words, chunk = [], ""
    for ch in text:
        if len((chunk + ch).encode(charset)) > 42:
            words.append(chunk)
            chunk = ""
        chunk += ch
    if chunk:
        words.append(chunk)
    out = []
    for w in words:
        raw = w.encode(charset)
        if mode == "B":
            out.append(f"=?{charset}?B?{base64.b64encode(raw).decode()}?=")
        else:
            q = "".join(chr(b) if (0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A) else f"={b:02X}"
                        for b in raw)
            out.append(f"=?{charset}?Q?{q}?=")
    return "\n\t".join(out)


def body_bytes(text: str, charset: str, cte: str) -> str:
    raw = text.replace("\n", "\r\n").encode(charset)
    if cte == "base64":
        return base64.encodebytes(raw).decode().rstrip("\n")
    return quopri.encodestring(raw).decode().replace("=\r\n", "=\n").replace("\r\n", "\n").rstrip("\n")


def leaf(ctype: str, charset: str, cte: str, text: str) -> str:
    return (f'Content-Type: {ctype}; charset="{charset}"\nContent-Transfer-Encoding: {cte}\n\n'
            f"{body_bytes(text, charset, cte)}\n")


def multipart(subtype: str, boundary: str, parts: list[str]) -> str:
    body = "".join(f"\n--{boundary}\n{p}" for p in parts)
    return (f'Content-Type: multipart/{subtype};\n\tboundary="{boundary}"\n\n'
            f"This is a multi-part message in MIME format.\n{body}\n--{boundary}--\n")


def html_of(text: str, style: str, charset: str = "utf-8") -> str:
    paras = "".join(f"<div>{line or '<br>'}</div>" for line in text.split("\n"))
    return f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset.lower()}"></head>' \
           f'<body><div style="{style}">{paras}</div></body></html>'


def rfc_date(dt: datetime) -> str:
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{days[dt.weekday()]}, {dt.day} {months[dt.month - 1]} {dt.year} {dt:%H:%M:%S} +0800"


@dataclass
class Mail:
    name: str
    sent: datetime
    sender: str  # already encoded From header value
    subject: str  # already encoded
    message_id: str
    body: str  # the MIME entity: Content-Type … then the body
    relay: str = "smtp.example.gov.cn"
    extra: list[tuple[str, str]] = field(default_factory=list)

    def render(self) -> bytes:
        received = self.sent + timedelta(seconds=37)
        head = [
            ("Received", f"from {self.relay} (unknown [10.18.{self.sent.day}.{self.sent.month + 20}])\n\tby mx.163.com "
                         f"(Coremail) with SMTP id _____wD{self.sent:%m%d%H%M%S}AA--.{self.sent.day}S2;\n\t"
                         f"{rfc_date(received)} (CST)"),
            ("Date", rfc_date(self.sent)),
            ("From", self.sender),
            ("To", OFFICE),
            ("Subject", self.subject),
            ("Message-ID", self.message_id),
            *self.extra,
            ("MIME-Version", "1.0"),
        ]
        text = "".join(f"{k}: {v}\n" for k, v in head) + self.body
        return text.encode("ascii")


def at(month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=CST)


# ------------------------------------------------------------------ the items' texts

CHANGCHUN_PROGRESS = """各位领导：

今年以来，长春市卫生局把紧密型县域医共体建设作为深化医改的重点任务，在农安、榆树、德惠三个县（市）全面铺开。截至1月上旬，全市已组建县域医共体9个，覆盖乡镇卫生院62家、村卫生室1140个，牵头医院向基层下派医师213名，基层门急诊人次同比增长11.6%。市卫生局成立工作专班，实行“周调度、月通报”，对医共体内人员、财务、药品实行统一管理，县域内检查检验结果互认项目扩大到46项。下一步，长春市将把医共体建设纳入年度绩效考核，力争年底前县域内就诊率达到90%以上。

长春市卫生局办公室
信息员：刘洋  电话：0431-88779012"""

JILIN_EXPERIENCE = """吉林市“三个一”工作法提升家庭医生签约服务质量

近年来，吉林市卫生局坚持以群众需求为导向，探索推行家庭医生签约服务“三个一”工作法，推动签约服务由“签而不约”向“签而有约”转变。一是建立一支团队。以乡镇卫生院和社区卫生服务中心为依托，组建由全科医生、护士、公卫医师和乡村医生组成的家庭医生团队386个，每个团队固定联系2至3个村（社区）。二是制定一张清单。围绕老年人、孕产妇、慢性病患者等重点人群，梳理基本服务包和个性化服务包共12类，明确服务内容、频次和收费标准，让群众“点单”签约。三是用好一个平台。依托全民健康信息平台开发签约服务应用，居民可在线预约、咨询和续签，团队医生实时掌握签约居民健康档案。目前，全市重点人群签约率达到{rate}，较上年提高{gain}个百分点，群众满意度达到95%以上。
{note}
吉林市卫生局办公室  王丽
电话：0432-62015566"""

YANBIAN_RESEARCH = """关于延边州村卫生室运行情况的调研报告

为摸清全州村卫生室运行现状，延边州卫生局近期组成调研组，采取实地走访、座谈交流和问卷调查等方式，对8个县（市）的126个村卫生室进行了专题调研。

一、基本情况。全州现有村卫生室1027个，乡村医生1389名，其中55岁以上的占41.2%，具有执业（助理）医师资格的仅占23.5%。

二、存在问题。一是人员老化、后继乏人，部分边远村卫生室处于“有室无医”状态；二是收入保障不足，乡村医生年均收入不足3万元；三是信息化水平低，近三成村卫生室未接入基层医疗卫生信息系统。

三、几点建议。建议将乡村医生纳入乡镇卫生院统一管理，落实养老保障政策；实施订单定向培养，每年为边远地区定向招收医学生；加快村卫生室信息化改造，推广远程会诊服务。

延边州卫生局 金明哲（家中发送，单位邮箱故障）"""

SIPING_PROBLEM = """基层医疗机构药品配备不足问题亟待解决

近期，四平市卫生局在开展基层医疗卫生服务能力督导时发现，部分乡镇卫生院和社区卫生服务中心药品配备不足的问题较为突出，群众反映强烈。一是品种偏少。抽查的32家基层医疗机构平均配备药品不足300种，部分慢性病常用药长期短缺，高血压、糖尿病患者需到县级医院开药。二是上下级用药不衔接。上级医院开具的药品在基层难以续方，患者往返奔波。三是配送不及时。偏远乡镇配送周期长达半个月。群众反映“看病不远，拿药难”。建议省级层面统一县域用药目录，推动医共体内药品统一采购、统一配送，将慢性病长处方政策延伸到基层，切实方便群众就近用药。

报送单位：四平市卫生局
信息员：李娜  联系电话：0434-3265108"""

HOSPITAL_EMERGENCY = """省人民医院发生一起疑似食物中毒事件

2月12日12时30分许，省人民医院职工食堂供应午餐后，陆续有就餐职工出现恶心、呕吐、腹痛、腹泻等症状。截至当日16时，共有37人到医院急诊科就诊，其中5人症状较重收住院观察，生命体征平稳，暂无危重病例和死亡病例。事件发生后，医院立即启动突发公共卫生事件应急预案，封存食堂剩余食品和留样，暂停食堂供餐，并报告属地卫生健康部门和市场监管部门。市疾控中心已派员到达现场开展流行病学调查和样品采集，初步判断为一起疑似细菌性食物中毒事件，具体原因正在进一步调查中。医院已安排专人做好患者救治和职工安抚工作，目前医疗秩序正常。后续情况将及时续报。

省人民医院党政办公室
值班电话：0431-85595000"""

CDC_AUTO_REPLY = """您好！

我已于2月13日至2月23日休假，期间不能及时查看邮件。急事请联系省疾控中心办公室：0431-87976500。

（此邮件为系统自动回复）"""

CDC_LEADER_VISIT = """厅领导到省疾控中心调研指导春季传染病防控工作

2月25日，省卫生厅主要领导带领厅疾控处、应急办负责同志到省疾病预防控制中心调研指导春季传染病防控工作。厅领导一行实地察看了中心应急指挥大厅、病毒检测实验室和菌毒种保藏室，听取了中心关于流感、诺如病毒等春季重点传染病监测预警情况的汇报，并与中心班子成员和业务骨干座谈交流。厅领导对中心近年来的工作给予肯定，要求中心进一步提高政治站位，强化监测预警和实验室检测能力建设，严格落实24小时值班制度，做好应急队伍和物资准备，确保早发现、早报告、早处置。省疾控中心主任表示，将认真落实厅领导讲话要求，扎实做好春季传染病防控各项工作。

省疾控中心办公室 信息组"""

YIZHENG_COVER = """信息科：

现将我处信息一篇报送你们，请查收附件。

厅医政处  陈晓
2026年3月5日"""

YIZHENG_DOCX = [
    "全省改善医疗服务行动取得阶段性成效",
    "今年以来，厅医政处围绕群众看病就医的堵点难点，在全省二级以上医院深入开展改善医疗服务行动，各项工作有序推进。"
    "在预约诊疗方面，全省三级医院分时段预约诊疗率达到82.4%，患者平均候诊时间缩短至28分钟。"
    "在日间手术方面，开展日间手术的医院增加到57家，日间手术病种达到136个，平均住院日进一步缩短。"
    "在检查检验结果互认方面，首批确定互认项目54项，覆盖全省120家医疗机构，预计全年可为患者减少重复检查费用1.2亿元。",
    "下一步，医政处将建立季度通报制度，对工作推进缓慢的医院进行约谈，确保各项措施落地见效。",
    "（厅医政处供稿）",
]

JILIN_MEETING = """吉林市召开2026年全市卫生健康工作会议

3月16日，吉林市召开2026年全市卫生健康工作会议，总结2025年工作，部署今年重点任务。市政府分管副市长出席会议并讲话，市卫生局局长作工作报告。会议指出，过去一年全市卫生健康系统扎实推进健康吉林建设，人均预期寿命达到79.2岁，孕产妇死亡率、婴儿死亡率持续保持在较低水平。会议要求，今年要重点抓好紧密型医共体建设、公立医院高质量发展、基层服务能力提升和公共卫生体系建设四项任务，层层压实责任，确保全年目标任务完成。会上，市卫生局与各县（市）区卫生健康部门签订了目标责任书，5个单位作了典型发言。"""

JILIN_FORWARD = """信息科：这是我局赵敏同志起草的会议信息，已经领导审核，请审阅采用。

王丽

------------------ 原始邮件 ------------------
发件人: "赵敏"<zhaomin@example.gov.cn>;
发送时间: 2026年3月17日(星期二) 下午4:12
收件人: "王丽"<wangli@example.gov.cn>;
主题: 会议信息初稿

王老师，会议信息初稿请您把关：

""" + JILIN_MEETING

YINGJI_BIG5 = """廳應急辦開展全省衛生應急物資儲備專項檢查

4月上旬，廳應急辦組織對全省9個市（州）衛生應急物資儲備情況開展專項檢查。檢查組採取查閱臺賬、實地盤點、隨機抽檢等方式，共檢查儲備庫（點）47個，涉及防護用品、消殺藥械、檢測試劑等12大類物資。從檢查情況看，各地儲備品種基本齊全，管理制度總體規範，但也有部分儲備點存在賬實不符、近效期物資輪換不及時等問題。檢查組已當場反饋問題清單，要求限期整改。下一步，廳應急辦將建立物資儲備動態監測機制，每季度通報一次儲備情況，確保關鍵時刻調得出、用得上。

廳應急辦 綜合科
聯繫人：孫浩  電話：0431-88905120"""

SPAM = """尊敬的负责人：您好！

本公司长期代开各类增值税发票、普通发票，票据真实可查验，点数从优，另可代办各类资质证书。
如有需要请加微信或来电咨询：139-0000-8866  王经理

（如不需要请忽略此邮件，打扰之处敬请谅解）"""

HOSPITAL_EXPERIENCE = """省人民医院推行“一站式”服务提升患者就医体验

今年以来，省人民医院以改善患者就医体验为抓手，在门诊大厅设立“一站式”服务中心，把分散在各个科室的服务事项集中办理。一是集中办理窗口业务。将病历复印、诊断证明盖章、医保备案、异地就医结算咨询等17项业务整合到一个窗口，实行“一窗受理、限时办结”，群众办事由过去跑3至4个地方变为只跑一次。二是推行全程陪诊服务。为老年人、残疾人等特殊群体提供预约挂号、陪同检查、代取报告等服务，今年已服务1.2万人次。三是建立投诉快速处理机制。对群众投诉实行首问负责，一般问题当场解决，复杂问题3个工作日内答复。服务中心运行以来，门诊患者满意度由89.5%提高到96.1%。

省人民医院党政办公室"""


# ------------------------------------------------------------------ the attachment

def make_docx(paragraphs: list[str], when: datetime) -> bytes:
    """A small .docx made with python-docx; zip timestamps fixed so the bytes never change."""
    import docx

    doc = docx.Document()
    doc.add_heading(paragraphs[0], level=1)
    for p in paragraphs[1:]:
        doc.add_paragraph(p)
    naive = when.replace(tzinfo=None)
    cp = doc.core_properties
    cp.author = cp.last_modified_by = "陈晓"
    cp.title = paragraphs[0]
    cp.created = cp.modified = cp.last_printed = naive
    cp.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(src.namelist()):
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 5, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, src.read(name))
    return out.getvalue()


# ------------------------------------------------------------------ the mailbox

FOXMAIL = [("X-Priority", "3"), ("X-GUID", "6B1E2A4C-3D5F-4E7A-9B8C-1D2E3F4A5B6C"),
           ("X-Has-Attach", "no"), ("X-Mailer", "Foxmail 7.2.25.228[cn]")]


def foxmail_alternative(text: str, charset: str, boundary: str) -> str:
    html = html_of(text, "font-family: 宋体; font-size: 10.5pt", charset)
    return multipart("alternative", boundary, [leaf("text/plain", charset, "base64", text),
                                               leaf("text/html", charset, "base64", html)])


def mails() -> list[Mail]:
    cc_from = f"{encoded_words('长春市卫生局信息科', 'GB2312')} <xxy@ccws.example.gov.cn>"
    cc_subject = encoded_words("长春市加快推进紧密型县域医共体建设", "GB2312")
    jl_from = f"{encoded_words('王丽', 'GB18030')} <wangli@example.gov.cn>"
    exp_first = JILIN_EXPERIENCE.format(rate="76.3%", gain="8.2", note="")
    exp_fixed = JILIN_EXPERIENCE.format(rate="78.6%", gain="10.5",
                                        note="（此稿为更正稿，签约率数据有误，请以此稿为准。）\n")
    hospital_from = f"{encoded_words('省人民医院党政办', 'UTF-8')} <bgs@jlph.example.org>"
    cdc_from = f"{encoded_words('省疾控中心办公室', 'UTF-8')} <xinxi@jlcdc.example.org>"
    docx_name = encoded_words("全省改善医疗服务行动进展情况.docx", "GB2312")
    docx_b64 = base64.encodebytes(make_docx(YIZHENG_DOCX, at(3, 5, 9, 0))).decode().rstrip("\n")
    docx_part = ("Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;\n"
                 f'\tname="{docx_name}"\nContent-Transfer-Encoding: base64\n'
                 f'Content-Disposition: attachment;\n\tfilename="{docx_name}"\n\n{docx_b64}\n')
    return [
        Mail("01-changchun-foxmail-gb2312.eml", at(1, 8, 9, 15, 42), cc_from, cc_subject,
             "<202601080915420263811@ccws.example.gov.cn>",
             foxmail_alternative(CHANGCHUN_PROGRESS, "GB2312", "----=_NextPart_000_0001_01DC8043.1B2C3D40"),
             relay="mail.ccws.example.gov.cn", extra=FOXMAIL),
        # Same item again four days later: 刘洋 saw no receipt (it went to the spam folder).
        Mail("02-changchun-resend.eml", at(1, 12, 14, 3, 11), cc_from, cc_subject,
             "<202601121403110417520@ccws.example.gov.cn>",
             foxmail_alternative(CHANGCHUN_PROGRESS, "GB2312", "----=_NextPart_000_0002_01DC836A.5E6F7081"),
             relay="mail.ccws.example.gov.cn", extra=FOXMAIL),
        Mail("03-jilin-experience-gb18030.eml", at(1, 20, 10, 26, 5), jl_from,
             encoded_words("吉林市“三个一”工作法提升家庭医生签约服务质量", "GB18030"),
             "<tencent_3A1F0C2B7E9D4A51@example.gov.cn>",
             leaf("text/plain", "GB18030", "quoted-printable", exp_first), relay="mail.example.gov.cn",
             extra=[("X-Mailer", "Microsoft Outlook 16.0")]),
        Mail("04-jilin-correction.eml", at(1, 21, 8, 47, 30), jl_from,
             encoded_words("【更正】吉林市“三个一”工作法提升家庭医生签约服务质量", "GB18030"),
             "<tencent_8C2D5E7F1A3B4C69@example.gov.cn>",
             leaf("text/plain", "GB18030", "quoted-printable", exp_fixed), relay="mail.example.gov.cn",
             extra=[("X-Mailer", "Microsoft Outlook 16.0")]),
        Mail("05-yanbian-qq-research.eml", at(2, 3, 21, 40, 18),
             f"{encoded_words('金明哲', 'GBK')} <2873015546@qq.com>",
             encoded_words("【延边州卫生局】关于延边州村卫生室运行情况的调研报告", "GBK"),
             "<tencent_5D8E2F1A9C3B7E40@qq.com>",
             foxmail_alternative(YANBIAN_RESEARCH, "GBK", "----=_NextPart_6980F2A6_0B1C2D3E_4F5A6B7C"),
             relay="smtpbg.qq.com", extra=[("X-QQ-mid", "bizesmtp26t1770126018t5k3p2qd"), *FOXMAIL[3:]]),
        Mail("06-siping-163-html.eml", at(2, 10, 15, 8, 55),
             f"{encoded_words('李娜', 'UTF-8')} <sp_xinxi2019@163.com>",
             encoded_words("基层医疗机构药品配备不足问题亟待解决", "UTF-8"),
             "<4b7a2c31.5f1d.19c46e0a2b1.Coremail.sp_xinxi2019@163.com>",
             leaf("text/html", "UTF-8", "base64",
                  html_of(SIPING_PROBLEM, "line-height:1.7;color:#000000;font-size:14px;font-family:Arial")),
             relay="m16-23.mail.163.com",
             extra=[("X-Mailer", "Coremail Webmail Server Version XT5.0.14 build 20230109(dcb5de15)"),
                    ("X-Originating-IP", "[175.30.112.8]"), ("X-CM-CTRLDATA", "pYc2bmZvb3Rlcl9odG09MTIzNDo1Ng==")]),
        Mail("07-hospital-emergency.eml", at(2, 12, 16, 52, 9), hospital_from,
             encoded_words("【紧急】省人民医院发生一起疑似食物中毒事件", "UTF-8"),
             "<000001dc9b8a$1a2b3c40$4f5e6d70$@jlph.example.org>",
             leaf("text/plain", "UTF-8", "base64", HOSPITAL_EMERGENCY), relay="mail.jlph.example.org",
             extra=[("X-Mailer", "Microsoft Outlook 16.0"), ("Importance", "High"), ("X-Priority", "1")]),
        Mail("08-cdc-auto-reply.eml", at(2, 13, 9, 1, 2), cdc_from,
             encoded_words("自动回复：【回执】已收到信息：关于报送一季度重点工作信息的通知", "UTF-8"),
             "<autoreply.1770944462.1187@jlcdc.example.org>",
             leaf("text/plain", "UTF-8", "base64", CDC_AUTO_REPLY), relay="mail.jlcdc.example.org",
             extra=[("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")]),
        Mail("09-cdc-leader-visit.eml", at(2, 26, 11, 30, 44), cdc_from,
             encoded_words("厅领导到省疾控中心调研指导春季传染病防控工作", "UTF-8"),
             "<20260226113044.18273@jlcdc.example.org>",
             leaf("text/plain", "UTF-8", "quoted-printable", CDC_LEADER_VISIT), relay="mail.jlcdc.example.org",
             extra=[("X-Mailer", "Coremail Webmail Server Version 4.0.8")]),
        Mail("10-yizheng-docx.eml", at(3, 5, 9, 12, 20),
             f"{encoded_words('厅医政处', 'GB2312')} <yzc@example.gov.cn>",
             encoded_words("医政处信息：全省改善医疗服务行动取得阶段性成效", "GB2312"),
             "<202603050912203402157@example.gov.cn>",
             multipart("mixed", "----=_NextPart_000_0005_01DCAC71.9F8E7D60",
                       [foxmail_alternative(YIZHENG_COVER, "GB2312", "----=_NextPart_001_0006_01DCAC71.9F8E7D60"),
                        docx_part]),
             relay="mail.example.gov.cn", extra=[*FOXMAIL[:2], ("X-Has-Attach", "yes"), FOXMAIL[3]]),
        Mail("11-jilin-forward.eml", at(3, 18, 8, 35, 16), jl_from,
             encoded_words("转发: 会议信息初稿", "GBK"),
             "<202603180835168849213@example.gov.cn>",
             leaf("text/plain", "GBK", "quoted-printable", JILIN_FORWARD), relay="mail.example.gov.cn",
             extra=FOXMAIL),
        Mail("12-yingji-big5.eml", at(4, 8, 17, 20, 3),
             f"{encoded_words('廳應急辦', 'Big5')} <yjb@example.gov.cn>",
             encoded_words("廳應急辦開展全省衛生應急物資儲備專項檢查", "Big5"),
             "<000b01dcc7e2$4c5d6e70$1a2b3c4d$@example.gov.cn>",
             leaf("text/plain", "Big5", "base64", YINGJI_BIG5), relay="mail.example.gov.cn",
             extra=[("X-Mailer", "Microsoft Outlook 15.0")]),
        Mail("13-spam.eml", at(4, 20, 3, 14, 27),
             f"{encoded_words('王经理', 'GBK')} <fp_service8866@mail-163.example.net>",
             encoded_words("您好！长期代开各类正规发票", "GBK"),
             "<20260420031427.9A1B2C@mail-163.example.net>",
             leaf("text/plain", "GBK", "base64", SPAM), relay="unknown.example.net"),
        Mail("14-hospital-experience.eml", at(5, 12, 10, 5, 33), hospital_from,
             encoded_words("省人民医院推行“一站式”服务提升患者就医体验", "UTF-8"),
             "<7F3A2B1C-4D5E-6F70-8192-A3B4C5D6E7F8@jlph.example.org>",
             leaf("text/plain", "UTF-8", "quoted-printable", HOSPITAL_EXPERIENCE), relay="mail.jlph.example.org",
             extra=[("X-Mailer", "Apple Mail (2.3774.600.62)")]),
    ]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.eml"):
        old.unlink()
    for m in mails():
        (OUT / m.name).write_bytes(m.render())
    print(f"wrote {len(mails())} messages to {OUT}")


if __name__ == "__main__":
    main()
