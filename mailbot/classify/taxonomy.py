"""Content categories and their editable cue rules (title patterns, keywords, body cues)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

_LEADER = r"(?:省长|副省长|市长|副市长|县长|区长|书记|厅长|局长|主任|司长|处长|秘书长|常委|部长|委员长|总理|主席|领导|督导组|检查组|调研组|代表|委员|一行)"
# The home province (吉林) is left out: its own places are not "other places".
_PROVINCES = ("北京|天津|上海|重庆|河北|山西|辽宁|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|"
              "海南|四川|贵州|云南|陕西|甘肃|青海|内蒙古|广西|西藏|宁夏|新疆|深圳|三明|宁波|青岛|厦门|成都|杭州|苏州|大连")


@dataclass
class CategorySpec:
    """One content category with the cue rules that point to it."""

    id: str
    name: str
    keywords: list[str] = field(default_factory=list)       # words; a hit in the title counts more
    title_patterns: list[str] = field(default_factory=list)  # regexes searched in the subject
    body_cues: list[str] = field(default_factory=list)       # regexes searched in the body's opening
    examples: list[str] = field(default_factory=list)        # example subjects (extra training items)

    def __post_init__(self) -> None:
        for pattern in [*self.title_patterns, *self.body_cues]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"category {self.id!r}: bad regex {pattern!r}: {exc}") from exc


def default_taxonomy() -> list[CategorySpec]:
    """The six default categories of CONTRACT.md with their cue rules."""
    return [
        CategorySpec(
            "emergency", "突发事件与重大疫情",
            keywords=["突发", "事故", "中毒", "爆炸", "泄漏", "火灾", "坍塌", "垮塌", "滑坡", "地震", "暴雨", "暴雪",
                      "洪灾", "山洪", "洪涝", "泥石流", "水毁", "透水", "踩踏", "侧翻", "遇难", "死亡", "受伤", "被困",
                      "失联", "暴发", "聚集性疫情", "确诊病例", "疑似病例", "紧急报告", "续报", "伤员", "救援", "抢险",
                      "登革热", "霍乱", "鼠疫", "炭疽", "禽流感", "狂犬病", "麻疹", "不明原因"],
            title_patterns=[
                r"发生.{0,24}(事故|事件|疫情|中毒|火灾|爆炸|爆燃|泄漏|坍塌|垮塌|滑坡|地震|险情|透水|踩踏|侧翻|翻车|病例)",
                r"(紧急报告|紧急情况|^紧急|^突发|^快报|续报|首报|灾情)",
                r"(聚集性|暴发|爆发).{0,4}(疫情|病例)?|(确诊|疑似|输入性?|本地|报告|出现|发现|新增).{0,12}病例",
                r"(确诊|疑似|不明原因|原因不明).{0,12}(患者|患儿|病人)|原因待查|原因不明",
                r"(多名|\d+名|数十名|百余名).{0,12}(患者|患儿|学生|工人|村民|群众|旅客|游客|儿童|老人).{0,8}(出现|发热|腹泻|呕吐|不适|中毒|送医|受伤|被困)",
                r"(暴雨|暴雪|山洪|洪涝|洪灾|泥石流|冰雹|台风|地震|团雾|水毁|决口|冻雨|强降雨)",
                r"\d+(人|名).{0,4}(死亡|遇难|受伤|被困|失联|中毒|就医)|\d+死\d*伤?",
                r"(中毒|透水|坍塌|垮塌|搁浅|翻沉|起火|爆炸|泄漏|脱轨|追尾|相撞|撞船|沉没|搜救|失事)",
            ],
            body_cues=[r"(死亡|受伤|被困|失联|遇难)", r"启动.{0,12}应急(预案|响应)", r"(伤员|患者).{0,10}(送往|救治|抢救)",
                       r"(流行病学调查|密切接触者|疫点|隔离治疗)", r"(续报|详情续报|原因.{0,4}调查中|正在调查)"],
            examples=["某县发生一起食物中毒事件", "某市报告一起聚集性疫情", "高速公路发生交通事故致多人伤亡"],
        ),
        CategorySpec(
            "meeting", "会议与领导活动",
            keywords=["会议", "召开", "主持", "出席", "讲话", "座谈会", "推进会", "局务会", "常务会议", "党组会议",
                      "电视电话会议", "调度会", "一行", "陪同", "慰问", "看望", "会见", "强调", "开班仪式"],
            title_patterns=[
                r"召开.{0,30}(会议|会|座谈)|(会议|座谈会|推进会|现场会|调度会|大会|培训会|联席会)(在.{0,10})?召开",
                r"(主持|出席|参加).{0,20}(会议|会|仪式|活动)",
                _LEADER + r".{0,16}(到|赴|深入|来|在|带队|率队|带领).{0,30}(调研|检查|考察|督导|督查|视察|慰问|看望|走访|指导)",
                _LEADER + r".{0,6}(在|到|赴|深入).{0,20}(开展|参加|出席|宣讲|讲党课)",
                r"(视察|签约仪式|签署.{0,8}协议)",
                r"(会见|看望|慰问|出席.{0,20}(仪式|开班式|开幕式|闭幕式|典礼)|开班|揭牌|启动仪式)",
                _LEADER + r".{0,10}强调",
            ],
            body_cues=[r"(出席|主持|参加)(会议|并讲话)", r"会议(强调|要求|指出|传达|听取|总结)", r"陪同",
                       r"(先后|实地)(深入|察看|查看|来到)"],
            examples=["市卫生局召开全市卫生工作会议", "副市长到我局调研安全生产工作"],
        ),
        CategorySpec(
            "research", "调研与外地经验",
            keywords=["调研报告", "调查与思考", "调查分析", "启示", "借鉴", "他山之石", "考察学习", "外省", "兄弟省",
                      "问卷调查", "抽样调查", "调研组", "对策建议", "满意度调查"],
            title_patterns=[
                r"关于.{1,40}的?(调研报告|调研|调查)",
                r"(调研报告|调查报告|调查与思考|调研与思考|调查分析|情况调查|现状调查|(现状|情况|专题)调研|调研(与|和|及)(建议|思考|对策))",
                r"(启示|借鉴|他山之石|考察学习|学习考察|外省|兄弟省|外地)",
                r"(原因分析|对策研究|分析及对策|问题与对策|现状与对策|(研究|思考|分析)$)",
                r"(" + _PROVINCES + r")(省|市|自治区)?.{0,24}(经验|做法|模式)",
                r"^【一线调研",
            ],
            body_cues=[r"调研组", r"(问卷|座谈|实地走访).{0,20}(调研|调查)", r"(对策建议|几点建议|启示)",
                       r"(基本情况|存在的主要问题).{0,300}(对策|建议)"],
            examples=["关于基层医疗卫生人才队伍建设的调研报告", "外省推进医共体建设的经验及启示"],
        ),
        CategorySpec(
            "experience", "经验做法",
            keywords=["多措并举", "经验做法", "主要做法", "创新", "探索", "成效显著", "取得实效", "破解", "模式",
                      "推广", "好评", "得实惠", "典型", "新路子", "着力", "打造"],
            title_patterns=[
                r"(多措并举|“[一二三四五六七八九十两多双\d][^”]{0,7}”|“[^”]{1,10}”(模式|机制|工作法|做法|服务|管理)|创新|探索|破解|新路子|新模式|成效(显著|明显)|取得(实效|成效)|得实惠|受.{0,4}好评|见实效|有实招|见成效)",
                r"^(?!.*(" + _PROVINCES + r")(省|市)).*((的|主要)(做法|经验)$|经验做法)",
                r"(以|用).{1,12}(推动|促进|提升|助力)",
                r"(必须坚持|实践证明|(重要|基本|宝贵)(经验|启示|体会)|主要体会|成功.{0,8}在于|走出了?.{0,8}新路)",
                # “某地：怎么做成一件事” — a single place's own account (各地… stays 工作动态)
                r"^(【[^】]*】)?((" + _PROVINCES + r")(省|市|自治区)?|[\u4e00-\u9fff]{1,8}(市|县|区|州|旗|镇|乡))[：:]",
                r"(守护|激发|温暖|贴心|方便群众|让.{1,10}(更|少|多)|为.{1,8}(护航|赋能|减负)|显身手|结硕果|暖民心|赢得|认可|惠及)",
            ],
            body_cues=[r"一是.{2,80}二是.{2,80}三是", r"(成效|效果)(明显|显著)|取得.{0,6}成效|(已|被).{0,10}推广",
                       r"(满意(率|度)|好评)", r"(做法|经验)(主要)?有"],
            examples=["某县多措并举推进家庭医生签约服务", "某局创新农村公路管养机制成效明显"],
        ),
        CategorySpec(
            "problem", "问题与建议、社情民意",
            keywords=["问题", "建议", "困难", "隐患", "反映", "意见", "诉求", "投诉", "呼声", "社情民意", "舆情",
                      "亟待", "亟需", "值得关注", "引起重视", "短缺", "流失", "滞后", "不到位"],
            title_patterns=[
                r"(存在的?问题|突出问题|问题.{0,4}建议|的问题|问题(值得|应|亟|需)|困难和问题|几个问题)",
                r"(建议|意见较大|反映|呼声|社情民意|民意|舆情|热议|诉求|投诉)",
                r"(亟待|亟需|值得关注|引起(重视|关注)|不容忽视|隐患|难题待解|缺口|短缺|流失|滞后|突出|倾向|苗头|不足|不够|偏低|偏高|过高|较多|不畅|不力|缺乏|困难|难以|短板|薄弱|盲区)",
            ],
            body_cues=[r"(存在的?问题|主要原因|究其原因)", r"建议[：:，,]|为此建议|建议(有关|上级|尽快|加大)",
                       r"(群众|网民|居民|市民).{0,10}(反映|热议|意见|投诉)"],
            examples=["基层反映村医待遇偏低问题", "群众反映看病难问题值得关注"],
        ),
        CategorySpec(
            "progress", "工作动态（部署、进展、落实、指标）",
            keywords=["启动", "部署", "印发", "推进", "进展", "完成", "开展", "落实", "实施方案", "截至", "同比",
                      "演练", "培训", "验收", "检查", "指标", "专项行动", "专项整治", "顺利"],
            title_patterns=[
                r"(启动|部署|印发|出台|下发|推进|进展|完成|开展|落实|实施|做好|启用|上线|就绪|到位|准备工作)",
                r"(应急演练|演练|应急预案|专项(行动|整治|检查)|大检查|培训班?|宣传周)",
                r"(截至|前三季度|上半年|[一二三四]季度|\d+至\d+月|年度目标|年度任务|完成情况|指标|同比)",
            ],
            body_cues=[r"截至.{0,12}(累计|完成|已)", r"(同比(增长|下降|提高)|占年度计划|完成率|序时进度)", r"(印发|制定).{0,6}《",
                       r"(下一步|下步)"],
            examples=["某局全面启动专项整治行动", "上半年全市交通投资完成年度计划的六成"],
        ),
    ]


class CategorySettings(BaseModel):
    """One ``[[categories]]`` table. For a default category only the keys it changes are needed."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(min_length=1)
    name: str | None = Field(None, min_length=1)
    description: str = ""  # for the people who read the config; the classifier does not use it
    keywords: list[str] | None = None
    title_patterns: list[str] | None = None
    body_cues: list[str] | None = None
    examples: list[str] | None = None

    @field_validator("title_patterns", "body_cues")
    @classmethod
    def _regexes(cls, patterns: list[str] | None) -> list[str] | None:
        for pattern in patterns or ():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regex {pattern!r}: {exc}") from None
        return patterns

    def build(self, default: CategorySpec | None) -> CategorySpec:
        given = self.model_dump(exclude={"description"}, exclude_none=True)
        if default is None and "name" not in given:
            raise ValueError(f"category {self.id!r} is not a default category, so it needs a 'name'")
        base = {f.name: getattr(default, f.name) for f in fields(CategorySpec)} if default else {}
        return CategorySpec(**{**base, **given})


def build_taxonomy(settings: Sequence[CategorySettings]) -> list[CategorySpec]:
    """The categories of ``[[categories]]``, defaults filled in; none configured = the six defaults.

    Raises ValueError ``categories[i]: reason`` for a duplicate id or a new category without a name.
    """
    if not settings:
        return default_taxonomy()
    defaults = {spec.id: spec for spec in default_taxonomy()}
    specs: list[CategorySpec] = []
    for index, item in enumerate(settings):
        if any(spec.id == item.id for spec in specs):
            raise ValueError(f"categories[{index}]: duplicate id {item.id!r}")
        try:
            specs.append(item.build(defaults.get(item.id)))
        except ValueError as exc:
            raise ValueError(f"categories[{index}]: {exc}") from None
    return specs


def taxonomy_from_config(items: list[dict[str, Any]]) -> list[CategorySpec]:
    """Build categories from plain ``[[categories]]`` tables (as TOML gives them); errors as ValueError."""
    checked = []
    for index, item in enumerate(items):
        try:
            checked.append(CategorySettings.model_validate(item))
        except ValidationError as e:
            err = e.errors()[0]
            key = ".".join(str(k) for k in err["loc"])
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
            raise ValueError(f"categories[{index}]: {key!r}: {msg}") from None
    if not checked:
        raise ValueError("categories: at least one category is needed")
    return build_taxonomy(checked)
