"""Meetings and leaders' activities (会议与领导活动)."""
from common import *  # noqa: F403
from common import (
    CITIES,
    COUNTIES,
    R,
    any_unit,
    health_unit,
    md,
    num,
    person,
    pick,
    sign_block,
    topic_for,
    transport_unit,
)

LEADERS = ["省长", "副省长", "省委常委、常务副省长", "市长", "副市长", "市委书记", "厅长", "副厅长", "局长", "副局长",
           "党组书记、局长", "县长", "县委书记", "主任", "党委书记", "市政府秘书长"]


def _leader():
    return person()[0] + pick(["建国", "志远", "立军", "海峰", "晓光", "振宇", "明"]) if R.random() < 0 else person()


def _work_meeting():
    unit = any_unit()
    t = topic_for(unit)
    kind = pick(["工作会议", "推进会", "电视电话会议", "专题会议", "座谈会", "视频调度会", "现场会", "工作部署会", "联席会议",
                 "党组（扩大）会议", "局务会议", "总结表彰大会", "培训班开班仪式"])
    year = pick(["", "2025年", "2026年", "全年"])
    subj = pick([f"{unit}召开{year}{t}{kind}", f"全市{t}{kind}召开", f"{unit}组织召开{t}{kind}",
                 f"我{pick(['局', '厅', '委'])}召开{t}{kind}", f"{t}{kind}在{pick(CITIES)}召开"])
    lead = pick(LEADERS)
    text = f"{md()}，{unit}召开{t}{kind}。{pick(['', '会议由' + person() + pick(['副局长', '副主任', '副厅长']) + '主持。'])}"
    text += pick([f"{lead}{person()}出席会议并讲话。", f"{lead}{person()}参加会议并作重要讲话。", f"{person()}{lead}作工作报告。"])
    text += pick([f"会议总结了上半年{t}工作，分析了当前面临的形势，安排部署了下一阶段重点任务。",
                  f"会议传达学习了全省{t}会议精神，通报了各地工作进展情况。",
                  f"会上，{num(3, 6)}个单位作了交流发言，与会人员观看了专题片。", f"会议听取了各县（市、区）{t}情况汇报。"])
    if R.random() < 0.7:
        text += pick([f"\n{person()}强调，要提高政治站位，压实工作责任，确保各项任务按期完成。",
                      f"\n会议要求，各地各单位要统一思想，狠抓落实，{pick(['以钉钉子精神推动工作', '确保全年目标任务圆满完成', '切实把会议精神落到实处'])}。",
                      "\n会议指出，今年以来全系统工作取得积极进展，但也要清醒看到存在的短板。会议要求，一要加强组织领导；二要强化督导检查；三要严格考核问责。"])
    if R.random() < 0.4:
        text += f"各县（市、区）{unit[-3:] if len(unit) > 3 else '相关单位'}主要负责同志、局机关各处室负责人共{num(40, 300)}人参加会议。"
    return subj, text + sign_block(unit)


def _leader_visit():
    c = pick(CITIES + COUNTIES)
    unit = pick([health_unit(), transport_unit()])
    t = topic_for(unit)
    lead = pick(LEADERS)
    name = person()
    verb = pick(["调研", "检查", "督导", "考察", "调研指导", "督查", "实地调研", "专题调研", "慰问", "走访"])
    subj = pick([f"{lead}{name}到{c}{verb}{t}工作", f"{name}{lead}深入{c}{verb}{t}", f"{lead}{name}赴{c}{verb}",
                 f"{name}{lead}一行来我{pick(['市', '县', '局'])}{verb}{t}工作", f"{lead}{name}在{c}{verb}时强调抓好{t}",
                 f"{name}到{pick(['基层', '一线', '施工现场', '医院', '客运站'])}{verb}{t}"])
    text = f"{md()}，{lead}{name}{pick(['一行', '带队', ''])}到{c}{verb}{t}工作，{pick(['市政府', '我局', '厅', '县政府'])}{pick(['主要负责同志', '有关负责同志', '分管领导'])}陪同。"
    text += pick([f"{name}先后深入{c}{pick(['人民医院', '疾控中心', '乡镇卫生院', '村卫生室', '高速公路施工现场', '客运站', '公路养护工区', '物流园区'])}等地，实地察看了",
                  f"在{pick(['项目现场', '医院', '服务大厅', '检测站'])}，{name}详细询问了", f"{name}一行实地查看了"])
    text += pick(["项目建设进度、安全生产措施落实等情况。", "医疗服务、药品保障和患者就医情况。", "值班值守、应急物资储备情况。", "群众出行和运输保障情况。"])
    if R.random() < 0.7:
        text += pick([f"\n{name}强调，要坚持以人民为中心，把{t}抓紧抓实抓出成效。",
                      f"\n{name}对{c}{t}工作给予肯定，指出要进一步强化责任落实，补齐短板弱项。",
                      f"\n{name}要求，各级各部门要牢固树立安全发展理念，坚决防范和遏制重特大事故发生。",
                      f"\n在随后召开的座谈会上，{name}听取了{c}工作汇报，并就下一步工作提出明确要求。"])
    return subj, text + sign_block(unit)


def _receive_visit():
    unit = any_unit()
    subj = pick([f"{unit}与{pick(['省红十字会', '某高校', '国家卫生健康委调研组', '交通运输部督导组', '省人大代表'])}座谈交流",
                 f"{person()}{pick(LEADERS)}会见{pick(['香港医疗代表团', '韩国忠清北道访问团', '国家督导组一行', '中交集团客人'])}",
                 f"{pick(LEADERS)}{person()}看望慰问一线{pick(['医务人员', '养护职工', '防疫人员', '执法人员'])}",
                 f"{pick(LEADERS)}{person()}出席{pick(['全省卫生健康工作会议', '交通项目集中开工仪式', '医院揭牌仪式', '志愿服务活动启动仪式'])}并讲话"])
    text = f"{md()}，{subj.split('并')[0]}。{pick(['双方就加强合作进行了深入交流。', '活动现场气氛热烈。', '他代表局党组向大家致以节日问候，叮嘱大家注意安全、保重身体。', '他在讲话中充分肯定了近年来取得的成绩。'])}"
    if R.random() < 0.5:
        text += pick(["\n（附图片2张）", "\n附件：活动图片.jpg"])
    return subj, text + sign_block(unit)


def meeting_items():
    items = []
    for fn, n in [(_work_meeting, 26), (_leader_visit, 24), (_receive_visit, 10)]:
        for _ in range(n):
            items.append(fn())
    return items
