"""The extractive one-page summary builder (domain-notes §5).

The extractive builder is deterministic and offline: it reads the parsed structure and quotes the
text verbatim, so every figure it shows exists in the report. ``build_summary(report, generator)``
hands the map/reduce LLM pass to ``rag.summary.llm`` when a generator is given; whatever the LLM
produces is verified there and replaced by the extractive version when it cannot be checked.
"""

from __future__ import annotations

import re

from rag.core.protocols import Generator
from rag.core.types import Item, Report, Section, Span
from rag.lang.emphasis import informativeness
from rag.lang.sentences import sentence_spans
from rag.report.parts import part_status
from rag.report.themes import classify_problem, link_plans, reason_given, specificity
from rag.summary.flags import quality_flags
from rag.summary.llm import refine_with_llm
from rag.summary.measures import best_phrase, measure_groups, phrase_item
from rag.summary.model import (
    ELEMENTS,
    FOLDED_RESPONSIBILITY_RE,
    OTHER_HEADING_RE,
    RESPONSIBILITY_ACTS,
    SUMMARY_SCHEMA_VERSION,
    UNDETERMINED_NOTE,
    BasicInfo,
    ElementStatus,
    PlanEntry,
    ProblemEntry,
    Summary,
    SummaryItem,
    body_span,
    cite,
    clip_quote,
    element_heading,
    heading_path,
    real_figures,
    sentences,
)
from rag.summary.render import fit_to_page

__all__ = [
    "basic_info",
    "build_summary",
    "five_elements",
    "item_statement",
    "measure_groups",
    "plan_statement",
    "problem_items",
    "problems_and_plans",
    "responsibility_items",
]
RESPONSIBILITY_PHRASE_MAX = 56


def basic_info(report: Report) -> BasicInfo:
    meta = report.meta
    on_time = None
    m = re.match(r"(\d{4})-(\d{2})(?:-(\d{2}))?", meta.date or "")
    copied = any(w.code == "template_or_fanwen" for w in report.warnings)  # the date is a re-post's
    if m and meta.year and not copied:
        year, month = int(m.group(1)), int(m.group(2))
        on_time = (year == meta.year + 1 and month <= 3) or year == meta.year
    return BasicInfo(meta.title, meta.issuing_body, meta.level, meta.region, meta.year, meta.doc_number,
                     meta.date, report.source.name, on_time)


def five_elements(report: Report) -> list[ElementStatus]:
    out = []
    for key, label in ELEMENTS:
        secs = report.sections_with_role(key)
        if key == "other":
            secs = [s for s in secs if OTHER_HEADING_RE.search(s.heading)]
        if secs:
            # one judgement with inspect, comparison and the library: a section whose role is only a
            # guess is shown, but as 「未能确定」
            sure = key == "other" or part_status(report, key) == "present"
            start, end = _heading_span(report, secs[0])
            out.append(ElementStatus(key, label, "present" if sure else "undetermined", element_heading(secs),
                                     [cite(report, start, end)]))
            continue
        folded = _folded_evidence(report, key)
        if folded:
            start, end, _ = folded[0]
            out.append(ElementStatus(key, label, "folded", heading_path(report, start) or "（无标题段落）",
                                     [cite(report, s, e) for s, e, _ in folded[:2]]))
        else:
            out.append(ElementStatus(key, label, "undetermined"))
    return out


def _heading_span(report: Report, section: Section) -> Span:
    """The heading's span; for the second part of a split merged section, the merged heading's."""
    start, end = section.heading_span
    if end > start or not section.split_from:
        return start, end
    at = report.text.rfind(section.split_from, 0, section.span[0] + 1)
    return (at, at + len(section.split_from)) if at >= 0 else (start, end)


def _folded_evidence(report: Report, key: str) -> list[tuple[int, int, str]]:
    """Sentences outside a dedicated section that carry a required part."""
    scope = [s for s in report.sections if s.role not in ("plans",)]
    found = []
    for section in scope:
        for start, end, text in sentences(report.text[section.span[0] : section.span[1]], section.span[0]):
            if key == "responsibility" and FOLDED_RESPONSIBILITY_RE.search(text):
                found.append((start, end, text))
            elif key == "problems" and report.problems and not found:
                item = report.problems[0]
                found.append((item.span[0], item.span[1], item.text))
            elif key == "other" and "其他需要报告" in text:
                found.append((start, end, text))
    return found


def responsibility_items(report: Report, elements: list[ElementStatus]) -> tuple[list[SummaryItem], str]:
    status = next(e for e in elements if e.key == "responsibility")
    if status.status == "undetermined" and not status.citations:
        return [], "未能确定'第一责任人'部分：未识别到相应章节，正文中也未检出相关表述"
    if status.status == "folded":
        items = [SummaryItem(clip_quote(c.quote, 120), [c], "extractive", real_figures(c.quote), 1.0)
                 for c in status.citations]
        return items, f"报告未单列'第一责任人'部分，仅在“{status.heading}”中提及"
    ranked = []
    for section in report.sections_with_role("responsibility"):
        start, end = body_span(section)
        for s, _e, text in sentences(report.text[start:end], start):
            if not any(act in text for act in RESPONSIBILITY_ACTS):
                continue
            phrase = best_phrase(report.text, s, _e, _act_score, RESPONSIBILITY_PHRASE_MAX)
            if phrase is not None:
                ranked.append(phrase)
    ranked.sort(key=lambda p: (-p.score, p.start))
    items = [phrase_item(report, p, rank) for rank, p in sorted(enumerate(ranked[:3]), key=lambda r: r[1].start)]
    return items, "" if items else "第一责任人部分未写明具体履职行为（专题会议、述法、学法、批示、督办）"


def _act_score(text: str) -> float:
    """A 第一责任人 clause: its concrete acts (专题会议, 述法, 批示 …) and what it tells."""
    acts = sum(act in text for act in RESPONSIBILITY_ACTS)
    return 1.5 * acts + (informativeness(text) if acts else min(0.0, informativeness(text)))


PLAN_TARGET_SCORE = 1.0  # a plan phrase this informative (a figure, a target, a named mechanism) stands for the plan


def plan_statement(item: Item, limit: int = 40) -> str:
    """A plan in a few words: its most informative verbatim phrase when it names a target or a
    mechanism (力争…成为示范区, 持证比例提高到80%以上), else its title and first sentence."""
    best = None
    for s, e in sentence_spans(item.text, semicolons=True):
        phrase = best_phrase(item.text, s, e)
        if phrase is not None and (best is None or phrase.score > best.score):
            best = phrase
    if best is not None and informativeness(best.text) >= PLAN_TARGET_SCORE and len(best.text) <= limit:
        return best.text
    return item_statement(item, limit)


def item_statement(item: Item, limit: int = 70) -> str:
    """Short form of an item from verbatim pieces: run-in title + first sentence, clipped with "…"."""
    parts = [p.strip() for p in re.split(r"(?<=[。；;])", item.text.strip()) if p.strip()]
    first = re.sub(r"^[（(][一二三四五六七八九十\d]+[）)]|^[一二三四五六七八九十]+是", "", parts[0] if parts else "")
    title = re.sub(r"^[（(][一二三四五六七八九十\d]+[）)]", "", item.heading).strip().rstrip("。")
    if title and first.rstrip("。").endswith(title) and len(parts) > 1:
        first = parts[1]
    text = f"{title}：{first}" if title and title not in first else first
    text = text.rstrip("；;，,、：:")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problem_items(report: Report) -> tuple[list[Item], str]:
    """The parser's problem items; a problems section without items is split into sentences."""
    if report.problems:
        return list(report.problems), ""
    secs = report.sections_with_role("problems")
    if not secs:
        return [], UNDETERMINED_NOTE["problems"]
    items = []
    for section in secs:
        start, end = body_span(section)
        for s, e, text in sentences(report.text[start:end], start):
            items.append(Item(text, "", (s, e), report.clean.source_span(s, e)))
    note = "" if items else "'存在的不足'部分没有内容"
    return items, note


PROBLEM_WHOLE_MAX = 100  # characters of a problem item shown whole while the page has room
PLAN_WHOLE_MAX = 70


def _show_whole(entry: SummaryItem, item: Item, limit: int) -> None:
    """Show the item's own text (its first clauses up to ``limit``) while the page has room; the short
    statement comes back when the page is full (``SummaryItem.short_text``)."""
    text = re.sub(r"^\s*(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+是|\d+[.、．])", "", item.text.strip())
    if len(text) > limit:
        cut = max(text.rfind(c, 0, limit) for c in "。；;，,")
        text = text[: cut if cut > limit // 2 else limit].rstrip("，,；;、：") + "…"
    text = text.rstrip("；;，,、")
    if len(text) > len(entry.text) and entry.text.removesuffix("…") not in ("", text):
        entry.text, entry.short_text = text, entry.text


def problems_and_plans(report: Report) -> tuple[list[ProblemEntry], str, list[PlanEntry], str]:
    items, p_note = problem_items(report)
    plans = list(report.plans)
    links, _ = link_plans([i.text for i in items], [p.text for p in plans])
    problems = []
    for item, link in zip(items, links, strict=True):
        theme = classify_problem(item.text)
        short = item_statement(item)
        entry = SummaryItem(short, [cite(report, item.span[0], item.span[1], item.text)], "extractive",
                            real_figures(item.text), 1.0)
        _show_whole(entry, item, PROBLEM_WHOLE_MAX)
        problems.append(ProblemEntry(entry, theme.code, theme.label, specificity(item.text),
                                     reason_given(item.text), [link] if link is not None else []))
    plan_entries = []
    for j, plan in enumerate(plans):
        answers = [i for i, link in enumerate(links) if link == j]
        entry = SummaryItem(plan_statement(plan), [cite(report, plan.span[0], plan.span[1], plan.text)],
                            "extractive", real_figures(plan.text), 1.0)
        _show_whole(entry, plan, PLAN_WHOLE_MAX)
        plan_entries.append(PlanEntry(entry, answers))
    plan_note = "" if plans else UNDETERMINED_NOTE["plans"]
    return problems, p_note, plan_entries, plan_note


# ----------------------------------------------------------------------------- builder
def build_summary(report: Report, generator: Generator | None = None) -> Summary:
    """The one-page summary: extractive always; the LLM pass refines it when a generator is given."""

    elements = five_elements(report)
    resp, resp_note = responsibility_items(report, elements)
    problems, p_note, plans, plan_note = problems_and_plans(report)
    summary = Summary(
        SUMMARY_SCHEMA_VERSION, report.report_id, basic_info(report), elements, measure_groups(report),
        resp, resp_note, problems, p_note, plans, plan_note, [],
        builders={"basic": "extractive", "elements": "extractive", "measures": "extractive",
                  "responsibility": "extractive", "problems": "extractive", "plans": "extractive",
                  "flags": "extractive"},
    )
    summary.flags = quality_flags(report, summary)
    if generator is not None:

        summary = refine_with_llm(report, summary, generator)
    return fit_to_page(summary)
