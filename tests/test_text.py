"""The Chinese text helpers (mailbot.text): simplified characters, the compared form, jieba
words from one tokenizer, reply/forward prefixes, and what an item is."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from mailbot import text
from mailbot.text import (
    cleaned,
    comparable,
    folded,
    is_cover_note,
    is_forward_subject,
    is_item_document,
    is_reply_subject,
    opening_words,
    reply_prefix,
    segment,
    simplified,
    split_items,
    strip_reply_prefixes,
    words,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MAILBOT_SHARED") or ROOT.parent / "shared")


# ---------------------------------------------------------------- simplified characters

def test_traditional_becomes_simplified_phrase_aware() -> None:
    assert simplified("政務信息突發事件") == "政务信息突发事件"
    # 乾 is 干 in 乾淨 but stays in 乾隆: OpenCC converts by phrase, not character by character
    assert simplified("乾淨的房間，乾隆年間") == "干净的房间，乾隆年间"


def test_simplified_and_latin_text_is_returned_as_is() -> None:
    for already in ("", "Re: report 2024", "吉林市卫生局召开全市卫生应急工作会议"):
        assert simplified(already) == already


def test_folded_also_plains_full_width_forms() -> None:
    assert folded("ＡＢＣ１２３：機關（一）") == "ABC123:机关(一)"


def test_no_module_reads_opencc_dictionary_files() -> None:
    # OpenCC through its public API only: its dictionary files are its own business
    sources = list((ROOT / "mailbot").rglob("*.py"))
    offenders = [p for p in sources if re.search(r"opencc\.__file__|TSCharacters|TSPhrases", p.read_text("utf-8"))]
    assert offenders == []


def test_cleaned_drops_pinyin_and_squeezes_spaces() -> None:
    assert cleaned("山西省政務(wù)信息工作辦法") == "山西省政务信息工作办法"
    assert cleaned("全市\u3000 卫生  工作") == "全市 卫生 工作"
    assert cleaned("全市卫生工作会议", limit=4) == "全市卫生"


def test_comparable_form_drops_layout_and_sign_off() -> None:
    item = ("吉林市衛生局 召开 会议\n工作 要求 Ａ Ｂ\n"
            "报送单位：吉林市卫生局\n联系电话：0432-1234\n吉林市卫生局\n2024年5月12日\n")
    assert comparable(item) == "吉林市卫生局召开会议工作要求a b"


# ---------------------------------------------------------------- words

def test_words_are_simplified_keep_figures_and_drop_punctuation() -> None:
    seg = segment("吉林市衛生局：新增確診病例12例，同比增長3.5%。")
    assert seg.words == ("吉林市", "卫生局", "新增", "确诊", "病例", "12", "例", "同比", "增长", "3.5%")
    assert [seg.text[e - len(w):e] for w, e in zip(seg.words, seg.ends)] == list(seg.words)


def test_layout_whitespace_inside_chinese_words_is_ignored() -> None:
    assert segment("疫情 防控\n工作").words == segment("疫情防控工作").words


def test_field_terms_from_the_user_dictionary() -> None:
    assert {"突发公共卫生事件", "调研报告", "签发人"} <= set(words("突发公共卫生事件调研报告签发人"))


def _news_items() -> list[str]:
    path = SHARED / "corpus" / "xinwenlianbo-transcripts" / "derived" / "news_items.jsonl"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines()[:1000]:
        body = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"</p>\s*", "\n", json.loads(line)["text"])))
        if len(body) > 1200:
            out.append(body)
    return out[:20]


@pytest.mark.needs_corpus
def test_opening_words_are_the_same_from_the_whole_text_or_the_opening_alone() -> None:
    # GIVEN long real 新闻联播 items
    items = _news_items()
    assert len(items) == 20
    for body in items:
        # WHEN the classifier's opening is taken from the whole segmentation or segmented alone
        whole = segment(body)
        # THEN the words agree, and they are the first words of the whole text, up to ~800 characters
        opening = whole.opening(800)
        assert opening == opening_words(body, 800)
        assert 0 < len(opening) < len(whole.words) and tuple(opening) == whole.words[:len(opening)]
        assert 700 < whole.ends[len(opening) - 1] <= 800


def test_one_dictionary_per_process() -> None:
    # GIVEN a fresh process WHEN it classifies and fingerprints items
    code = (
        "import jieba\n"
        "from mailbot.classify.classifier import Classifier\n"
        "from mailbot.resubmission import fingerprint\n"
        "made = []\n"
        "init = jieba.Tokenizer.__init__\n"
        "jieba.Tokenizer.__init__ = lambda self, *a, **k: (made.append(1), init(self, *a, **k))[1]\n"
        "Classifier.build().classify('市卫生局召开会议', '会议要求做好疫情防控工作。')\n"
        "fingerprint('市卫生局召开会议', '会议要求做好疫情防控工作。')\n"
        "print(len(made), jieba.dt.initialized)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    # THEN one tokenizer was built and jieba's global one never loaded its dictionary
    assert out.stdout.split() == ["1", "False"]


def test_tokenizer_is_built_once_under_concurrent_first_use(monkeypatch) -> None:
    import jieba

    segment_module = sys.modules["mailbot.text.segmentation"]

    built: list[object] = []
    real = jieba.Tokenizer

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            built.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(segment_module, "_tokenizer", None)
    monkeypatch.setattr(jieba, "Tokenizer", Counting)
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(text.tokenizer())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and all(g is built[0] for g in got)


# ---------------------------------------------------------------- reply and forward prefixes

@pytest.mark.parametrize("subject, prefix", [
    ("回复：采用 20260203-0001 省级", "回复："),
    ("答复:采用 20260203-0001 省级", "答复:"),
    ("回覆：采用 20260203-0001 省级", "回覆："),
    ("回復： 采用 20260203-0001 省级", "回復： "),
    ("答覆：采用 20260203-0001 省级", "答覆："),
    ("Re: 采用 20260203-0001 省级", "Re: "),
    ("RE：采用 20260203-0001 省级", "RE："),
    ("re:采用 20260203-0001 省级", "re:"),
    ("AW: 采用 20260203-0001 省级", "AW: "),
    ("Fw: 采用 20260203-0001 省级", "Fw: "),
    ("Fwd: 采用 20260203-0001 省级", "Fwd: "),
    ("FW：采用 20260203-0001 省级", "FW："),
    ("转发：采用 20260203-0001 省级", "转发："),
    ("轉發：采用 20260203-0001 省级", "轉發："),
    ("轉寄: 采用 20260203-0001 省级", "轉寄: "),
    ("ＲＥ：采用 20260203-0001 省级", "ＲＥ："),
    ("Ｆｗｄ：采用 20260203-0001 省级", "Ｆｗｄ："),
    ("Re[2]: 采用 20260203-0001 省级", "Re[2]: "),
    ("回复（2）：采用 20260203-0001 省级", "回复（2）："),
    ("【转发】采用 20260203-0001 省级", "【转发】"),
    ("[Fwd] 采用 20260203-0001 省级", "[Fwd] "),
    ("［转发］采用 20260203-0001 省级", "［转发］"),
    ("Re: 回复：转发：Re:采用 20260203-0001 省级", "Re: 回复：转发：Re:"),
    ("  RE : Fw :采用 20260203-0001 省级", "  RE : Fw :"),
])
def test_every_reply_and_forward_prefix_form(subject: str, prefix: str) -> None:
    assert reply_prefix(subject) == prefix
    assert strip_reply_prefixes(subject) == "采用 20260203-0001 省级"
    assert is_reply_subject(subject)


@pytest.mark.parametrize("subject", [
    "转发省政府关于做好防汛工作的通知",  # a document title, not a forward: no colon
    "回复函：关于某事",
    "Report: 全市卫生工作",
    "Review 2024",
    "【吉林市卫生局】疫情防控周报",
    "采用 20260203-0001 省级",
    "",
])
def test_titles_that_only_look_like_prefixes_are_kept(subject: str) -> None:
    assert strip_reply_prefixes(subject) == subject.lstrip()
    assert reply_prefix(subject) == ""
    assert not is_reply_subject(subject) and not is_forward_subject(subject)


@pytest.mark.parametrize("subject, forward", [
    ("轉發：关于加强春运安全管理的报告", True),
    ("转发：关于加强春运安全管理的报告", True),
    ("Fwd: 关于加强春运安全管理的报告", True),
    ("FW：关于加强春运安全管理的报告", True),
    ("Re: 回覆：Fw: 关于加强春运安全管理的报告", True),
    ("【转发】关于加强春运安全管理的报告", True),
    ("[SPAM] Fwd: 关于加强春运安全管理的报告", True),
    ("Re: 关于加强春运安全管理的报告", False),
    ("回覆：关于加强春运安全管理的报告", False),
])
def test_forward_subjects(subject: str, forward: bool) -> None:
    assert is_forward_subject(subject) is forward


def test_gateway_tags_are_stripped_only_on_request() -> None:
    subject = "[SPAM] Re: 【外部邮件】***SPAM*** 回复：采用 20260203-0001 省级"
    assert strip_reply_prefixes(subject) == subject
    assert strip_reply_prefixes(subject, tags=True) == "采用 20260203-0001 省级"
    assert reply_prefix(subject, tags=True) == "[SPAM] Re: 【外部邮件】***SPAM*** 回复："


# ---------------------------------------------------------------- what an item is

@dataclass
class Doc:
    filename: str
    content_type: str
    text: str | None
    is_image: bool = False


REPORT = "关于开展卫生应急演练的信息\n5月10日，市卫生局组织开展突发公共卫生事件应急演练。"
BRIEF = "吉林省卫生厅信息简报\n第十二期，全省卫生应急工作进展。"
DOCX = Doc("应急演练信息.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", REPORT)
PDF = Doc("简报.pdf", "application/pdf", BRIEF)
PHOTO = Doc("photo.jpg", "image/jpeg", None, is_image=True)
LONG_BODY = "3月2日，长春市卫生局召开全市院前急救体系建设推进会，通报全市急救站点建设进展。" * 3


@pytest.mark.parametrize("body, cover", [
    ("请查收附件。", True),
    ("", True),
    ("各位领导：\n现将我局应急演练信息报送给你们，详见附件，请审阅。\n长春市卫生局办公室 张三 0431-88888888", True),
    (LONG_BODY, False),
    ("我局近期工作情况如下：" + "全市卫生系统扎实开展疫情防控工作，成效明显。" * 3, False),
])
def test_cover_notes(body: str, cover: bool) -> None:
    assert is_cover_note(body) is cover


def test_item_documents_are_readable_documents() -> None:
    assert is_item_document(DOCX) and is_item_document(PDF)
    assert is_item_document(Doc("note", "text/plain", "一份没有扩展名的纯文本信息稿件"))
    assert not is_item_document(PHOTO)
    assert not is_item_document(Doc("附表.xlsx", "application/vnd.ms-excel", "长春市 120 吉林市 98 通化市 77"))
    assert not is_item_document(Doc("forwarded.eml", "message/rfc822", REPORT))
    assert not is_item_document(Doc("短.docx", DOCX.content_type, "见正文"))
    assert not is_item_document(Doc("加密.pdf", "application/pdf", None))


def test_the_body_is_the_item_without_documents() -> None:
    items = split_items("  " + LONG_BODY + "\n", [PHOTO])
    assert [(i.part, i.title, i.text, i.document) for i in items] == [(0, None, LONG_BODY, None)]


def test_one_document_under_a_cover_note_is_the_item() -> None:
    items = split_items("请查收附件。", [DOCX, PHOTO])
    assert [(i.part, i.title, i.text, i.document) for i in items] == [(0, None, REPORT, DOCX)]


def test_each_document_under_a_cover_note_is_one_item_with_its_own_title() -> None:
    nameless = Doc("第三篇.doc", "application/msword", "短\n" + REPORT)
    items = split_items("见附件", [DOCX, PHOTO, PDF, nameless])
    assert [(i.part, i.title, i.document) for i in items] == [
        (1, "关于开展卫生应急演练的信息", DOCX), (2, "吉林省卫生厅信息简报", PDF), (3, "第三篇", nameless)]


def test_a_real_body_stays_the_item_whatever_is_attached() -> None:
    items = split_items(LONG_BODY, [DOCX, PDF])
    assert [(i.part, i.text, i.document) for i in items] == [(0, LONG_BODY, None)]


# ---------------------------------------------------------------- layering

def _mailbot_imports(package: Path) -> set[tuple[str, str]]:
    """(file, imported mailbot module) for every import in the package, function-level ones too."""
    import ast

    found = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found |= {(path.name, n) for n in names if n == "mailbot" or n.startswith("mailbot.")}
    return found


@pytest.mark.parametrize("package", ["text", "reading", "classify", "resubmission", "scoring"])
def test_pure_packages_import_only_themselves_and_the_text_helpers(package: str) -> None:
    allowed = ("mailbot.text",) if package == "text" else ("mailbot.text", f"mailbot.{package}")
    imports = _mailbot_imports(ROOT / "mailbot" / package)
    assert {(f, m) for f, m in imports if not any(m == a or m.startswith(a + ".") for a in allowed)} == set()
