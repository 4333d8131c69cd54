"""Render a Summary as one printed A4 page (Markdown, .docx) and as JSON-safe dict.

Page budget. A4 is 210 × 297 mm; with 2.54 cm margins on every side the text block is 160 × 246 mm.
五号 type (10.5 pt ≈ 3.7 mm per CJK character) puts 43 characters on a line, and an exact 15 pt line
pitch gives 46 lines: a full page holds 43 × 46 ≈ 1,980 CJK characters, the 1,800–2,000 usually
quoted. Real pages are not full, so we measure in *lines*: every printed paragraph takes
ceil(width / 43) lines (ASCII counts half); a section heading (12 pt on a 16 pt pitch, 6 pt before)
1.5 times that, the 16 pt title twice. Markdown syntax (#, **, list bullets) is not printed and is
not counted. ``summary_to_docx`` sets exactly these sizes and pitches, so the line model holds
whatever CJK font the reader's word processor substitutes (tests/test_summary.py renders the .docx
with LibreOffice and counts the pages). The numbered references ("[1] 第X节 …原文…") are printed
after the page, on a page of their own, and are not part of the budget. ``fit_to_page`` shortens
the page (see ``_steps``) and never drops the 五要素 checklist or a problem item.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rag.lang.emphasis import informativeness
from rag.report.themes import theme_short
from rag.summary.model import UNDETERMINED_NOTE, Cite, Summary, SummaryItem

# The printed page, in points (1 cm = 28.35 pt). summary_to_docx sets exactly these sizes and pitches.
MARGIN_CM = 2.54
TEXT_WIDTH_PT = (21.0 - 2 * MARGIN_CM) * 72 / 2.54  # 451 pt
TEXT_HEIGHT_PT = (29.7 - 2 * MARGIN_CM) * 72 / 2.54  # 698 pt
BODY_PT, LINE_PT = 10.5, 15.0  # 五号 on an exact 15 pt pitch
HEADING_PT, HEADING_LINE_PT, HEADING_BEFORE_PT = 12.0, 16.0, 6.0
TITLE_PT, TITLE_LINE_PT, TITLE_AFTER_PT = 16.0, 22.0, 8.0
CHARS_PER_LINE = int(TEXT_WIDTH_PT // BODY_PT)  # 42 CJK characters (43 fit exactly; line-breaking rules take one)
PAGE_LINES = int(TEXT_HEIGHT_PT // LINE_PT)  # 46 body lines
PAGE_CHARS = CHARS_PER_LINE * PAGE_LINES  # 1,932: the character budget the line budget corresponds to
ASCII_WIDTH = 0.55  # Latin letters and digits of a CJK font, in CJK character widths
SHORT_LABEL = {"responsibility": "第一责任人履职", "problems": "存在的不足和原因", "other": "其他需要报告的情况"}
MARK = {"present": "✓", "folded": "△", "undetermined": "？"}


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


def _elements_line(s: Summary) -> str:
    marks = []
    for e in s.elements:
        marks.append(f"{MARK[e.status]}{SHORT_LABEL.get(e.key, e.label)}")  # where a folded part stands: its own section
    return "**五要素**：" + " ".join(marks) + "（✓单列 △仅见于其他部分 ？未能确定）"


def render_page(s: Summary) -> tuple[str, list[Cite]]:
    """The page as Markdown and the citations its markers [n] point to. Extractive phrases are
    verbatim; a phrase the model wrote (and verification kept) is marked ◇."""
    refs = _Refs()
    title = s.basic.title or s.basic.source_file
    lines = [f"# {title}｜一页摘要", "", _basic_line(s), "", _elements_line(s), "", "## 主要举措和成效"]
    bare = []

    def point(item: SummaryItem) -> str:
        return f"{'◇' if item.builder == 'llm' else ''}{item.text}{refs.mark(item.citations[:1])}"

    areas = []
    for g in s.measures:
        if g.items:
            areas.append(f"**{g.heading}**：" + "；".join(point(i) for i in g.items))
        else:
            bare.append(g.heading)
    if bare:
        areas.append("其他方面：" + "；".join(bare))
    if s.layout == "run-in" and areas:
        lines.append("。".join(areas) + "。")
    else:
        lines += [f"- {a}" for a in areas]
    if not s.measures:
        lines.append("- " + UNDETERMINED_NOTE["measures"])
    lines += ["", "## 第一责任人履职"]
    if s.responsibility_note:
        lines.append(f"- {s.responsibility_note}")
    if s.responsibility:
        lines.append("- " + "；".join(point(i) for i in s.responsibility))
    lines += ["", f"## 存在的问题（共{len(s.problems)}项）"]
    if s.problems_note:
        lines.append(f"- {s.problems_note}")
    for n, p in enumerate(s.problems, 1):
        plan = f"→安排{'、'.join(str(j + 1) for j in p.plan_indexes)}" if p.plan_indexes else ""
        lines.append(f"{n}. {point(p.item)}〔{p.theme_code}{theme_short(p.theme_code)}{plan}〕")
    lines += ["", f"## 下一年度安排（共{len(s.plans)}项）"]
    if s.plans_note:
        lines.append(f"- {s.plans_note}")
    if s.plans:
        parts = []
        for n, plan_entry in enumerate(s.plans, 1):
            if not plan_entry.shown:
                continue
            answers = plan_entry.answers
            link = f"（→问题{'、'.join(str(i + 1) for i in answers)}）" if answers else ""
            parts.append(f"{n}. {point(plan_entry.item)}{link}")
        hidden = [str(n) for n, p in enumerate(s.plans, 1) if not p.shown]
        if hidden:
            parts.append(f"另有第{'、'.join(hidden)}项未列出（不对应已列问题，也无具体目标）")
        lines.append("；".join(parts))
    if s.flags:
        lines += ["", "## 专家提示"]
        messages = [f.message for f in s.flags if f.message != s.responsibility_note]
        lines.append("；".join(f"⚠{m}" for m in messages))
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


_MARKER = re.compile(r"\[\d+\]")
MARKER_SCALE = 0.6  # citation markers print as superscript (python-docx: about 60% of the body size)


def _width(text: str) -> float:
    """Printed width in CJK characters: ASCII counts half, superscript markers [n] less."""
    plain = _MARKER.sub("", text)
    markers = len(text) - len(plain)
    ascii_chars = len(plain.encode("ascii", "ignore"))
    return len(plain) - (1.0 - ASCII_WIDTH) * ascii_chars + ASCII_WIDTH * MARKER_SCALE * markers


# A line that "just fits" may not: a closing mark or a marker cannot start the next line, a number
# does not break. One character of slack per paragraph, and half a character per printed line.
LINE_END_SLACK = 1.0
LINE_SLACK = 0.5


def _printed_lines(width: float, size_pt: float) -> int:
    return max(1, math.ceil((width + LINE_END_SLACK) / (int(TEXT_WIDTH_PT // size_pt) - LINE_SLACK)))


def page_lines(markdown: str) -> int:
    """Body lines (15 pt) the page takes: each paragraph wrapped at its type size, the title and
    the section headings at their own pitch and spacing (see the module docstring)."""
    total = 0.0
    for raw in markdown.split("\n---\n")[0].splitlines():
        if not raw.strip():
            continue
        width = _width(re.sub(r"^#+\s*|\*\*|^- ", "", raw.strip()))
        if raw.startswith("# "):
            total += (_printed_lines(width, TITLE_PT) * TITLE_LINE_PT + TITLE_AFTER_PT) / LINE_PT
        elif raw.startswith("## "):
            total += (_printed_lines(width, HEADING_PT) * HEADING_LINE_PT + HEADING_BEFORE_PT) / LINE_PT
        else:
            total += _printed_lines(width, BODY_PT)
    return math.ceil(total)


def fits_page(summary: Summary) -> bool:
    return page_lines(render_page(summary)[0]) <= PAGE_LINES


def _ranked_measures(summary: Summary) -> list[tuple[int, float, int, int]]:
    """(rank in its area, salience, group, item) of every measure phrase; rank 0 is the area's best."""
    return [(item.rank, item.salience, gi, ii) for gi, g in enumerate(summary.measures) for ii, item in enumerate(g.items)]


def _drop_measure(summary: Summary, min_rank: int) -> bool:
    """Drop the lowest-salience phrase among the areas' phrases of rank >= ``min_rank``."""
    ranked = [r for r in _ranked_measures(summary) if r[0] >= min_rank]
    if not ranked:
        return False
    _, _, gi, ii = max(ranked, key=lambda r: (r[0], -r[1]))
    del summary.measures[gi].items[ii]
    return True


def _cut_all(targets: list[Any], attr: str, limit: int) -> bool:
    long = [t for t in targets if len(getattr(t, attr)) > limit]
    for t in long:
        setattr(t, attr, _cut(getattr(t, attr), limit))
        if isinstance(t, SummaryItem):  # figures cut off the phrase are no longer shown
            t.figures = [f for f in t.figures if f in t.text]
    return bool(long)


def _steps(summary: Summary) -> list[Callable[[], bool]]:
    """Shortening steps, mildest first: the areas' third and later phrases, then their second ones,
    long flags, statements and plans, extra 第一责任人 acts, then the areas' best phrases (kept
    longest). The problems list and the checklist are never dropped."""
    def resp(n: int) -> Callable[[], bool]:
        def step() -> bool:
            if len(summary.responsibility) > n:
                summary.responsibility.pop()
                return True
            return False
        return step

    def plan_titles() -> bool:  # "健全完善依法行政制度体系：完善行政规范性文件…" -> its title
        changed = False
        for p in summary.plans:
            title, sep, _ = p.item.text.partition("：")
            if sep and 4 <= len(title) < len(p.item.text):
                p.item.text, changed = title, True
        return changed

    plans = lambda: [p.item for p in summary.plans]  # noqa: E731
    problems = lambda: [p.item for p in summary.problems]  # noqa: E731
    def compress() -> bool:  # one longer run back to its phrase: the least important first
        # plans, then problems, then the measures' and 第一责任人 phrases (by rank): the statements keep their gist
        listed = ([(i.rank, -i.salience, i) for g in summary.measures for i in g.items] + [(i.rank, -i.salience, i) for i in summary.responsibility]
                  + [(98, 0.0, p.item) for p in summary.problems] + [(99, 0.0, p.item) for p in summary.plans])
        longer = [(rank, sal, n, i) for n, (rank, sal, i) in enumerate(listed) if i.short_text]
        if not longer:
            return False
        item = max(longer, key=lambda r: r[:3])[3]
        item.text, item.short_text = item.short_text, ""
        item.figures = [f for f in item.figures if f in item.text]
        return True

    def run_in() -> bool:
        if summary.layout == "run-in" or len(summary.measures) < 4:
            return False
        summary.layout = "run-in"
        return True

    def hide_idle_plans() -> bool:  # plans that answer no listed problem and name no target (a long list)
        idle = [p for p in summary.plans if p.shown and not p.answers and informativeness(p.item.text) < 1.0]
        if len(summary.plans) <= 8 or not idle:
            return False
        for p in idle:
            p.shown = False
        return True

    return [
        run_in,
        compress,
        lambda: _drop_measure(summary, 2),
        lambda: _cut_all(summary.flags, "message", 60),
        lambda: _cut_all(plans(), "text", 30),
        hide_idle_plans,
        lambda: _drop_measure(summary, 1),
        plan_titles,
        resp(2),
        lambda: _cut_all(problems(), "text", 40),
        lambda: _cut_all(plans(), "text", 22),
        lambda: _cut_all(summary.flags, "message", 36),
        lambda: _cut_all(summary.responsibility, "text", 40),
        resp(1),
        lambda: _cut_all([i for g in summary.measures for i in g.items], "text", 30),
        lambda: _cut_all(problems(), "text", 28),
        lambda: _cut_all(plans(), "text", 14),
        lambda: _drop_measure(summary, 0),
        lambda: _cut_all([g for g in summary.measures if not g.items], "heading", 8),
    ]


def fit_to_page(summary: Summary) -> Summary:
    """Shorten until the page fits (see ``_steps`` for the order); note what was left out."""
    before = sum(len(g.items) for g in summary.measures)
    steps = _steps(summary)
    while (over := page_lines(render_page(summary)[0]) - PAGE_LINES) > 0:
        step = next((step for step in steps if step()), None)
        if step is None:
            summary.notes.append("摘要超出一页：问题清单和五要素不删减")
            break
        for _ in range(over // 3):  # far over the page: the same step again before measuring (each saves a line or so)
            if not step():
                break
    dropped = before - sum(len(g.items) for g in summary.measures)
    if dropped:
        summary.notes.append(f"为控制在一页内，略去了{dropped}条较次要的举措要点")
    return summary


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


def summary_to_docx(summary: Summary, path: str | Path, references: bool = True) -> Path:
    """A4 .docx: the page (one printed page: exact line pitch, the line model of ``page_lines``),
    then, after a page break, the numbered references (python-docx has no endnote API)."""
    from docx import Document
    from docx.enum.text import WD_BREAK, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    page, cites = render_page(summary)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    section.header_distance = section.footer_distance = Cm(1.0)
    style = doc.styles["Normal"]
    style.font.size = Pt(BODY_PT)
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    fmt = style.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.widow_control = False

    def paragraph(text: str, size: float | None = None, bold: bool = False) -> Any:
        para = doc.add_paragraph()
        _add_runs(para, text)
        for run in para.runs:
            run.bold = bold or run.bold
            if size:
                run.font.size = Pt(size)
        return para

    for raw in page.splitlines():
        if not raw.strip():
            continue
        if raw.startswith("# "):
            para = paragraph(raw[2:], TITLE_PT, bold=True)
            para.paragraph_format.line_spacing = Pt(TITLE_LINE_PT)
            para.paragraph_format.space_after = Pt(TITLE_AFTER_PT)
        elif raw.startswith("## "):
            para = paragraph(raw[3:], HEADING_PT, bold=True)
            para.paragraph_format.line_spacing = Pt(HEADING_LINE_PT)
            para.paragraph_format.space_before = Pt(HEADING_BEFORE_PT)
            para.paragraph_format.keep_with_next = True
        else:
            paragraph(raw[2:] if raw.startswith("- ") else raw)
    if references and cites:
        doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
        paragraph("引文", HEADING_PT, bold=True)
        for line in _reference_lines(cites):
            para = paragraph(line, 9.0)
            para.paragraph_format.line_spacing = Pt(13)
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
