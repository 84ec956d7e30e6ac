"""The two shipped schemes, and custom schemes from config."""

import tomllib

import pytest

from mailbot.scoring.schemes import Scheme, SchemeError, preset_names


@pytest.fixture
def health():
    return Scheme.preset("jilin-health")


@pytest.fixture
def transport():
    return Scheme.preset("jilin-transport")


def test_presets_listed():
    assert preset_names() == ["jilin-health", "jilin-transport"]


def test_health_points_follow_article_11(health):
    """Seed 000 第十一条: 报送 2; 采用 厅报刊 10 / 省委省政府·卫生部办公厅 30 / 中央·国办 50;
    批示 厅领导 +30 / 省·部领导 +50 / 国家领导 +100; 约稿 厅办公室 +5 / 部·省办公厅 +10 / 国家机关 +20."""
    assert health.points("submit") == 2
    assert [health.points("adopt", lv) for lv in health.levels("adopt")] == [10, 30, 50]
    assert health.levels("adopt") == ["department", "province", "central"]
    assert {lv: health.points("instruct", lv) for lv in health.levels("instruct")} == {
        "department": 30, "province": 50, "national": 100}
    assert {lv: health.points("commission", lv) for lv in health.levels("commission")} == {
        "department": 5, "province": 10, "national": 20}
    # Category does not matter in this scheme.
    assert health.points("adopt", "province", category="research") == 30
    assert health.kinds("adopt") == [] and health.kinds("instruct") == []
    assert health.zero_without_adoption is False and health.instruction_once_per_level is True
    assert health.label("adopt", "department") == "卫生厅相关报刊"


def test_health_worked_example(health):
    """An item submitted (2), adopted by the department's bulletin (10) and by the provincial
    general office (30), and instructed by a department leader (30): 2 + 10 + 30 + 30 = 72."""
    total = (health.points("submit") + health.points("adopt", "department")
             + health.points("adopt", "province") + health.points("instruct", "department"))
    assert total == 72


def test_transport_adoption_by_content_type(transport):
    """Seed 003 第三项: city carriers 一般动态 2 / 调研 10 / 其它重要 5 / 转报省政府 5;
    province 5 / 15 / – / 转报国办 15; national 15 / 30 / – / –.
    A research item adopted by the city earns 10; a news item (progress) 2."""
    assert transport.points("submit") == 0
    assert transport.levels("adopt") == ["city", "province", "national"]
    assert transport.points("adopt", "city", category="research") == 10
    assert transport.points("adopt", "city", category="progress") == 2
    assert transport.points("adopt", "city", category=None) == 2
    assert transport.points("adopt", "city", category="emergency") == 5
    assert transport.points("adopt", "city", category="problem") == 5
    assert transport.points("adopt", "city", kind="forwarded", category="research") == 5
    assert transport.points("adopt", "province", category="research") == 15
    assert transport.points("adopt", "province", category="meeting") == 5
    assert transport.points("adopt", "province", kind="forwarded") == 15
    assert transport.points("adopt", "national", category="research") == 30
    assert transport.points("adopt", "national", category="experience") == 15
    # A kind overrides the category (the office says it was taken as research).
    assert transport.points("adopt", "national", kind="research", category="progress") == 30


def test_transport_empty_cells(transport):
    """'–' cells: 其它重要 at province/national falls back to 一般动态; 转报 at national is refused."""
    assert transport.points("adopt", "province", category="emergency") == 5
    assert transport.points("adopt", "national", category="problem") == 15
    with pytest.raises(SchemeError, match=r"no adoption points at level 'national' for kind 'forwarded'; "
                                          r"valid kinds at that level: general, research"):
        transport.points("adopt", "national", kind="forwarded")


def test_transport_instructions(transport):
    """Leader level × kind: bureau 2/5/10, city 5/10/20, province 10/20/40; kind defaults to general."""
    table = {lv: [transport.points("instruct", lv, k) for k in transport.kinds("instruct")]
             for lv in transport.levels("instruct")}
    assert table == {"bureau": [2, 5, 10], "city": [5, 10, 20], "province": [10, 20, 40]}
    assert transport.kinds("instruct") == ["general", "important", "decisive"]
    assert transport.points("instruct", "city") == 5
    assert transport.zero_without_adoption is True


def test_transport_has_no_commissions(transport):
    assert transport.levels("commission") == [] and transport.kinds("commission") == []
    with pytest.raises(SchemeError, match="'jilin-transport' has no commission events"):
        transport.points("commission", "city")


def test_unknown_level_kind_event_preset(health, transport):
    with pytest.raises(SchemeError, match=r"^unknown adoption level 'galaxy'; valid: department, province, central$"):
        health.points("adopt", "galaxy")
    with pytest.raises(SchemeError, match="unknown adoption level None; valid: department, province, central"):
        health.points("adopt")
    with pytest.raises(SchemeError, match="unknown instruction level 'national'; valid: bureau, city, province"):
        transport.points("instruct", "national")
    with pytest.raises(SchemeError, match="unknown instruction kind 'urgent'; valid: general, important, decisive"):
        transport.points("instruct", "city", "urgent")
    with pytest.raises(SchemeError, match="unknown adoption kind 'forwarded'; valid: \\(none"):
        health.points("adopt", "province", kind="forwarded")
    with pytest.raises(SchemeError, match="unknown event 'adjust'; valid: submit, adopt, instruct, commission"):
        health.points("adjust")
    with pytest.raises(SchemeError, match="unknown scoring preset 'jilin'; valid: jilin-health, jilin-transport"):
        Scheme.preset("jilin")
    assert isinstance(SchemeError("x"), ValueError)


def test_custom_scheme_in_preset_format_equals_preset():
    """A [scoring] table written out in full, as in the preset file, gives the same scheme."""
    from importlib import resources
    text = resources.files("mailbot.scoring.presets").joinpath("jilin-transport.toml").read_text("utf-8")
    assert Scheme.from_config(tomllib.loads(text)) == Scheme.preset("jilin-transport")


def test_custom_scheme_from_config_toml():
    config = tomllib.loads("""
    [scoring]
    name = "shanxi-like"
    submit_points = 1
    zero_without_adoption = true
    [scoring.adopt.points]
    county = 3
    city = 8
    [scoring.instruct]
    columns = ["read", "praise"]
    default_column = "read"
    [scoring.instruct.points]
    city = { read = 4, praise = 6 }
    """)
    scheme = Scheme.from_config(config["scoring"])
    assert scheme.name == "shanxi-like" and scheme.submit_points == 1
    assert scheme.points("adopt", "city") == 8
    assert scheme.points("instruct", "city") == 4 and scheme.points("instruct", "city", "praise") == 6
    assert scheme.commission is None and scheme.levels("commission") == []
    assert scheme.instruction_once_per_level is True  # the default


def test_empty_scoring_table_is_the_default_preset():
    assert Scheme.from_config({}) == Scheme.preset("jilin-health")


def test_preset_with_overrides():
    scheme = Scheme.from_config({"preset": "jilin-health", "submit_points": 3,
                                 "adopt": {"points": {"central": 60}}})
    assert scheme.submit_points == 3
    assert scheme.points("adopt", "central") == 60 and scheme.points("adopt", "department") == 10
    assert scheme.name == "jilin-health"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "x"}, "missing key 'submit_points'"),
        ({"submit_points": -2}, r"scoring\.submit_points: points must not be negative \(got -2\)"),
        ({"submit_points": True}, "must be a whole number"),
        ({"submit_points": 2.5}, "must be a whole number"),
        ({"submit_points": 2, "bonus": 1}, "unknown key 'bonus'; valid: preset, name, submit_points"),
        ({"submit_points": 2, "zero_without_adoption": "yes"}, r"scoring\.zero_without_adoption: .*valid boolean"),
        ({"submit_points": 2, "adopt": {}}, "scoring.adopt: missing key 'points'"),
        ({"submit_points": 2, "adopt": {"points": {"city": -5}}}, r"scoring\.adopt\.points: city: points must not be negative \(got -5\)"),
        ({"submit_points": 2, "adopt": {"points": {"city": 5}, "weight": 2}}, "scoring.adopt: unknown key 'weight'"),
        ({"submit_points": 2, "adopt": {"columns": ["general"], "points": {"city": {"genral": 2}}}},
         r"scoring\.adopt: points\.city: unknown column 'genral'; valid: general"),
        ({"submit_points": 2, "adopt": {"points": {"city": {"general": 2}}}}, "'columns' must list them"),
        ({"submit_points": 2, "adopt": {"columns": ["general"], "points": {"city": {"general": 2}},
                                        "category_columns": {"research": "study"}}},
         r"category_columns.research: unknown column 'study'"),
        ({"submit_points": 2, "adopt": {"columns": ["general"], "points": {"city": {"general": 2}},
                                        "default_column": "other"}}, "default_column: unknown column 'other'"),
        ({"submit_points": 2, "adopt": {"points": {"city": 2}, "labels": {"town": "镇"}}},
         "labels: unknown level 'town'; valid: city"),
        ({"preset": "jilin-nowhere"}, "unknown scoring preset 'jilin-nowhere'"),
    ],
)
def test_bad_custom_schemes(data, message):
    with pytest.raises(SchemeError, match=message):
        Scheme.from_config(data)
