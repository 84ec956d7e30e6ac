"""Content classification: cue rules, hard cases, traditional input, calibration, the cache."""
from __future__ import annotations

import pytest

from mailbot.classify.classifier import (
    GENERATED_WEIGHT,
    Classifier,
    Decision,
    load_model,
    parse_candidates,
    save_model,
)
from mailbot.classify.cues import compile_specs, score_cues
from mailbot.classify.dataset import load_generated, load_real
from mailbot.classify.evaluation import evaluate
from mailbot.classify.model import prepare, train
from mailbot.classify.taxonomy import CategorySpec, default_taxonomy, taxonomy_from_config
from mailbot.text import cleaned, words

IDS = ["emergency", "meeting", "research", "experience", "problem", "progress"]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.build()


@pytest.fixture(scope="module")
def held_out_classifier() -> Classifier:
    """Trained on the real train split (and the generated items), so the real test split is unseen."""
    train_rows = [e.as_tuple() for e in load_real("train")]
    generated = [e.as_tuple() for e in load_generated()]
    return Classifier.trained(default_taxonomy(), train_rows + generated,
                              [1.0] * len(train_rows) + [GENERATED_WEIGHT] * len(generated))


def _top_cue(title: str, body: str = "") -> str:
    scores = score_cues(compile_specs(default_taxonomy()), cleaned(title), cleaned(body))
    return max(scores, key=lambda cid: scores[cid].score)


# --- taxonomy -------------------------------------------------------------------------

def test_default_taxonomy_has_the_contract_ids_with_cues():
    tax = default_taxonomy()
    assert [s.id for s in tax] == IDS
    assert all(s.name and s.title_patterns and s.keywords for s in tax)


def test_taxonomy_from_config_builds_specs():
    specs = taxonomy_from_config([{"id": "commission", "name": "约稿", "keywords": ["约稿"],
                                   "title_patterns": ["^约稿"], "examples": ["约稿：某项工作情况"]}])
    assert specs == [CategorySpec("commission", "约稿", keywords=["约稿"], title_patterns=["^约稿"],
                                  examples=["约稿：某项工作情况"])]


def test_taxonomy_from_config_names_unknown_key():
    with pytest.raises(ValueError, match="'patterns'"):
        taxonomy_from_config([{"id": "x", "name": "X", "patterns": ["a"]}])


@pytest.mark.parametrize("item, fragment", [
    ({"name": "X"}, "'id'"),
    ({"id": "x", "name": "X", "keywords": "医改"}, "'keywords'"),
    ({"id": "x", "name": "X", "title_patterns": ["(unclosed"]}, "bad regex"),
])
def test_taxonomy_from_config_rejects_bad_values(item, fragment):
    with pytest.raises(ValueError, match=fragment):
        taxonomy_from_config([item])


def test_taxonomy_from_config_rejects_duplicate_ids():
    with pytest.raises(ValueError, match="duplicate id 'a'"):
        taxonomy_from_config([{"id": "a", "name": "A"}, {"id": "a", "name": "B"}])


# --- cue rules ------------------------------------------------------------------------

@pytest.mark.parametrize("title, expected", [
    ("桦甸市发生一起食物中毒事件", "emergency"),
    ("市卫生局召开全市卫生应急工作会议", "meeting"),
    ("关于我市乡镇卫生院人才队伍建设的调研报告", "research"),
    ("某县多措并举推进家庭医生签约服务", "experience"),
    ("基层反映村医养老保障问题亟待解决", "problem"),
    ("截至9月底全市农村公路建设完成年度任务85%", "progress"),
])
def test_title_patterns_point_to_their_category(title, expected):
    assert _top_cue(title) == expected


def test_body_cues_count_when_the_title_says_little():
    body = "我们在工作中发现，当前存在的问题主要有三个方面。建议：加大投入，完善政策。"
    scores = score_cues(compile_specs(default_taxonomy()), "情况反馈", cleaned(body))
    assert scores["problem"].score > 0
    assert any(r.startswith("正文") for _, r in scores["problem"].reasons)


# --- classifier ---------------------------------------------------------------------

@pytest.mark.parametrize("subject, text, expected", [
    ("省长到吉林市调研安全生产工作", "省长一行先后到化工园区和高速公路服务区实地察看，并召开座谈会。", "meeting"),
    ("副市长深入农安县调研分级诊疗工作", "", "meeting"),
    ("关于全省突发公共卫生事件应急能力建设的调研报告", "调研发现，物资储备不足。建议加大投入。", "research"),
    ("浙江省推进县域医共体建设的经验及启示", "浙江省在医共体建设方面的主要做法……", "research"),
    ("市卫生局组织开展突发公共卫生事件应急演练", "模拟学校发生聚集性疫情后的报告和处置。", "progress"),
    ("永吉县高速公路发生多车追尾事故 造成2人死亡", "", "emergency"),
    ("", "今晨通化县一煤矿发生透水事故，井下7人被困，救援正在进行。", "emergency"),
])
def test_hard_cases(classifier, subject, text, expected):
    assert classifier.classify(subject, text).category == expected


def test_decision_has_category_confidence_and_reasons(classifier):
    d = classifier.classify("市交通运输局召开安全生产工作会议", "局长出席会议并讲话。")
    assert isinstance(d, Decision)
    assert d.category == "meeting"
    assert 0.0 < d.confidence <= 1.0
    assert any(r.startswith("标题: ") for r in d.reasons)
    assert any(r.startswith("模型: ") for r in d.reasons)
    # the two likeliest categories, best first, recorded in the reasons for the digest
    assert d.alternatives[0][0] == "meeting" and len(d.alternatives) == 2
    assert d.alternatives[0][1] >= d.alternatives[1][1]
    assert parse_candidates(d.reasons) == d.alternatives


def test_confidence_is_lower_for_an_unclear_item(classifier):
    clear = classifier.classify("通化市发生一起较大道路交通事故 造成3人死亡", "伤员已送医救治。")
    vague = classifier.classify("情况", "有关情况如下。")
    assert clear.confidence > vague.confidence


def test_traditional_input_is_read_through_simplified(classifier):
    trad = classifier.classify("松原市寧江區發生一起集體食物中毒事件", "35人陸續出現腹瀉、嘔吐，已送醫治療。")
    simp = classifier.classify("松原市宁江区发生一起集体食物中毒事件", "35人陆续出现腹泻、呕吐，已送医治疗。")
    assert trad.category == simp.category == "emergency"
    assert trad.confidence == pytest.approx(simp.confidence, abs=0.05)


def test_subject_tags_and_forward_prefixes_are_ignored(classifier):
    d = classifier.classify("Fw: 【通化市卫生局】关于我市家庭医生签约服务情况的调研报告", "")
    assert d.category == "research"


def test_empty_item_still_gets_a_decision(classifier):
    d = classifier.classify("", "")
    assert d.category in IDS and 0.0 <= d.confidence <= 1.0


def test_extra_words_join_the_segmentation():
    word = "信息直报点位"
    assert word not in words("县级信息直报点位每天报送")
    Classifier.build(extra_words=[word])
    assert word in words("县级信息直报点位每天报送")


def test_field_terms_from_the_user_dictionary():
    assert {"突发公共卫生事件", "调研报告", "签发人"} <= set(words("突发公共卫生事件调研报告签发人"))


def test_model_is_cached_by_what_it_was_trained_from(tmp_path, classifier):
    from mailbot.classify import classifier as module

    first = Classifier.build(cache_dir=tmp_path)  # written to the folder
    [cached] = tmp_path.glob("classifier-*.pickle")
    stamp = cached.stat().st_mtime_ns
    module._MEMO.clear()  # as a new process would start
    again = Classifier.build(cache_dir=tmp_path)
    assert cached.stat().st_mtime_ns == stamp  # loaded, not trained and written again
    assert again.model is not first.model
    assert all((a.weights == b.weights).all() for a, b in zip(again.model.blocks, first.model.blocks, strict=True))
    corrected = Classifier.build(cache_dir=tmp_path, corrections=[("新词甲乙丙丁专报", "", "problem")])
    [newer] = tmp_path.glob("classifier-*.pickle")  # a correction is another model; the old file goes
    assert newer != cached
    assert corrected.classify("新词甲乙丙丁专报", "").category == "problem"


def test_a_broken_cache_file_is_trained_again(tmp_path, classifier):
    from mailbot.classify import classifier as module

    Classifier.build(cache_dir=tmp_path)
    [cached] = tmp_path.glob("classifier-*.pickle")
    cached.write_bytes(b"not a model")
    module._MEMO.clear()
    assert Classifier.build(cache_dir=tmp_path).classify("市交通运输局召开安全生产工作会议", "").category == "meeting"


def test_configured_category_without_data_is_reached_by_its_rules():
    tax = default_taxonomy() + taxonomy_from_config([
        {"id": "commission", "name": "约稿信息", "keywords": ["约稿"], "title_patterns": ["^约稿[:：]", "约稿"],
         "examples": ["约稿：全市医改工作进展情况", "约稿信息：春运保障情况"]}])
    c = Classifier.build(taxonomy=tax)
    assert c.classify("约稿：我市分级诊疗推进情况", "按照办公室约稿要求，现将有关情况报告如下。").category == "commission"
    assert c.classify("柳河县发生一起食物中毒事件", "").category == "emergency"


def test_saved_model_loads_back(tmp_path, held_out_classifier):
    path = tmp_path / "model.pkl"
    save_model(held_out_classifier.model, path)
    loaded = Classifier(default_taxonomy(), load_model(path))
    assert loaded.model.classes == IDS
    assert loaded.classify("关于农村客运发展的调研报告", "").category == "research"


def test_train_weights_the_office_corrections():
    rows = [e.as_tuple() for e in load_real("train")]
    correction = ("新词甲乙丙丁专报", "", "problem")
    light = train(rows + [correction], default_taxonomy(), [1.0] * len(rows) + [0.01])
    heavy = train(rows + [correction], default_taxonomy(), [1.0] * len(rows) + [5.0])
    doc = prepare("新词甲乙丙丁专报", "")
    assert heavy.predict_proba(doc)["problem"] > light.predict_proba(doc)["problem"]
    with pytest.raises(ValueError):
        train(rows, default_taxonomy(), [1.0])


# --- labelled data and evaluation -----------------------------------------------------

def test_real_set_is_large_labelled_and_sourced():
    rows = load_real()
    assert len(rows) >= 800 and len({r.id for r in rows}) == len(rows)
    per = {c: sum(r.category == c for r in rows) for c in IDS}
    assert min(per.values()) >= 15, per
    assert all(r.url and r.source in {"xinwenlianbo", "work-report", "web"} for r in rows)
    assert {r.split for r in load_real("test")} == {"test"}
    with pytest.raises(ValueError):
        load_real("dev")


def test_split_keeps_each_source_unit_on_one_side():
    sides: dict[str, set[str]] = {}
    for r in load_real():
        sides.setdefault(r.unit, set()).add(r.split)
        assert r.group.startswith(r.source)
    assert all(len(s) == 1 for s in sides.values())
    groups = {}
    for r in load_real():
        groups.setdefault(r.group, set()).add(r.split)
    assert all(len(s) == 1 for s in groups.values())


def test_no_near_duplicate_straddles_the_split():
    from datasketch import MinHash, MinHashLSH

    def sketch(text: str) -> MinHash:
        m = MinHash(num_perm=64, seed=3)
        text = "".join(text.split())[:600]
        for i in range(max(1, len(text) - 3)):
            m.update(text[i:i + 4].encode())
        return m

    lsh = MinHashLSH(threshold=0.6, num_perm=64)
    train_rows = load_real("train")
    for i, r in enumerate(train_rows):
        lsh.insert(str(i), sketch(r.subject + r.text))
    crossing = [(r.subject, train_rows[int(j)].subject) for r in load_real("test")
                for j in lsh.query(sketch(r.subject + r.text))]
    assert crossing == []


def test_generated_items_never_judge():
    real = {(r.subject, r.text[:200]) for r in load_real()}
    generated = load_generated()
    assert len(generated) > 300 and all(g.split == "train" for g in generated)
    assert not real & {(g.subject, g.text[:200]) for g in generated}
    assert not {r.subject for r in load_real() if r.subject} & {g.subject for g in generated}


def test_held_out_figures_stay_at_least_where_they_were_measured(held_out_classifier):
    # The README's figures come from `mailbot evaluate`; this guards them against regressions.
    report = evaluate(held_out_classifier, load_real("test"), IDS)
    assert report.total == len(load_real("test"))
    assert report.accuracy >= 0.92
    assert report.per_class["emergency"].precision >= 0.85
    assert report.per_class["emergency"].recall >= 0.85
    assert min(report.per_class[c].recall for c in ("meeting", "problem", "progress")) >= 0.9
    assert report.per_class["research"].recall >= 0.75  # 8 items: two misses at most
    text = report.format()
    assert "accuracy" in text and "confusion" in text and "per source" in text and "xinwenlianbo" in text


def test_subject_tags_that_name_a_kind_of_item_are_kept():
    from mailbot.classify.classifier import _clean_subject

    # a unit tag says nothing about the content and goes; a tag naming the kind of item is a cue
    assert _clean_subject("Fw: 【通化市卫生局】关于签约服务的调研报告") == "关于签约服务的调研报告"
    assert _clean_subject("[外部邮件]【市交通局】【紧急】某路段发生山体滑坡") == "【紧急】某路段发生山体滑坡"
    assert _clean_subject("【一线调研】小零件做成大生意") == "【一线调研】小零件做成大生意"
    assert _clean_subject("回复：【经验做法】某县探索医共体建设") == "【经验做法】某县探索医共体建设"


def test_evaluate_counts_a_confusion_matrix():
    class Always:
        def classify(self, subject, text):
            return Decision("meeting", 1.0, [])

    report = evaluate(Always(), [("a", "", "meeting"), ("b", "", "emergency")], ["emergency", "meeting"])
    assert report.accuracy == 0.5
    assert report.confusion["emergency"]["meeting"] == 1
    assert report.per_class["meeting"].precision == 0.5
    assert report.per_class["emergency"].recall == 0.0


def test_vague_item_is_not_an_emergency(classifier):
    d = classifier.classify("书香伴夏 全民阅读点亮暑期生活", "暑期里，各地图书馆迎来读者高峰。")
    assert d.category != "emergency"
    assert d.confidence < 0.95


def test_retrained_learns_office_corrections(classifier):
    subject = "关于XX镇“厕所革命”推进中群众意愿的情况"
    corrections = [(subject, "群众普遍希望改厕后有配套抽运服务。", "problem")] * 3
    retrained = classifier.retrained(corrections)
    d = retrained.classify("Fw: " + subject, "")
    assert (d.category, d.reasons) == ("problem", ["办公室更正: 同题信息"])
    assert retrained.model.predict_proba(prepare(subject, ""))["problem"] > 0.5
    assert classifier.classify(subject, "").category != "problem"  # the original is unchanged


def test_generic_subject_uses_the_items_own_title_from_the_body(classifier):
    body = "签发人：王建国\n关于全市村卫生室运行情况的调研报告\n调研组走访了30个村卫生室。"
    d = classifier.classify("通化市卫生局报送信息", body)
    assert d.category == "research"
    assert any("调研报告" in r for r in d.reasons)


def test_config_table_for_a_default_id_keeps_the_default_cues():
    specs = taxonomy_from_config([{"id": "emergency", "name": "突发事件", "keywords": ["险情"]},
                                  {"id": "meeting"}])
    default = {s.id: s for s in default_taxonomy()}
    assert specs[0].name == "突发事件" and specs[0].keywords == ["险情"]
    assert specs[0].title_patterns == default["emergency"].title_patterns
    assert specs[1] == default["meeting"]
