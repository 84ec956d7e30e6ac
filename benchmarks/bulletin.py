"""Adoptions found in published issues: precision and recall on real text (README: 刊物采用登记).

Submissions are real news items (《新闻联播》 transcripts in ../shared/corpus, the government
style of 政务信息), each given to a unit and a received date. Issues are made from some of them
the way editors work: titles rewritten (unit tag dropped, 关于…的 shortened, a phrase put
first), paragraphs cut and reordered, sentences trimmed, 我市 turned to 该市; two or three
items merged into one 综合 article; and articles with no source among the submissions (real
items that were never submitted). Each issue is written as a real .docx (python-docx; heading
styles, centred bold titles or plain paragraphs, a 目录 in some) or .pdf (reportlab,
the CJK font built into the PDF standard) and read back through mailbot's own readers.

    MAILBOT_SHARED=../shared python benchmarks/bulletin.py [--issues 30] [--seed 7]

Precision: credited items that really are behind the article. Recall: articles with a source
whose every source was credited; and of the rest, the share that is in the doubtful list.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.shared_corpus import corpus_dir
from mailbot.bulletin.match import Matcher, Source
from mailbot.bulletin.split import read_issue, split_issue

UNITS = ["甲市卫生局", "乙市卫生局", "丙州卫生局", "丁市卫生局", "省疾控中心", "省人民医院", "厅医政处", "厅办公室"]


@dataclass
class Planned:
    title: str
    paragraphs: list[str]
    sources: list[str]  # receipts behind it (empty: written by the office)


@dataclass
class Issue:
    number: int
    day: date
    articles: list[Planned] = field(default_factory=list)


def load_items() -> list[dict]:
    path = corpus_dir() / "xinwenlianbo-transcripts" / "derived" / "news_items.jsonl"
    items = []
    seen = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        it = json.loads(line)
        paras = [re.sub(r"<[^>]+>", "", p).strip() for p in re.split(r"</p>\s*<p>|<p>|</p>", it["text"])]
        paras = [re.sub(r"^央视网消息（新闻联播）：", "", p) for p in paras if len(p) >= 30 and "查看原文" not in p]
        title = re.sub(r"^【[^】]*】", "", it["title"]).strip()
        if len(paras) >= 3 and 500 <= sum(map(len, paras)) <= 4000 and title not in seen:
            seen.add(title)
            items.append({"title": title, "paragraphs": paras})
    return items


def rewrite_title(rng: random.Random, title: str) -> str:
    t = re.sub(r"[：:].*$", "", title) if "：" in title and rng.random() < 0.5 else title
    t = t if len(t) >= 8 else title
    t = re.sub(r"——.*$", "", t).replace("我市", "该市").replace("全市", "该市")[:28].rstrip("，、：；,;: ")
    choice = rng.random()
    if choice < 0.3:
        t = t.replace(" ", "，")
    elif choice < 0.55:
        t = rng.choice(["扎实推进", "着力", "多措并举", "持续深化"]) + t[:20]
    elif choice < 0.8:
        t = t[: max(8, len(t) * 2 // 3)] + rng.choice(["取得新进展", "成效明显", "见实效"])
    return t


def edit_paragraphs(rng: random.Random, paras: list[str], keep: float) -> list[str]:
    n = max(1, round(len(paras) * keep))
    kept = sorted(rng.sample(range(len(paras)), n))
    if rng.random() < 0.4 and len(kept) > 2:
        a, b = rng.sample(range(len(kept)), 2)
        kept[a], kept[b] = kept[b], kept[a]
    out = []
    for i in kept:
        sentences = [s for s in re.split(r"(?<=[。！？])", paras[i]) if s]
        if len(sentences) > 2 and rng.random() < 0.5:
            sentences = sentences[:-1]  # the last sentence trimmed
        text = "".join(sentences).replace("近日，", "").replace("我市", "该市").replace("记者", "")
        out.append(text)
    return out


def build(items: list[dict], issues: int, seed: int) -> tuple[list[Source], list[Issue], list[str]]:
    rng = random.Random(seed)
    rng.shuffle(items)
    n_sub = min(len(items) - issues * 2, max(300, issues * 14))
    submitted, unsubmitted = items[:n_sub], items[n_sub:]
    start = date(2026, 1, 5)
    sources = []
    for n, it in enumerate(submitted):
        day = start + timedelta(days=n * 150 // n_sub)
        unit = UNITS[n % len(UNITS)]
        subject = f"【{unit}】{it['title']}" if rng.random() < 0.5 else it["title"]
        sources.append(Source(f"{day:%Y%m%d}-{n + 1:04d}", subject, "\n".join(it["paragraphs"]), day, unit))
    plan: list[Issue] = []
    used: set[int] = set()
    for k in range(issues):
        day = start + timedelta(days=20 + k * 130 // issues)
        pool = [i for i, s in enumerate(sources) if day - timedelta(days=45) <= s.received < day and i not in used]
        rng.shuffle(pool)
        issue = Issue(k + 1, day)
        for _ in range(rng.randint(4, 7)):  # single-source articles
            if not pool:
                break
            i = pool.pop()
            used.add(i)
            it = submitted[i]
            issue.articles.append(Planned(rewrite_title(rng, it["title"]),
                                          edit_paragraphs(rng, it["paragraphs"], rng.choice([1.0, 0.7, 0.5])),
                                          [sources[i].receipt]))
        if len(pool) >= 3 and rng.random() < 0.8:  # a 综合 article of 2-3 items
            picks = [pool.pop() for _ in range(rng.choice([2, 3]))]
            used.update(picks)
            paras: list[str] = []
            for i in picks:
                paras += edit_paragraphs(rng, submitted[i]["paragraphs"], rng.choice([0.4, 0.6]))
            issue.articles.append(Planned(rng.choice(["各地", "系统内", "各单位"]) + "扎实推进重点工作（综合）", paras,
                                          [sources[i].receipt for i in picks]))
        for _ in range(rng.randint(1, 2)):  # no source among the submissions
            it = unsubmitted.pop()
            issue.articles.append(Planned(rewrite_title(rng, it["title"]),
                                          edit_paragraphs(rng, it["paragraphs"], 0.7), []))
        rng.shuffle(issue.articles)
        plan.append(issue)
    return sources, plan, [s.receipt for s in sources]


CN = "一二三四五六七八九十"


def masthead(issue: Issue) -> list[str]:
    return ["吉林卫生信息", f"第{issue.number}期", "吉林省卫生厅办公室编", f"{issue.day.year}年{issue.day.month}月{issue.day.day}日"]


def tail() -> list[str]:
    return ["报：省委办公厅、省政府办公厅", "送：各市（州）卫生局，厅直属各单位", "（共印80份）"]


def write_docx(issue: Issue, styled: bool | str, toc: bool, numbered: bool) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    d = docx.Document()
    for line in masthead(issue):
        d.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    titles = [(f"{CN[n]}、" if numbered else "") + a.title for n, a in enumerate(issue.articles)]
    if toc:
        d.add_paragraph("目  录")
        for t in titles:
            d.add_paragraph(t)
    for t, a in zip(titles, issue.articles):
        if styled == "plain":  # titles typed as ordinary paragraphs: only the text tells
            d.add_paragraph(t)
        elif styled:
            d.add_heading(t, level=2)
        else:
            p = d.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run(t).bold = True
        for para in a.paragraphs:
            d.add_paragraph(para)
        if a.sources:
            d.add_paragraph("（本刊综合）" if len(a.sources) > 1 else "（供稿）")
    for line in tail():
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def write_pdf(issue: Issue, toc: bool, numbered: bool) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=12, leading=20, wordWrap="CJK", firstLineIndent=24)
    head = ParagraphStyle("head", parent=body, fontSize=16, leading=26, alignment=1, firstLineIndent=0,
                          spaceBefore=14, spaceAfter=8)
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    flow = [Paragraph(line, head) for line in masthead(issue)]
    titles = [(f"{CN[n]}、" if numbered else "") + a.title for n, a in enumerate(issue.articles)]
    if toc:
        flow.append(Paragraph("目录", head))
        flow += [Paragraph(t, plain) for t in titles]
    for t, a in zip(titles, issue.articles):
        flow.append(Paragraph(t, head))
        flow += [Paragraph(p, body) for p in a.paragraphs]
    flow += [Paragraph(line, plain) for line in tail()]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build(flow)
    return buf.getvalue()


def run(issues: int, seed: int, verbose: bool = False) -> dict:
    sources, plan, _ = build(load_items(), issues, seed)
    t0 = time.monotonic()
    tp = fp = 0
    pairs = found_pairs = 0
    with_src = all_found = in_doubt = 0
    no_src = no_src_quiet = 0
    split_ok = 0
    for k, issue in enumerate(plan):
        rng = random.Random(seed * 1000 + k)
        fmt = "pdf" if k % 2 else "docx"
        toc, numbered = rng.random() < 0.5, rng.random() < 0.3
        data = (write_pdf(issue, toc, numbered) if fmt == "pdf"
                else write_docx(issue, rng.choice([True, False, "plain"]), toc, numbered))
        text, headings, _ = read_issue(f"issue.{fmt}", data)
        articles = split_issue(text, headings)
        split_ok += len(articles) == len(issue.articles)
        window = [s for s in sources if issue.day - timedelta(days=90) <= s.received < issue.day]
        matcher = Matcher(window)
        truth: dict[str, set[str]] = {}
        for a in issue.articles:
            for r in a.sources:
                truth[r] = set(a.sources)
        got = [matcher.match(a) for a in articles]
        credited = {c.receipt for m in got for c in m.certain}
        doubtful = {c.receipt for m in got for c in m.doubtful}
        credited_ok: set[str] = set()
        for m in got:  # an adoption is recorded once per item and issue: right when the item is in the issue
            for c in m.certain:
                if c.receipt in truth or c.receipt in credited_ok:
                    credited_ok.add(c.receipt)
                    continue
                fp += 1
                if verbose:
                    print(f"  FP issue {issue.number} 《{m.article.title}》 <- {c.receipt} {c.subject} {c.evidence}")
        tp += len(credited_ok)
        for a in issue.articles:
            if a.sources:
                with_src += 1
                pairs += len(a.sources)
                found_pairs += sum(r in credited for r in a.sources)
                if all(r in credited for r in a.sources):
                    all_found += 1
                elif all(r in credited or r in doubtful for r in a.sources):
                    in_doubt += 1
                    if verbose:
                        print(f"  DOUBT issue {issue.number} ({fmt}) 《{a.title}》 " + "; ".join(
                            c.evidence + f" shared {c.shared}" for m in got for c in m.doubtful if c.receipt in a.sources))
                elif verbose:
                    print(f"  MISS issue {issue.number} ({fmt}) 《{a.title}》 {a.sources}")
            else:
                no_src += 1
                m = next((m for m in got if _same(a, m.article.text)), None)
                no_src_quiet += m is not None and not m.certain
    secs = time.monotonic() - t0
    return {"issues": len(plan), "articles": sum(len(i.articles) for i in plan), "with_source": with_src,
            "submissions": len(sources), "split_exact": split_ok / len(plan),
            "precision": tp / (tp + fp) if tp + fp else 1.0, "credits": tp + fp,
            "recall_articles": all_found / with_src, "recall_pairs": found_pairs / pairs,
            "missed_but_doubtful": in_doubt / with_src, "no_source_left_unmatched": no_src_quiet / no_src,
            "seconds": round(secs, 1)}


def _same(planned: Planned, text: str) -> bool:
    first = planned.paragraphs[0][:20]
    return first in text.replace("\n", "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--issues", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    result = run(args.issues, args.seed, args.verbose)
    for k, v in result.items():
        print(f"{k:>26}: {v:.3f}" if isinstance(v, float) else f"{k:>26}: {v}")


if __name__ == "__main__":
    main()
