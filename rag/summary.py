"""One-page structured summary of a report (domain-notes §5): schema and the extractive builder.

The extractive builder is deterministic and offline: it reads the parsed structure and quotes the
text verbatim, so every figure it shows exists in the report. ``build_summary(report, generator)``
hands the map/reduce LLM pass to ``rag.summary_llm`` when a generator is given; whatever the LLM
produces is verified there and replaced by the extractive version when it cannot be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from rag.figures import find_figures
from rag.themes import classify_problem, link_plans, reason_given, specificity
from rag.types import Item, Report, Section, Span

SUMMARY_SCHEMA_VERSION = "1.0"
Builder = Literal["extractive", "llm"]
Status = Literal["present", "folded", "missing"]

ELEMENTS: tuple[tuple[str, str], ...] = (
    ("measures", "主要举措和成效"),
    ("problems", "存在的不足和原因"),
    ("responsibility", "党政主要负责人履行第一责任人职责"),
    ("plans", "下一年度安排"),
    ("other", "其他需要报告的情况"),
)
STATUS_LABEL = {"present": "单列", "folded": "仅见于其他部分", "missing": "未见"}
MISSING_NOTE = {
    "measures": "报告未见'主要举措和成效'部分",
    "problems": "报告未见'存在的不足'部分",
    "responsibility": "报告未单列'第一责任人'部分",
    "plans": "报告未见'下一年度安排'部分",
    "other": "报告未见'其他需要报告的情况'部分",
}
SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
FOLDED_RESPONSIBILITY_RE = re.compile(r"第一责任人|主要负责人[^。]{0,30}(?:法治|依法行政)")
OTHER_HEADING_RE = re.compile(r"其[他它]需要报告|其[他它]情况|其[他它]事项")
RESPONSIBILITY_ACTS = ("专题会", "常务会", "党组会", "常委会", "述法", "述职", "学法", "批示", "督办", "亲自",
                       "听取", "主持", "带头", "研究", "部署", "考核", "督察", "点评")
SALIENT_WORDS = ("全覆盖", "率先", "全国", "全省", "第一", "首个", "首批", "示范", "100%", "同比")
MEASURE_SENTENCES_PER_GROUP = 2
QUOTE_MAX = 90


@dataclass
class Cite:
    section: str  # heading path, e.g. "一、工作情况 > （二）坚持高位推进…"
    quote: str  # verbatim cleaned text
    span: Span
    source_span: Span


@dataclass
class SummaryItem:
    text: str  # verbatim (extractive) or the LLM's words (verified)
    citations: list[Cite]
    builder: Builder = "extractive"
    figures: list[str] = field(default_factory=list)
    salience: float = 0.0


@dataclass
class BasicInfo:
    title: str
    issuing_body: str
    level: str
    region: str
    year: int | None
    doc_number: str
    date: str
    source_file: str
    on_time: bool | None = None  # published by 3月31日 of the following year (C2), when the date is known


@dataclass
class ElementStatus:
    key: str
    label: str
    status: Status
    heading: str = ""  # the heading that carries the part ("" when missing)
    citations: list[Cite] = field(default_factory=list)


@dataclass
class MeasureGroup:
    heading: str
    items: list[SummaryItem]
    citation: Cite
    builder: Builder = "extractive"


@dataclass
class ProblemEntry:
    item: SummaryItem  # short verbatim statement; the citation quotes the whole item
    theme_code: str
    theme_label: str
    specificity: str
    reason_given: bool
    plan_indexes: list[int] = field(default_factory=list)


@dataclass
class PlanEntry:
    item: SummaryItem
    answers: list[int] = field(default_factory=list)  # indexes of the problems this plan answers


@dataclass
class Flag:
    code: str
    message: str
    citations: list[Cite] = field(default_factory=list)


@dataclass
class Summary:
    schema_version: str
    report_id: str
    basic: BasicInfo
    elements: list[ElementStatus]
    measures: list[MeasureGroup]
    responsibility: list[SummaryItem]
    responsibility_note: str
    problems: list[ProblemEntry]
    problems_note: str
    plans: list[PlanEntry]
    plans_note: str
    flags: list[Flag]
    builders: dict[str, str] = field(default_factory=dict)  # part -> extractive | llm | mixed
    notes: list[str] = field(default_factory=list)  # what verification dropped, what was trimmed

    def element(self, key: str) -> ElementStatus:
        return next(e for e in self.elements if e.key == key)


# ----------------------------------------------------------------------------- text helpers
def heading_path(report: Report, pos: int) -> str:
    """Headings of the sections containing ``pos``, outermost first."""
    path: list[str] = []
    sections = report.sections
    while sections:
        hit = next((s for s in sections if s.span[0] <= pos < s.span[1] and s.number), None)
        if hit is None:
            break
        path.append(short_heading(hit.heading, 30))
        sections = hit.children
    return " > ".join(path)


def short_heading(heading: str, limit: int = 40) -> str:
    """A heading cut at its run-in end ("（一）加强组织领导。正文…" -> "（一）加强组织领导")."""
    head = heading.strip().strip("*")
    m = re.search(r"[。：:]", head)
    if m and m.start() > 2:
        head = head[: m.start()]
    return head if len(head) <= limit else head[: limit - 1] + "…"


def cite(report: Report, start: int, end: int, quote: str | None = None) -> Cite:
    text = report.text[start:end] if quote is None else quote
    return Cite(heading_path(report, start), text.strip(), (start, end), report.clean.source_span(start, end))


def sentences(text: str, offset: int) -> list[tuple[int, int, str]]:
    """(start, end, text) per sentence; ends at 。！？； or a line break. Offsets are absolute."""
    out = []
    for m in SENTENCE_RE.finditer(text):
        raw = m.group(0)
        stripped = raw.strip()
        if len(stripped) >= 4:
            lead = len(raw) - len(raw.lstrip())
            out.append((offset + m.start() + lead, offset + m.start() + lead + len(stripped), stripped))
    return out


def real_figures(text: str) -> list[str]:
    """Figures that carry information: not years, not masked, not ordinals like 第三次."""
    return [f.text for f in find_figures(text)
            if f.kind in ("number", "percent") and not f.key[-1] and re.search(r"\d", f.text)]


def salience(text: str) -> float:
    figs = find_figures(text)
    score = sum(2.0 if f.kind == "percent" else 1.0 for f in figs
                if f.kind in ("number", "percent") and not f.key[-1] and re.search(r"\d", f.text))
    score += 0.5 * sum(word in text for word in SALIENT_WORDS)
    return score - max(0, len(text) - 120) / 120


def clip_quote(text: str, limit: int = QUOTE_MAX) -> str:
    """The verbatim part of a sentence that carries its figures, cut at commas, at most ``limit`` chars."""
    if len(text) <= limit:
        return text
    clauses = re.split(r"(?<=[，,、：:])", text)
    figs = [i for i, c in enumerate(clauses) if real_figures(c)]
    start = figs[0] if figs else 0
    out = ""
    for clause in clauses[start:]:
        if len(out) + len(clause) > limit and out:
            break
        out += clause
    return out[:limit]


def body_span(section: Section) -> Span:
    return (section.heading_span[1], section.span[1])


# ----------------------------------------------------------------------------- parts
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


def element_heading(sections: list[Section]) -> str:
    return short_heading(sections[0].split_from or sections[0].heading, 60) if sections else ""


def five_elements(report: Report) -> list[ElementStatus]:
    out = []
    for key, label in ELEMENTS:
        secs = report.sections_with_role(key)
        if key == "other":
            secs = [s for s in secs if OTHER_HEADING_RE.search(s.heading)]
        if secs:
            start, end = _heading_span(report, secs[0])
            out.append(ElementStatus(key, label, "present", element_heading(secs), [cite(report, start, end)]))
            continue
        folded = _folded_evidence(report, key)
        if folded:
            start, end, _ = folded[0]
            out.append(ElementStatus(key, label, "folded", heading_path(report, start) or "（无标题段落）",
                                     [cite(report, s, e) for s, e, _ in folded[:2]]))
        else:
            out.append(ElementStatus(key, label, "missing"))
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


def measure_groups(report: Report) -> list[MeasureGroup]:
    groups = []
    for top in report.sections_with_role("measures"):
        subs = [c for c in top.children if c.level == 2] or [top]
        for sub in subs:
            start, end = body_span(sub)
            ranked = []
            for s, _e, text in sentences(report.text[start:end], start):
                if real_figures(text):
                    quote = clip_quote(text)
                    qs = report.text.find(quote, s)
                    ranked.append((salience(quote), qs, qs + len(quote), quote))
            ranked.sort(key=lambda r: (-r[0], r[1]))
            items = [
                SummaryItem(q, [cite(report, s, e, q)], "extractive", real_figures(q), round(sc, 3))
                for sc, s, e, q in sorted(ranked[:MEASURE_SENTENCES_PER_GROUP], key=lambda r: r[1])
            ]
            hs, he = sub.heading_span
            groups.append(MeasureGroup(short_heading(sub.heading), items, cite(report, hs, he)))
    return groups


def responsibility_items(report: Report, elements: list[ElementStatus]) -> tuple[list[SummaryItem], str]:
    status = next(e for e in elements if e.key == "responsibility")
    if status.status == "missing":
        return [], "报告未单列'第一责任人'部分，正文也未见相关表述"
    if status.status == "folded":
        items = [SummaryItem(clip_quote(c.quote, 120), [c], "extractive", real_figures(c.quote), 1.0)
                 for c in status.citations]
        return items, f"报告未单列'第一责任人'部分，仅在“{status.heading}”中提及"
    ranked = []
    for section in report.sections_with_role("responsibility"):
        start, end = body_span(section)
        for s, _e, text in sentences(report.text[start:end], start):
            acts = sum(act in text for act in RESPONSIBILITY_ACTS)
            if acts:
                quote = clip_quote(text, 100)
                qs = report.text.find(quote, s)
                ranked.append((acts + salience(quote), qs, qs + len(quote), quote))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    items = [SummaryItem(q, [cite(report, s, e, q)], "extractive", real_figures(q), round(sc, 3))
             for sc, s, e, q in sorted(ranked[:3], key=lambda r: r[1])]
    return items, "" if items else "第一责任人部分未写明具体履职行为（专题会议、述法、学法、批示、督办）"


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
        return [], MISSING_NOTE["problems"]
    items = []
    for section in secs:
        start, end = body_span(section)
        for s, e, text in sentences(report.text[start:end], start):
            items.append(Item(text, "", (s, e), report.clean.source_span(s, e)))
    note = "" if items else "'存在的不足'部分没有内容"
    return items, note


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
        problems.append(ProblemEntry(entry, theme.code, theme.label, specificity(item.text),
                                     reason_given(item.text), [link] if link is not None else []))
    plan_entries = []
    for j, plan in enumerate(plans):
        answers = [i for i, link in enumerate(links) if link == j]
        entry = SummaryItem(item_statement(plan, 40), [cite(report, plan.span[0], plan.span[1], plan.text)],
                            "extractive", real_figures(plan.text), 1.0)
        plan_entries.append(PlanEntry(entry, answers))
    plan_note = "" if plans else MISSING_NOTE["plans"]
    return problems, p_note, plan_entries, plan_note


# ----------------------------------------------------------------------------- builder
def build_summary(report: Report, generator: Any = None) -> Summary:
    """The one-page summary: extractive always; the LLM pass refines it when a generator is given."""
    from rag.summary_flags import quality_flags
    from rag.summary_render import fit_to_page

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
        from rag.summary_llm import refine_with_llm

        summary = refine_with_llm(report, summary, generator)
    return fit_to_page(summary)
