"""A published issue split into its articles, and its articles matched to the items behind them (pure logic)."""

from __future__ import annotations

from datetime import date

import pytest

from mailbot.bulletin.match import Matcher, Source
from mailbot.bulletin.split import issue_date, read_issue, split_issue
from tests.bulletin_helpers import items, make_issue, write_docx, write_pdf

pytestmark = pytest.mark.needs_corpus  # real items and mail from ../shared/corpus


def _issue():
    it = items(5)
    return it, make_issue(7, date(2026, 3, 10), [
        ("扎实推进" + it[0]["title"][:14], it[0]["paragraphs"][:3], ["A"]),
        ("各地扎实推进重点工作（综合）", it[1]["paragraphs"][:2] + it[2]["paragraphs"][1:3], ["B", "C"]),
        (it[3]["title"][:20], it[3]["paragraphs"][:3], []),
    ])


def test_docx_with_heading_styles_and_contents_splits_into_its_articles():
    it, issue = _issue()
    text, headings, note = read_issue("第7期.docx", write_docx(issue, styled=True, toc=True, numbered=False))
    articles = split_issue(text, headings)
    assert note is None and issue_date(text) == date(2026, 3, 10)
    assert [a.title for a in articles] == [a.title for a in issue.articles]
    # the masthead and the distribution block belong to no article; the 供稿 line is the credit
    assert "吉林省卫生厅办公室编" not in articles[0].text and "共印" not in articles[-1].text
    assert articles[1].credit == "本刊综合" and it[2]["paragraphs"][2][:30] in articles[1].text


def test_docx_with_centred_bold_numbered_titles_and_no_styles():
    _, issue = _issue()
    text, headings, _ = read_issue("issue.docx", write_docx(issue, styled=False, toc=False, numbered=True))
    assert [a.title for a in split_issue(text, headings)] == [a.title for a in issue.articles]


def test_pdf_lines_are_joined_back_into_paragraphs_and_titles_found():
    it, issue = _issue()
    text, headings, _ = read_issue("issue.pdf", write_pdf(issue, toc=False, numbered=False))
    articles = split_issue(text, headings)
    assert headings == [] and [a.title for a in articles] == [a.title for a in issue.articles]
    assert it[0]["paragraphs"][1][:40] in articles[0].text.replace("\n", "")


def test_plain_text_with_section_headers_and_tagged_titles():
    it = items(3)
    body = "\n\n".join(it[0]["paragraphs"][:2])
    text = (f"卫生信息\n第3期\n2026年4月1日\n\n【工作动态】\n\n【甲市卫生局】{it[0]['title'][:16]}\n\n{body}\n\n（甲市卫生局供稿）\n\n"
            f"【基层经验】\n\n【乙市卫生局】{it[1]['title'][:16]}\n\n" + "\n\n".join(it[1]["paragraphs"][:2])
            + "\n\n报：省委办公厅\n送：各市卫生局\n")
    articles = split_issue(text)
    assert [a.title for a in articles] == [f"【甲市卫生局】{it[0]['title'][:16]}", f"【乙市卫生局】{it[1]['title'][:16]}"]
    assert articles[0].credit == "甲市卫生局" and "基层经验" not in articles[0].text and "报：" not in articles[1].text


def test_matching_credits_a_cut_item_and_every_item_of_a_merged_article_and_nothing_for_an_unsourced_one():
    it, issue = _issue()
    sources = [Source(r, f"【甲市卫生局】{x['title']}", "\n".join(x["paragraphs"]), date(2026, 3, 1), "alpha")
               for r, x in zip("ABCE", (it[0], it[1], it[2], it[4]))]
    text, headings, _ = read_issue("issue.docx", write_docx(issue, styled=True, toc=False, numbered=False))
    matcher = Matcher(sources)
    found = [matcher.match(a) for a in split_issue(text, headings)]
    assert [sorted(c.receipt for c in m.certain) for m in found] == [["A"], ["B", "C"], []]
    assert all(c.receipt != "E" for m in found for c in m.certain + m.doubtful)
    assert "见于本文" in found[0].certain[0].evidence


def test_two_items_with_the_same_text_are_both_doubtful():
    it, issue = _issue()
    same = "\n".join(it[0]["paragraphs"])
    sources = [Source("A", it[0]["title"], same, date(2026, 3, 1)), Source("A2", "转发：" + it[0]["title"], same,
                                                                            date(2026, 3, 2))]
    text, headings, _ = read_issue("issue.docx", write_docx(issue, styled=True, toc=False, numbered=False))
    first = Matcher(sources).match(split_issue(text, headings)[0])
    assert first.certain == [] and {c.receipt for c in first.doubtful} == {"A", "A2"}


def test_docx_whose_titles_are_plain_paragraphs():
    _, issue = _issue()
    text, headings, _ = read_issue("issue.docx", write_docx(issue, styled="plain", toc=False, numbered=False))
    assert headings == [] and [a.title for a in split_issue(text, headings)] == [a.title for a in issue.articles]
