"""Real items (《新闻联播》 transcripts from the shared corpus) and issues made from them as editors do,
written as real .docx and .pdf files (the writers of benchmarks/bulletin.py)."""

from __future__ import annotations

from datetime import date

from benchmarks.bulletin import Issue, Planned, load_items, write_docx, write_pdf

__all__ = ["Issue", "Planned", "items", "make_issue", "write_docx", "write_pdf"]


def items(n: int = 8) -> list[dict]:
    """``n`` real items of different subjects, each with a title and its paragraphs (same every run)."""
    chosen, seen = [], set()
    for it in load_items():
        head = it["title"][:4]
        if head in seen or len(it["paragraphs"]) < 4:
            continue
        seen.add(head)
        chosen.append(it)
        if len(chosen) == n:
            break
    return chosen


def make_issue(number: int, day: date, articles: list[tuple[str, list[str], list[str]]]) -> Issue:
    issue = Issue(number, day)
    issue.articles = [Planned(title, paras, sources) for title, paras, sources in articles]
    return issue
