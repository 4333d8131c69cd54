"""Render a Summary as one printed A4 page (Markdown, .docx) and as JSON-safe dict.

Page budget. A4 is 210 × 297 mm; with 2.54 cm margins on every side the text block is 160 × 246 mm.
五号 type (10.5 pt ≈ 3.7 mm per CJK character) puts 43 characters on a line, and single spacing
(≈ 15 pt ≈ 5.3 mm per line) gives 46 lines: a full page holds 43 × 46 ≈ 1,980 CJK characters, the
1,800–2,000 usually quoted. Real pages are not full, so we measure in *lines*: every printed
paragraph takes ceil(width / 43) lines (ASCII counts half); a section heading (12 pt, 6 pt space
before, as summary_to_docx sets it) 1.5 times that, the 16 pt title twice. Markdown syntax (#, **, list bullets) is not printed and is not counted.
The numbered references ("[1] 第X节 …原文…") are endnotes printed after the page, like footnotes
continued, and are not part of the budget. ``fit_to_page`` trims the lowest-salience measure
quotes first and never drops the 五要素 checklist or a problem item.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rag.report.themes import theme_short
from rag.summary.model import STATUS_LABEL, Cite, Summary, SummaryItem

CHARS_PER_LINE = 43
PAGE_LINES = 46
PAGE_CHARS = CHARS_PER_LINE * PAGE_LINES  # 1,978: the character budget the line budget corresponds to
TITLE_LINES = 2.0  # 16 pt title plus its spacing
HEADING_LINES = 1.5  # 12 pt section heading (≈1.15 lines) plus 6 pt space before (≈0.4 line)
SHORT_LABEL = {"responsibility": "第一责任人履职", "problems": "存在的不足和原因", "other": "其他需要报告的情况"}
MARK = {"present": "✓", "folded": "△", "missing": "✗"}


class _Refs:
    def __init__(self) -> None:
        self.cites: list[Cite] = []

    def mark(self, cites: list[Cite]) -> str:
        out = []
        for c in cites[:2]:
            self.cites.append(c)
            out.append(f"[{len(self.cites)}]")
        return "".join(out)


def _basic_line(s: Summary) -> str:
    b = s.basic
    parts = [("主体", b.issuing_body), ("层级", b.level), ("地区", b.region),
             ("年度", f"{b.year}年" if b.year else ""), ("文号", b.doc_number), ("日期", b.date)]
    line = "｜".join(f"{k}：{v}" for k, v in parts if v)
    unknown = [k for k, v in parts if not v]
    if unknown:
        line += f"｜未识别：{'、'.join(unknown)}"
    if b.on_time is not None:
        line += "｜" + ("按时发布" if b.on_time else "逾期发布")
    return line + f"｜来源：{b.source_file}"


def render_page(s: Summary) -> tuple[str, list[Cite]]:
    refs = _Refs()
    title = s.basic.title or s.basic.source_file
    lines = [f"# {title}｜一页摘要", "", _basic_line(s), "", "## 五要素"]
    for e in s.elements:
        where = f"：{e.heading}" if e.heading else ""
        lines.append(f"- {MARK[e.status]} {SHORT_LABEL.get(e.key, e.label)} —— {STATUS_LABEL[e.status]}{where}")
    lines += ["", "## 主要举措和成效"]
    bare = []
    for g in s.measures:
        if g.items:
            quotes = "；".join(f"“{i.text}”{refs.mark(i.citations)}" for i in g.items)
            lines.append(f"- **{g.heading}**：{quotes}")
        else:
            bare.append(g.heading)
    if bare:
        lines.append("- 其他举措：" + "；".join(bare))
    if not s.measures:
        lines.append("- " + "报告未见'主要举措和成效'部分")
    lines += ["", "## 第一责任人履职"]
    if s.responsibility_note:
        lines.append(f"- {s.responsibility_note}")
    lines += [f"- “{i.text}”{refs.mark(i.citations)}" for i in s.responsibility]
    lines += ["", f"## 存在的问题（共{len(s.problems)}项）"]
    if s.problems_note:
        lines.append(f"- {s.problems_note}")
    for n, p in enumerate(s.problems, 1):
        tags = f"{p.theme_code}{theme_short(p.theme_code)}·{p.specificity}·{'有原因' if p.reason_given else '无原因'}"
        plan = f"→安排{'、'.join(str(j + 1) for j in p.plan_indexes)}" if p.plan_indexes else ""
        lines.append(f"{n}. {p.item.text}{refs.mark(p.item.citations[:1])}〔{tags}{plan}〕")
    lines += ["", f"## 下一年度安排（共{len(s.plans)}项）"]
    if s.plans_note:
        lines.append(f"- {s.plans_note}")
    if s.plans:
        parts = []
        for n, plan_entry in enumerate(s.plans, 1):
            answers = plan_entry.answers
            link = f"→问题{'、'.join(str(i + 1) for i in answers)}" if answers else ""
            parts.append(f"{n}. {plan_entry.item.text}{link}{refs.mark(plan_entry.item.citations[:1])}")
        lines.append("；".join(parts))
    if s.flags:
        lines += ["", "## 专家提示"]
        messages = [f.message for f in s.flags if f.message != s.responsibility_note]
        lines += [f"- {m}" for m in messages] if len(messages) <= 3 else ["；".join(f"⚠{m}" for m in messages)]
    return "\n".join(lines), refs.cites


def _reference_lines(cites: list[Cite]) -> list[str]:
    out = []
    for n, c in enumerate(cites, 1):
        quote = c.quote if len(c.quote) <= 80 else c.quote[:79] + "…"
        out.append(f"[{n}] {c.section or '正文'} “{quote}”（原文位置 {c.source_span[0]}–{c.source_span[1]}）")
    return out


def summary_to_markdown(summary: Summary, references: bool = True) -> str:
    page, cites = render_page(summary)
    if not references or not cites:
        return page + "\n"
    return page + "\n\n---\n\n**引文**\n\n" + "\n".join(_reference_lines(cites)) + "\n"


def _width(text: str) -> float:
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


def page_lines(markdown: str) -> int:
    """Printed lines the page body takes (see the module docstring for the model)."""
    total = 0.0
    for raw in markdown.split("\n---\n")[0].splitlines():
        if not raw.strip():
            continue
        text = re.sub(r"^#+\s*|\*\*|^- ", "", raw.strip())
        lines: float = max(1, math.ceil(_width(text) / CHARS_PER_LINE))
        if raw.startswith("# "):
            lines *= TITLE_LINES
        elif raw.startswith("## "):
            lines *= HEADING_LINES
        total += lines
    return math.ceil(total)


def fits_page(summary: Summary) -> bool:
    return page_lines(render_page(summary)[0]) <= PAGE_LINES


MIN_KEY_FIGURES = 3  # measure quotes kept while anything else can still be shortened


def fit_to_page(summary: Summary) -> Summary:
    """Trim until the page fits: lowest-salience measure quotes first (down to the best three), then
    shorter headings, statements and flags, then the last measure quotes. The problems list and the
    checklist are never dropped."""
    dropped = 0
    while not fits_page(summary):
        candidates = [(i.salience, gi, ii) for gi, g in enumerate(summary.measures) for ii, i in enumerate(g.items)]
        if len(candidates) > MIN_KEY_FIGURES or (candidates and not _shorten(summary)):
            _, gi, ii = min(candidates)
            del summary.measures[gi].items[ii]
            dropped += 1
        elif not candidates and not _shorten(summary):
            summary.notes.append("摘要超出一页：问题清单和五要素不删减")
            break
    if dropped:
        summary.notes.append(f"为控制在一页内，略去了{dropped}条较次要的举措引文")
    return summary


def _shorten(summary: Summary) -> bool:
    """One more shortening step (verbatim prefixes + …); False when nothing is left to cut."""
    if len(summary.responsibility) > 1:
        summary.responsibility.pop()
        return True
    steps: list[tuple[list[Any], str, int]] = [
        (summary.elements, "heading", 24),
        ([p.item for p in summary.plans], "text", 16),
        ([p.item for p in summary.problems], "text", 36),
        ([g for g in summary.measures if not g.items], "heading", 14),
        (summary.responsibility, "text", 60),
        ([i for g in summary.measures for i in g.items], "text", 40),
        ([p.item for p in summary.plans], "text", 10),
        ([g for g in summary.measures if not g.items], "heading", 9),
        (summary.flags, "message", 40),
    ]
    for targets, attr, limit in steps:
        long = [t for t in targets if len(getattr(t, attr)) > limit]
        if long:
            for t in long:
                setattr(t, attr, _cut(getattr(t, attr), limit))
                if isinstance(t, SummaryItem):  # figures cut off the quote are no longer shown
                    t.figures = [f for f in t.figures if f in t.text]
            return True
    return False


def _cut(text: str, limit: int) -> str:
    """A verbatim prefix, cut after the last comma that fits when there is one, marked with …"""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    comma = max(head.rfind(c) for c in "，,、；")
    if comma >= limit // 2:
        head = head[:comma]
    return head.rstrip("，,、；。：") + "…"


def json_safe(value: Any) -> Any:
    """Tuples (spans) become lists, recursively, so the dict equals its JSON round trip."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def summary_to_dict(summary: Summary) -> dict[str, Any]:
    """JSON-safe dict (spans become lists); ``schema_version`` says which schema it follows."""
    data = json_safe(asdict(summary))
    data["page_lines"] = page_lines(render_page(summary)[0])
    data["page_budget_lines"] = PAGE_LINES
    return data


def summary_to_docx(summary: Summary, path: str | Path) -> Path:
    """A4 .docx: the page, then the numbered references (python-docx has no footnote API)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    page, cites = render_page(summary)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.54))
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    style.paragraph_format.space_after = Pt(0)
    for raw in page.splitlines():
        if not raw.strip():
            continue
        if raw.startswith("# ") or raw.startswith("## "):
            level = 1 if raw.startswith("# ") else 2
            heading = doc.add_heading(raw[level + 1 :], level=level)
            heading.paragraph_format.space_before = Pt(6 if level == 2 else 0)
            heading.paragraph_format.space_after = Pt(0)
            for run in heading.runs:
                run.font.size = Pt(16 if level == 1 else 12)
        else:
            para = doc.add_paragraph(style="List Bullet" if raw.startswith("- ") else None)
            _add_runs(para, raw[2:] if raw.startswith("- ") else raw)
    if cites:
        doc.add_page_break()
        doc.add_heading("引文", level=2)
        for line in _reference_lines(cites):
            para = doc.add_paragraph(line)
            for run in para.runs:
                run.font.size = Pt(9)
    out = Path(path)
    doc.save(str(out))
    return out


def _add_runs(para: Any, text: str) -> None:
    """Markdown **bold** becomes a bold run; citation markers [n] become superscript."""
    for chunk in re.split(r"(\*\*[^*]+\*\*|\[\d+\])", text):
        if not chunk:
            continue
        if chunk.startswith("**"):
            para.add_run(chunk[2:-2]).bold = True
        elif re.fullmatch(r"\[\d+\]", chunk):
            para.add_run(chunk).font.superscript = True
        else:
            para.add_run(chunk)
