"""Experience worth spreading (经验做法)."""
from common import *  # noqa: F403
from common import R, any_unit, num, pct, pick, sign_block, topic_for

MEASURES = ["建立“一张网”监管平台", "推行“首诊负责”制度", "实行“县乡村一体化”管理", "开展“送医下乡”活动",
            "创新“互联网+”服务模式", "推行“路长制”", "实施“网格化”管理", "建立“红黑榜”通报制度", "推行“一站式”结算",
            "组建专家巡回医疗队", "实行“周调度、月通报”", "开展“结对帮扶”", "设立“流动服务站”", "推行“最多跑一次”",
            "建立“黄金一小时”救治圈", "实行养护“四定”责任制", "推行“保姆式”服务", "打造“智慧药房”"]


def _numbered():
    unit = any_unit()
    t = topic_for(unit)
    subj = pick([f"{unit}多措并举推进{t}", f"{unit}“三个强化”推动{t}取得实效", f"{unit}创新{t}工作机制",
                 f"{unit}探索{t}新路子", f"{unit}{t}的主要做法", f"{unit}“四个到位”抓好{t}",
                 f"{unit}以{t}为抓手提升服务水平", f"{unit}着力破解{t}难题"])
    ms = R.sample(MEASURES, 3)
    lead = pick([f"今年以来，{unit}围绕{t}，积极探索，大胆创新，", f"{unit}坚持问题导向，在{t}中", f"近年来，{unit}以群众需求为导向，"])
    text = lead + pick(["采取有力措施，取得了较好成效。", "形成了一套行之有效的做法。", "走出了一条符合实际的新路子。"]) + "\n"
    ords = pick([["一是", "二是", "三是"], ["（一）", "（二）", "（三）"], ["一、", "二、", "三、"], ["强化", "细化", "深化"]])
    for o, m in zip(ords, ms):
        if o in ("强化", "细化", "深化"):
            text += f"{o}{pick(['组织保障', '过程管理', '服务创新'])}。{m}，"
        else:
            text += f"{o}{m}。"
        text += pick([f"覆盖{num(10, 300)}个村（社区），", f"明确责任人{num(20, 200)}名，", "做到责任到人、任务到岗，", ""]) + pick(["确保工作落到实处。\n", "实现了动态管理。\n", "有效提升了工作效率。\n"])
    text += pick([f"通过上述措施，{t}工作成效明显，{pick(['群众满意度达到' + pct(), '有关指标提高' + str(num(5, 40)) + '个百分点', '投诉量同比下降' + str(num(10, 70)) + '%'])}。",
                  f"这一做法得到上级部门的充分肯定，{pick(['已在全省推广', '多地前来学习考察', '被省厅作为典型经验推广'])}。",
                  f"成效：{pick(['平均办理时限缩短' + str(num(20, 70)) + '%', '基层就诊率提高到' + pct(), '事故起数同比下降' + str(num(10, 50)) + '%'])}。"])
    return subj, text + sign_block(unit)


def _short_practice():
    unit = any_unit()
    t = topic_for(unit)
    m = pick(MEASURES)
    subj = pick([f"{unit}{m.replace('建立', '').replace('推行', '').replace('实行', '')}成效显著", f"{unit}{m} 群众得实惠",
                 f"{unit}{m}破解{t}难题", f"{unit}“小切口”做好{t}“大文章”", f"{unit}{m}的经验做法"])
    text = (f"{unit}在{t}中{m}，{pick(['把服务送到群众家门口', '实现了由被动应对到主动服务的转变', '有效解决了基层力量不足的问题'])}。"
            f"{pick(['实施以来', '运行一年来', '截至目前'])}，{pick(['累计服务群众' + str(num(1000, 90000)) + '人次', '办结事项' + str(num(200, 9000)) + '件', '节约资金' + str(num(50, 900)) + '万元'])}，"
            f"{pick(['群众满意率达' + pct(), '得到社会各界普遍好评', '该做法被市政府作为典型推广'])}。")
    if R.random() < 0.5:
        text += f"\n其经验主要有三点：一是领导重视，{pick(['主要领导亲自抓', '纳入绩效考核'])}；二是机制创新，{pick(['部门联动', '信息共享'])}；三是注重实效，{pick(['群众参与度高', '成效可量化'])}。"
    return subj, text + sign_block(unit)


def experience_items():
    items = []
    for fn, n in [(_numbered, 32), (_short_practice, 24)]:
        for _ in range(n):
            items.append(fn())
    return items
