"""Work news: deployment, progress, implementation, indicators (工作动态)."""
from common import *  # noqa: F403
from common import (
    CITIES,
    R,
    any_unit,
    md,
    num,
    pct,
    pick,
    sign_block,
    topic_for,
)


def _launch():
    unit = any_unit()
    t = topic_for(unit)
    subj = pick([f"{unit}全面启动{t}工作", f"{unit}部署开展{t}专项行动", f"{unit}印发{t}实施方案", f"{unit}扎实推进{t}",
                 f"{unit}{t}工作有序推进", f"{unit}开展{t}专项整治", f"{unit}启动{t}“百日攻坚”行动", f"{unit}全力做好{t}"])
    text = pick([f"为贯彻落实{pick(['省委、省政府', '国家卫生健康委', '交通运输部', '市委、市政府'])}关于{t}的部署要求，{unit}",
                 f"近日，{unit}", f"{md()}，{unit}"])
    text += pick([f"印发《{t}实施方案》，明确了目标任务、时间节点和责任分工。", f"在全市范围内启动{t}工作，计划用{num(2, 6)}个月时间完成。",
                  f"对{t}工作进行再安排再部署，成立了以主要领导为组长的领导小组。"])
    if R.random() < 0.6:
        text += pick([f"方案提出，到{pick(['年底', '2026年', '明年6月'])}，{t}覆盖率达到{pct()}以上。",
                      "各县（市、区）要结合实际制定具体措施，每月报送工作进展。",
                      f"此次行动重点做好{num(3, 5)}个方面的工作。"])
    return subj, text + sign_block(unit)


def _progress_figures():
    unit = any_unit()
    t = topic_for(unit)
    subj = pick([f"{unit}{t}进展顺利", f"截至{pick(['6月底', '9月底', '10月末', '上半年', '前三季度'])}{unit}{t}完成年度任务{pct()}",
                 f"{pick(['前三季度', '上半年', '1至8月', '一季度'])}全市{t}主要指标完成情况", f"{unit}{t}取得阶段性进展",
                 f"{t}重点项目建设进展情况", f"{unit}提前完成{t}年度目标"])
    text = pick([f"截至{md()}，", f"{pick(['今年以来', '上半年', '前三季度'])}，"])
    text += pick([f"全市累计完成{t}投资{num(1, 60)}.{num(1, 9)}亿元，占年度计划的{pct()}。",
                  f"全市{t}完成率达{pct()}，同比提高{num(1, 12)}个百分点。",
                  f"已完成{num(10, 500)}公里/项，{num(3, 30)}个项目全部开工。",
                  f"全市共签约{num(1, 90)}万人，重点人群签约率{pct()}。"])
    if R.random() < 0.7:
        text += pick([f"其中，{pick(CITIES)}进度最快，完成{pct()}。", "各项指标均好于序时进度。",
                      f"孕产妇死亡率、婴儿死亡率分别为{num(8, 20)}/10万、{num(2, 6)}.{num(0, 9)}‰，均低于全国平均水平。",
                      "道路运输安全形势平稳，未发生较大以上事故。"])
    if R.random() < 0.5:
        text += pick(["\n下一步，将继续加大工作力度，确保全年目标任务圆满完成。", "\n下步将加强督导调度，对进度滞后的地区进行约谈。"])
    return subj, text + sign_block(unit)


def _activity():
    unit = any_unit()
    t = topic_for(unit)
    subj = pick([f"{unit}开展{t}宣传周活动", f"{unit}组织{t}业务培训", f"{unit}开展{t}督导检查", f"{unit}完成{t}验收工作",
                 f"{unit}开展突发公共卫生事件应急演练", f"{unit}组织开展道路运输安全应急演练", f"{unit}开展{t}考核评估",
                 f"{unit}启用{t}信息系统", f"{unit}做好节日期间{t}工作", f"{unit}开展安全生产大检查"])
    text = pick([f"{md()}，{unit}", f"近日，{unit}", f"为进一步做好{t}，{unit}"])
    if "演练" in subj:
        text += pick(["在某中学组织开展应急演练，模拟学校发生聚集性疫情后的报告、流调、消杀和转运等环节，", "联合公安、消防等部门开展综合应急演练，模拟客车侧翻、危化品泄漏等情景，"])
        text += f"参演人员{num(50, 300)}人，检验了预案的可操作性，提高了应急处置能力。"
    elif "检查" in subj:
        text += f"组成{num(3, 10)}个检查组，对{num(20, 200)}家单位进行检查，发现隐患{num(10, 100)}处，已督促整改{num(5, 90)}处。"
    else:
        text += pick([f"举办{t}培训班，{num(50, 400)}名业务骨干参加培训。", f"在全市范围内开展{t}活动，发放宣传资料{num(1, 9)}万份，受益群众{num(2, 50)}万人。",
                      f"对{t}进行了验收，{num(5, 40)}个项目全部合格。", f"完成{t}信息系统建设并正式上线运行。"])
    return subj, text + sign_block(unit)


def progress_items():
    items = []
    for fn, n in [(_launch, 20), (_progress_figures, 20), (_activity, 18)]:
        for _ in range(n):
            items.append(fn())
    return items
