"""Mail rendering helpers: how a receipt greets its reader, how a delay is said."""

from pathlib import Path

from mailbot.mail.render import Renderer, duration, salutation, shipped_templates


def test_salutation_never_doubles_or_titles_tongzhi_and_is_simplified():
    # the three greetings offices complained of
    assert salutation("廳應急辦", "厅应急办") == "厅应急办："
    assert salutation("张主任", "吉林市卫生局") == "张主任："
    assert salutation("赵敏同志", "长春市卫生局") == "赵敏同志："
    assert salutation("趙敏", "长春市卫生局") == "赵敏同志："
    # the officer register's name wins over the display name; roles and offices greet the unit
    assert salutation("信息员", "长春市卫生局", "李明") == "李明同志："
    assert salutation("信息员", "长春市卫生局") == "长春市卫生局："
    assert salutation("长春卫健委", "长春市卫生局") == "长春市卫生局："
    assert salutation("买买提·吐尔逊", "乙市卫生局") == "买买提·吐尔逊同志："


def test_salutation_person_or_office():
    assert salutation("王丽", "吉林市卫生局") == "王丽同志："
    assert salutation("长春市卫生局信息科", "长春市卫生局") == "长春市卫生局："
    assert salutation("", "延边州卫生局") == "延边州卫生局："
    assert salutation("Zhang Wei", "四平市卫生局") == "四平市卫生局："


def test_duration_reads_naturally():
    assert duration(20) == "20 分钟"
    assert duration(125) == "2 小时 5 分钟"
    assert duration(60 * 24 * 10) == "10 天"


def test_office_templates_override_shipped_ones(tmp_path):
    (tmp_path / "alert").mkdir()
    (tmp_path / "alert" / "subject.j2").write_text("【特急】{{ sub }}", encoding="utf-8")
    mail = Renderer(tmp_path).env.get_template("alert/subject.j2").render(sub="x")
    assert mail == "【特急】x"
    # a template the office did not copy falls back to the shipped one
    fallback = Renderer(tmp_path).env.get_template("receipt/subject.j2")
    assert fallback.filename is not None
    assert Path(fallback.filename) == shipped_templates() / "receipt" / "subject.j2"
