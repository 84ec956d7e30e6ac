"""Finding the unit in a subject or a body (pure lookups over the configured units)."""

from mailbot.units import UnitDirectory, UnitInfo

UNITS = UnitDirectory([
    UnitInfo("jilin", "吉林市卫生局", "city", ("吉林市卫健委",), ("jlsws@example.gov.cn",)),
    UnitInfo("province", "吉林省卫生厅", "x", (), ()),
    UnitInfo("yanbian", "延边州卫生局", "city", ("延边卫生局",), ()),
    UnitInfo("cdc", "省疾病预防控制中心", "direct", ("省疾控中心",), ()),
])


def test_address_is_case_insensitive():
    assert UNITS.unit_of_address(" JLSWS@Example.gov.cn ") == "jilin"


def test_subject_forms_and_traditional():
    assert UNITS.unit_in_subject("【延边州卫生局】关于村卫生室运行情况的调研报告") == "yanbian"
    assert UNITS.unit_in_subject("[吉林市卫健委] 全市开展爱国卫生月活动") == "jilin"
    assert UNITS.unit_in_subject("转发：省疾控中心：春季传染病防控工作进展") == "cdc"
    assert UNITS.unit_in_subject("延邊州衛生局開展義診活動") == "yanbian"
    assert UNITS.unit_in_subject("全市开展爱国卫生月活动") is None


def test_longest_name_wins():
    assert UNITS.find_name("吉林省卫生厅召开会议") == "province"
    assert UNITS.find_name("吉林市卫生局召开会议") == "jilin"


def test_body_lines_and_bylines_but_not_running_text():
    assert UNITS.unit_in_text("正文……\n报送单位：延边州卫生局\n签发人：李四") == "yanbian"
    assert UNITS.unit_in_text("正文……\n供稿：省疾控中心") == "cdc"
    assert UNITS.unit_in_text("正文……\n（吉林市卫生局供稿）") == "jilin"
    assert UNITS.unit_in_text("正文……\n（延边州卫生局 张三 报送）") == "yanbian"
    assert UNITS.unit_in_text("会同吉林市卫生局开展联合检查，取得良好效果。") is None
