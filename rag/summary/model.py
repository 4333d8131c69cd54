"""One-page structured summary of a report (domain-notes §5): the schema and helpers shared by the builders.

The extractive builder is deterministic and offline: it reads the parsed structure and quotes the
text verbatim, so every figure it shows exists in the report. ``build_summary(report, generator)``
hands the map/reduce LLM pass to ``rag.summary.llm`` when a generator is given; whatever the LLM
produces is verified there and replaced by the extractive version when it cannot be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from rag.core.types import Report, Section, Span
from rag.lang.figures import find_figures
from rag.lang.sentences import sentence_spans

SUMMARY_SCHEMA_VERSION = "1.0"
Builder = Literal["extractive", "llm"]
# "undetermined": the parser found no section for the part, or only one whose role is a guess
# (rag.report.parts.part_status). A parser miss is no evidence that the report lacks the part, so the
# page says 「未能确定」, never 「未见」.
Status = Literal["present", "folded", "undetermined"]

ELEMENTS: tuple[tuple[str, str], ...] = (
    ("measures", "主要举措和成效"),
    ("problems", "存在的不足和原因"),
    ("responsibility", "党政主要负责人履行第一责任人职责"),
    ("plans", "下一年度安排"),
    ("other", "其他需要报告的情况"),
)
STATUS_LABEL = {"present": "单列", "folded": "仅见于其他部分", "undetermined": "未能确定"}
UNDETERMINED_NOTE = {
    "measures": "未能确定'主要举措和成效'部分（未识别到可信的相应章节，请核对原文）",
    "problems": "未能确定'存在的不足'部分（未识别到可信的相应章节，请核对原文）",
    "responsibility": "未能确定'第一责任人'部分（未识别到可信的相应章节，请核对原文）",
    "plans": "未能确定'下一年度安排'部分（未识别到可信的相应章节，请核对原文）",
    "other": "未能确定'其他需要报告的情况'部分",
}
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
    rank: int = 0  # importance within its group (0 = the best); page fitting drops the highest ranks first
    short_text: str = ""  # the compressed phrase, when ``text`` is a longer verbatim run shown while the page has room


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
    shown: bool = True  # False: left off a full page (it answers no listed problem and names no target)


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
    layout: str = "list"  # "list": one line per measure area; "run-in": areas run on in one paragraph (a full page)

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
    for start, end in sentence_spans(text, semicolons=True):
        if end - start >= 4:
            out.append((offset + start, offset + end, text[start:end]))
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
def element_heading(sections: list[Section]) -> str:
    return short_heading(sections[0].split_from or sections[0].heading, 60) if sections else ""
