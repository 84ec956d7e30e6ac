"""Recognising resubmissions and corrections (mailbot.resubmission).

Texts: hand-written 政务信息 items, and a fixed sample of 新闻联播 items from
../shared/corpus/xinwenlianbo-transcripts (MIT licence), the corpus the
thresholds were tuned on (benchmarks/resubmission_tuning.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mailbot.resubmission import (
    CORRECTION_MARKERS,
    NEAR_DUPLICATE_THRESHOLD,
    Candidate,
    Fingerprint,
    find_original,
    fingerprint,
    is_correction,
    similarity,
    strip_markers,
)

CST = timezone(timedelta(hours=8))
NOW = datetime(2024, 5, 20, 10, 0, tzinfo=CST)

WEEKLY_1 = (
    "吉林市卫生局扎实推进疫情防控各项工作\n"
    "本周，吉林市卫生局认真贯彻落实省卫生厅疫情防控工作部署，全市累计排查重点人员1268人，"
    "新设发热门诊3个，组织流调队伍12支共86人开展实战演练。局党组书记带队深入昌邑区、船营区"
    "6个社区检查防控措施落实情况，现场解决物资调配问题4项。下一步，我局将继续加强医疗机构"
    "院感防控，做好节前重点场所督导检查，确保各项措施落到实处。"
)
WEEKLY_2 = (
    "吉林市卫生局全力做好疫情防控常态化工作\n"
    "本周，吉林市卫生局按照全市疫情防控工作会议要求，完成对全市42家二级以上医疗机构预检分诊"
    "督导检查，发现并整改问题17个。召开疫苗接种工作推进会，部署老年人群加强免疫，本周新增接种"
    "3.2万剂次。市疾控中心开展核酸检测能力培训2期，培训检验人员150人次。下一步，我局将继续"
    "加强疫情监测预警，做好疫情防控工作。"
)
SIGNATURE = "\n\n报送单位：吉林市卫生局\n信息员：张晓明\n联系电话：0432-62345678\n吉林市卫生局\n2024年5月12日"

# 新闻联播 2022-11-14 and 2022-12-14: the same daily template, other figures
# (text similarity ~0.5, the highest non-duplicate pair in the corpus with figures).
DAILY_A = (
    "国家卫生健康委今天（11月14日）通报，11月13日0—24时，31个省（自治区、直辖市）和新疆生产建设兵团"
    "报告新增新冠肺炎确诊病例1794例，其中，境外输入病例47例，本土病例1747例；新增无症状感染者14409例，"
    "其中，境外输入84例，本土14325例。截至11月13日24时，现有确诊病例13389例。截至11月13日，"
    "各地累计报告接种新冠病毒疫苗344120.5万剂次。"
)
DAILY_B = (
    "国家卫生健康委今天（12月14日）通报，12月13日0—24时，31个省（自治区、直辖市）和新疆生产建设兵团"
    "报告新增新冠肺炎确诊病例2291例，其中境外输入病例42例，本土病例2249例。截至12月13日24时，"
    "现有确诊病例35274例。截至12月13日，各地累计报告接种新冠病毒疫苗345167.7万剂次。"
)
# 新闻联播 2023-09-11, two items of the same day.
FINANCE = (
    "今天（9月11日），中国人民银行公布的8月份金融数据显示，8月末，广义货币（M2）余额286.93万亿元，"
    "同比增长10.6%，依然保持在较高水平。\n8月份社会融资规模增量为3.12万亿元，比上年同期多6316亿元，"
    "金融对实体经济的支持力度持续加力。\n8月份人民币贷款增加1.36万亿元，比7月增量增加超过1万亿元，"
    "显示市场信心和预期加快好转。\n贷款总量增长，信贷结构也持续优化。多家大型银行7、8月份普惠小微贷款、"
    "绿色贷款、制造业中长期贷款、民营企业贷款同比增速均高于一般贷款增速，投向重点领域和薄弱环节的信贷"
    "占比不断提高。\n与此同时，降息、调整优化住房信贷政策等一系列措施出台，明显加大了对实体经济的支持"
    "力度，有效提振市场信心。"
)
BOOKS = (
    "经中共中央宣传部审定，《习近平著作选读》第一卷、第二卷线装本已由线装书局、人民出版社联合出版，"
    "即日起在全国发行。\n这部线装书以人民出版社2023年4月出版的《习近平著作选读》第一卷、第二卷为版本，"
    "繁体大字竖排，16开，全套16册，分装两函。典雅精美的装帧，加上独特的印制材料和工艺，使该书具有浓厚的"
    "中华文化韵味，是可供学习、收藏的珍本书。"
)
# FINANCE corrected: four figures changed and one sentence rewritten.
FINANCE_CORRECTED = (
    FINANCE.replace("286.93", "287.13").replace("10.6%", "10.8%").replace("6316", "6361")
    .replace("1.36万亿元", "1.63万亿元")
    .replace("显示市场信心和预期加快好转。", "反映出企业和居民融资需求有所回升，市场预期逐步改善。")
)


def candidate(key: str, subject: str, text: str, days_ago: float) -> Candidate:
    return Candidate(key, fingerprint(subject, text), subject, NOW - timedelta(days=days_ago))


# ---------------------------------------------------------------- subjects

@pytest.mark.parametrize("marker", CORRECTION_MARKERS)
def test_every_listed_marker_marks_a_correction_and_is_stripped(marker: str) -> None:
    subject = f"{marker}吉林市卫生局疫情防控工作周报" if not marker.startswith(("（", "(")) \
        else f"吉林市卫生局疫情防控工作周报{marker}"
    assert is_correction(subject)
    assert strip_markers(subject) == "吉林市卫生局疫情防控工作周报"


@pytest.mark.parametrize("subject, stripped", [
    ("Re: 回复：转发: 【修改】关于全市医疗机构督导检查情况（修改稿）", "关于全市医疗机构督导检查情况"),
    ("FW: 【吉林市卫生局】疫情防控周报", "【吉林市卫生局】疫情防控周报"),
    ("  关于  设备更新  工作的情况 ", "关于 设备更新 工作的情况"),
    ("轉發：關於防控工作的報告（修訂稿）", "關於防控工作的報告"),
])
def test_strip_markers_keeps_unit_tags_and_removes_prefixes(subject: str, stripped: str) -> None:
    assert strip_markers(subject) == stripped


@pytest.mark.parametrize("subject", [
    "【吉林市卫生局】疫情防控周报", "关于设备更新工作的情况", "Re: 工作动态", "更正错误做法的经验",
])
def test_plain_subjects_are_not_corrections(subject: str) -> None:
    assert not is_correction(subject)


# ---------------------------------------------------------------- exact resends

def test_resend_with_other_whitespace_and_signature_is_exact() -> None:
    original = candidate("m1", "疫情防控工作周报", WEEKLY_1, days_ago=2)
    resent = "  " + WEEKLY_1.replace("，", "， ").replace("。", "。\n\n") + SIGNATURE
    found = find_original(fingerprint("疫情防控工作周报", resent), "疫情防控工作周报", NOW, [original])
    assert found is not None
    assert found[0].key == "m1" and found[2] == "exact" and found[1] == 1.0


def test_traditional_copy_of_the_same_text_is_exact() -> None:
    import opencc

    traditional = opencc.OpenCC("s2t").convert(WEEKLY_2)
    assert traditional != WEEKLY_2
    original = candidate("m1", "疫情防控常态化", WEEKLY_2, days_ago=1)
    found = find_original(fingerprint("疫情防控常態化", traditional), "疫情防控常態化", NOW, [original])
    assert found is not None and found[2] == "exact"


def test_exact_resend_counts_whatever_its_age_but_near_duplicate_does_not() -> None:
    original = candidate("m1", "金融数据", FINANCE, days_ago=40)
    exact = find_original(fingerprint("金融数据", FINANCE + SIGNATURE), "金融数据", NOW, [original])
    assert exact is not None and exact[2] == "exact"

    edited = FINANCE.replace("10.6%", "10.7%")
    assert find_original(fingerprint("金融数据", edited), "金融数据", NOW, [original]) is None
    in_window = find_original(fingerprint("金融数据", edited), "金融数据", NOW, [original],
                              window=timedelta(days=60))
    assert in_window is not None and in_window[2].startswith("near-duplicate")


# ---------------------------------------------------------------- corrections

def test_corrected_figures_with_marker_find_the_original() -> None:
    original = candidate("m1", "8月金融数据", FINANCE, days_ago=1)
    other = candidate("m2", "线装本出版发行", BOOKS, days_ago=1)
    new = fingerprint("【更正】8月金融数据", FINANCE_CORRECTED)
    found = find_original(new, "【更正】8月金融数据", NOW, [other, original])
    assert found is not None and found[0].key == "m1"
    assert 0.3 < found[1] < 1.0


def test_heavier_correction_needs_the_marker() -> None:
    original = candidate("m1", "8月金融数据", FINANCE, days_ago=1)
    heavier = FINANCE_CORRECTED.replace(
        "与此同时，降息、调整优化住房信贷政策等一系列措施出台，",
        "此外，人民银行综合运用多种货币政策工具，保持流动性合理充裕，",
    )
    new = fingerprint("8月金融数据", heavier)
    sim = similarity(new, original.fingerprint)
    assert sim < NEAR_DUPLICATE_THRESHOLD  # too changed to pass as a plain resend
    assert find_original(new, "8月金融数据", NOW, [original]) is None
    found = find_original(new, "8月份金融数据出炉（更正）", NOW, [original])  # retitled as well
    assert found is not None and found[2].startswith("correction marker + similarity")


def test_correction_with_the_same_title_may_share_little_text() -> None:
    original = candidate("m1", "8月金融数据", FINANCE, days_ago=1)
    new = fingerprint("更正：8月金融数据", FINANCE_CORRECTED)
    # Thresholds out of reach, so only the title rule can match.
    strict = {"threshold": 1.01, "correction_threshold": 1.01}
    found = find_original(new, "更正：8月金融数据", NOW, [original], **strict)
    assert found is not None and found[2] == "correction marker + title"
    assert find_original(new, "更正：人民银行发布数据", NOW, [original], **strict) is None
    assert find_original(new, "8月金融数据", NOW, [original], **strict) is None


# ---------------------------------------------------------------- different items

def test_two_weekly_reports_on_the_same_topic_are_different_items() -> None:
    earlier = candidate("w1", "疫情防控工作周报", WEEKLY_1, days_ago=7)
    new = fingerprint("疫情防控工作周报", WEEKLY_2)
    assert find_original(new, "疫情防控工作周报", NOW, [earlier]) is None


def test_same_template_with_other_figures_is_a_different_item() -> None:
    earlier = candidate("d1", "国家卫生健康委通报最新疫情", DAILY_A, days_ago=1)
    new = fingerprint("国家卫生健康委通报最新疫情", DAILY_B)
    assert similarity(new, earlier.fingerprint) >= 0.35  # the wording really is shared
    assert find_original(new, "国家卫生健康委通报最新疫情", NOW, [earlier]) is None


def report_from_template(week: int, figures: tuple[int, ...]) -> str:
    """A unit's fixed weekly wording around new figures: the case the figure check exists for."""
    a, b, c, d, e, f = figures
    return (
        f"吉林市卫生局疫情防控工作第{week}周情况\n"
        "本周，我局坚持常态化疫情防控工作不放松，严格落实“四早”要求，持续做好重点人群健康监测、"
        "医疗机构院感防控和疫苗接种各项工作，各县（市）区卫生健康部门按照统一部署抓好落实。"
        f"全市累计开展核酸检测{a}人次，排查重点人员{b}人，督导检查医疗机构{c}家，整改问题{d}个，"
        f"新增疫苗接种{e}剂次，开展培训{f}场。"
        "下一步，我局将继续压实各方责任，加强监测预警和应急处置，巩固来之不易的防控成果。"
    )


def test_fixed_wording_with_other_figures_is_next_weeks_report() -> None:
    earlier = candidate("w7", "疫情防控工作周报", report_from_template(7, (15230, 862, 41, 17, 3200, 6)), 7)
    next_week = fingerprint("疫情防控工作周报", report_from_template(8, (16418, 905, 38, 12, 2750, 4)))
    assert similarity(next_week, earlier.fingerprint) >= NEAR_DUPLICATE_THRESHOLD
    assert find_original(next_week, "疫情防控工作周报", NOW, [earlier]) is None

    resent = fingerprint("疫情防控工作周报", report_from_template(7, (15230, 862, 41, 17, 3300, 6)))
    found = find_original(resent, "疫情防控工作周报", NOW, [earlier])
    assert found is not None and found[2].startswith("near-duplicate")


def test_items_of_the_same_day_are_different() -> None:
    earlier = candidate("n1", "金融数据", FINANCE, days_ago=0.1)
    assert find_original(fingerprint("线装本出版", BOOKS), "线装本出版", NOW, [earlier]) is None
    assert similarity(fingerprint("", BOOKS), earlier.fingerprint) < 0.1


def test_empty_texts_do_not_match_each_other() -> None:
    earlier = candidate("e1", "关于报送材料的说明", "", days_ago=1)
    assert find_original(fingerprint("工作动态", ""), "工作动态", NOW, [earlier]) is None
    same = find_original(fingerprint("关于报送材料的说明", ""), "关于报送材料的说明", NOW, [earlier])
    assert same is not None and same[2] == "exact"


# ---------------------------------------------------------------- choosing the original

def test_the_earliest_exact_copy_is_the_original_and_later_mail_is_ignored() -> None:
    first = candidate("first", "周报", WEEKLY_1, days_ago=3)
    resend = candidate("resend", "周报", WEEKLY_1, days_ago=2)
    later = Candidate("later", fingerprint("周报", WEEKLY_1), "周报", NOW + timedelta(hours=1))
    found = find_original(fingerprint("周报", WEEKLY_1), "周报", NOW, [later, resend, first])
    assert found is not None and found[0].key == "first"


def test_the_most_similar_candidate_wins() -> None:
    exactish = candidate("close", "8月金融数据", FINANCE, days_ago=5)
    weaker = candidate("far", "8月金融数据", FINANCE_CORRECTED, days_ago=1)
    new = fingerprint("8月金融数据", FINANCE.replace("10.6%", "10.7%"))
    found = find_original(new, "8月金融数据", NOW, [weaker, exactish])
    assert found is not None and found[0].key == "close"


# ---------------------------------------------------------------- storage

def test_fingerprint_round_trips_through_bytes_and_hex() -> None:
    fp = fingerprint("【更正】8月金融数据", FINANCE)
    data = fp.to_bytes()
    assert isinstance(data, bytes) and len(data) < 1024
    again = Fingerprint.from_bytes(data)
    assert again == fp
    assert Fingerprint.from_hex(fp.to_hex()) == fp
    other = fingerprint("", FINANCE_CORRECTED)
    assert similarity(again, other) == similarity(fp, other)
    with pytest.raises(ValueError):
        Fingerprint.from_bytes(data[:-3])


def test_fingerprints_are_stable_across_calls() -> None:
    assert fingerprint("周报", WEEKLY_1).to_bytes() == fingerprint("周报", WEEKLY_1).to_bytes()


def test_the_minhash_is_datasketchs() -> None:
    # GIVEN items long and short, with figures, and texts of fewer words than a shingle
    from datasketch import MinHash

    from mailbot.resubmission.fingerprints import _shingles
    from mailbot.text import segment

    texts = [WEEKLY_1, WEEKLY_2, DAILY_A, DAILY_B, FINANCE, BOOKS, FINANCE_CORRECTED, WEEKLY_1 + SIGNATURE,
             "", "。", "会议", "召开会议", "Weekly report 2024"]
    for text in texts:
        # WHEN the fingerprint's MinHash is computed
        fp = fingerprint("标题", text)
        # THEN it equals datasketch's over the same shingles (as mailbot computed it before)
        m = MinHash(num_perm=128, seed=1, scheme="affine32")
        m.update_batch(_shingles(list(segment(text).words)))
        assert fp.hashvalues.dtype == m.hashvalues.dtype and (fp.hashvalues == m.hashvalues).all(), text[:20]


def test_figures_are_the_words_with_a_digit_in_them() -> None:
    from mailbot.resubmission.fingerprints import _figures

    words = ["会议", "2024", "3.5%", "第3", "ab", "x²", "１２", "一二三", "Ⅻ", "①", "", "A-1"]
    assert _figures(words) == [w for w in words if any(ch.isdigit() for ch in w)]
