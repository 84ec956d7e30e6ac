"""Shared pools and helpers for the labelled-data generator."""
from __future__ import annotations

import random
from pathlib import Path

HERE = Path(__file__).parent
R = random.Random(20261125)

CITIES = ["长春市", "吉林市", "四平市", "辽源市", "通化市", "白山市", "松原市", "白城市", "延边州",
          "梅河口市", "公主岭市"]
COUNTIES = ["桦甸市", "蛟河市", "磐石市", "舒兰市", "永吉县", "农安县", "榆树市", "德惠市", "梨树县",
            "伊通县", "东辽县", "辉南县", "柳河县", "抚松县", "长白县", "乾安县", "镇赉县", "通榆县",
            "敦化市", "珲春市", "和龙市", "安图县", "扶余市", "洮南市", "大安市", "集安市"]
HEALTH_UNITS = ["市卫生局", "市卫生健康委", "市疾控中心", "县卫生局", "市中心医院", "市妇幼保健院",
                "市卫生监督所", "县人民医院", "市中医院", "市急救中心"]
DEPT_UNITS = ["省疾控中心", "厅医政处", "厅疾控处", "厅应急办", "厅妇幼处", "厅基层卫生处", "厅规划财务处",
              "省中医药管理局", "省卫生监督所", "省人民医院", "省肿瘤医院", "省血液中心", "厅办公室",
              "厅人事处", "厅食品安全处", "厅科教处", "省职业病防治院", "厅机关党委", "厅干部保健局"]
TRANSPORT_UNITS = ["交通运输局", "公路管理处", "运输管理处", "地方海事局", "客运总站", "交通运输综合执法支队",
                   "农村公路管理所", "港航管理处", "路政管理处", "公交集团", "出租汽车管理处", "工程质量监督站",
                   "局安全监督处", "局规划建设处", "局办公室"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["建国", "志强", "海燕", "立新", "红梅", "晓东", "国庆", "丽娟", "永胜", "春华", "桂兰", "文博", "学军",
         "明辉", "淑芬", "长青", "德胜", "玉洁", "振华", "凤霞", "宏伟", "秀英", "卫东", "俊峰", "雪松"]
MONTHS = list(range(1, 13))


def pick(seq):
    return R.choice(seq)


def person():
    return pick(SURNAMES) + pick(GIVEN)


def health_unit():
    return R.choice([pick(CITIES) + pick(HEALTH_UNITS[:3] + HEALTH_UNITS[4:]),
                     pick(COUNTIES) + pick(["卫生局", "卫生健康局", "疾控中心", "人民医院", "中医院"]),
                     pick(DEPT_UNITS)])


def transport_unit():
    return R.choice([pick(CITIES) + "交通运输局", pick(COUNTIES) + "交通运输局",
                     "局属" + pick(["公路管理处", "运输管理处", "港航管理处", "路政管理处"]),
                     pick(TRANSPORT_UNITS)])


def any_unit():
    return health_unit() if R.random() < 0.6 else transport_unit()


def md():
    return f"{pick(MONTHS)}月{R.randint(1, 28)}日"


def num(a, b):
    return R.randint(a, b)


def pct():
    return f"{R.randint(50, 99)}.{R.randint(0, 9)}%"


def sign_block(unit):
    if R.random() < 0.25:
        return f"\n\n（报送单位：{unit}  信息员：{person()}  签发人：{person()}）"
    if R.random() < 0.15:
        return f"\n\n{unit}办公室\n{md()}"
    return ""


HEALTH_TOPICS = ["医改", "分级诊疗", "家庭医生签约服务", "基本公共卫生服务", "医联体建设", "公立医院综合改革",
                 "爱国卫生运动", "健康扶贫", "中医药服务能力提升", "妇幼健康服务", "免疫规划", "结核病防治",
                 "艾滋病防治", "无偿献血", "村卫生室标准化建设", "院前急救体系建设", "食品安全风险监测",
                 "职业病防治", "慢性病综合防控", "卫生应急", "疫情防控", "医疗质量安全", "改善医疗服务行动",
                 "远程医疗", "基层卫生人才队伍建设", "新农合支付方式改革", "病媒生物防制", "传染病报告管理"]
TRANSPORT_TOPICS = ["农村公路建设", "道路运输安全", "冬季除雪保畅", "城乡客运一体化", "超限超载治理",
                    "出租汽车行业管理", "公路养护", "安全生产", "危险货物运输监管", "交通重点项目建设",
                    "春运", "水上交通安全", "公交优先发展", "驾培市场整治", "物流降本增效", "交通扶贫",
                    "治理车辆超限", "路域环境整治", "桥梁隐患排查", "四好农村路建设"]


def topic_for(unit):
    if any(k in unit for k in ["交通", "公路", "运输", "海事", "客运", "路政", "港航", "公交", "出租", "工程质量", "局安全", "局规划", "局办公室"]):
        return pick(TRANSPORT_TOPICS)
    return pick(HEALTH_TOPICS)


