"""Compare the problems sections of two reports theme by theme (domain-notes §4.2).

Each problem item is tagged (theme T01–T17, specificity, reason given, answering plan), the two
sides are aligned on the theme code, and inside a shared theme the items are paired most similar
first (embedding cosine when an embedder is given, else content-bigram overlap). When both reports
come from the same issuing body in consecutive years, the earlier report's problems are labelled
持续存在 / 未再提及 against the later one. A short narrative is template-written; a generator may
write it instead, and its text is kept only if every figure and quote in it is found in the items.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from rag.core.errors import ReportQAError
from rag.core.protocols import Embedder, Generator
from rag.core.types import Report
from rag.lang.figures import find_figures, is_supported
from rag.report.themes import CONCRETE_RE, FIGURE_RE, ThemeLabel, tag_problems, text_similarity
from rag.summary.build import item_statement, problem_items
from rag.summary.model import heading_path

SPECIFICITY_RANK = {"具体": 2, "领域": 1, "套话": 0}
PAIR_MIN_SIMILARITY = 0.0  # inside a theme every item may pair; the score is shown, not thresholded


class SameReportError(ReportQAError, ValueError):
    """Both sides of a comparison are the same report."""


@dataclass
class ProblemView:
    side: Literal["A", "B"]
    index: int  # 1-based position in its report's problems
    text: str  # the whole item, verbatim
    statement: str  # short verbatim form
    section: str  # heading path
    span: tuple[int, int]
    source_span: tuple[int, int]
    theme: ThemeLabel
    specificity: str
    reason_given: bool
    named: str = ""  # what makes it concrete (a unit, platform, document, figure), for the verdict
    plan: str = ""  # statement of the plan that answers it, "" if none
    status: str = ""  # 持续存在 / 未再提及 (earlier report, same body, consecutive years)

    @property
    def ref(self) -> str:
        return f"{self.side}{self.index}"


@dataclass
class ItemPair:
    a: ProblemView | None
    b: ProblemView | None
    similarity: float = 0.0


@dataclass
class ThemeRow:
    code: str
    label: str
    kind: Literal["shared", "only_a", "only_b"]
    a_items: list[ProblemView]
    b_items: list[ProblemView]
    pairs: list[ItemPair]
    verdict: str


@dataclass
class ReportSide:
    report_id: str
    title: str
    source: str
    issuing_body: str
    year: int | None
    problems_heading: str
    problems: list[ProblemView]
    note: str  # e.g. "未能确定'存在的不足'部分（…）"

    def counts(self) -> dict[str, int]:
        spec = {k: sum(p.specificity == k for p in self.problems) for k in SPECIFICITY_RANK}
        return {"problems": len(self.problems), **spec,
                "with_reason": sum(p.reason_given for p in self.problems),
                "with_plan": sum(bool(p.plan) for p in self.problems),
                "themes": len({p.theme.code for p in self.problems})}


@dataclass
class Comparison:
    a: ReportSide
    b: ReportSide
    shared: list[ThemeRow]
    only_a: list[ThemeRow]
    only_b: list[ThemeRow]
    same_body_consecutive: bool
    narrative: str
    narrative_mode: Literal["template", "llm"] = "template"
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[ThemeRow]:
        return [*self.shared, *self.only_a, *self.only_b]

    def counts(self) -> dict[str, Any]:
        return {"A": self.a.counts(), "B": self.b.counts(), "shared_themes": len(self.shared),
                "only_a_themes": len(self.only_a), "only_b_themes": len(self.only_b)}


def _side(report: Report, name: Literal["A", "B"], embedder: Embedder | None, judge: Generator | None) -> ReportSide:
    items, note = problem_items(report)
    plans = list(report.plans)
    tags = tag_problems([i.text for i in items], [p.text for p in plans], embedder, judge)
    views = []
    for n, (item, tag) in enumerate(zip(items, tags, strict=True), 1):
        named = CONCRETE_RE.search(item.text) or FIGURE_RE.search(item.text)
        views.append(ProblemView(
            name, n, item.text, item_statement(item), heading_path(report, item.span[0]), item.span, item.source_span,
            tag.theme, tag.specificity, tag.reason_given, named.group(0).strip("“”\"") if named else "",
            item_statement(plans[tag.plan_index], 40) if tag.plan_index is not None else "",
        ))
    secs = report.sections_with_role("problems")
    heading = (secs[0].split_from or secs[0].heading) if secs else ""
    title = report.meta.title or report.source.name
    return ReportSide(report.report_id, title, report.source.name, report.meta.issuing_body, report.meta.year,
                      heading, views, note)


def _similarities(a: list[ProblemView], b: list[ProblemView], embedder: Embedder | None) -> np.ndarray:
    if embedder is not None and a and b:
        vecs = np.asarray(embedder.embed_documents([p.text for p in a + b]), dtype=np.float32)
        va, vb = vecs[: len(a)], vecs[len(a):]
        return va @ vb.T
    return np.array([[text_similarity(x.text, y.text) for y in b] for x in a], dtype=np.float32).reshape(len(a), len(b))


def _pairs(a: list[ProblemView], b: list[ProblemView], embedder: Embedder | None) -> list[ItemPair]:
    """Greedy one-to-one pairing, most similar first; leftovers stand alone."""
    sims = _similarities(a, b, embedder)
    order = sorted(((float(sims[i, j]), i, j) for i in range(len(a)) for j in range(len(b))), reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for score, i, j in order:
        if i in used_a or j in used_b or score < PAIR_MIN_SIMILARITY:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append(ItemPair(a[i], b[j], round(score, 3)))
    pairs += [ItemPair(x, None) for i, x in enumerate(a) if i not in used_a]
    pairs += [ItemPair(None, y) for j, y in enumerate(b) if j not in used_b]
    return pairs


def _best(items: list[ProblemView]) -> ProblemView:
    return max(items, key=lambda p: (SPECIFICITY_RANK[p.specificity], p.reason_given, len(p.text)))


def _describe(p: ProblemView) -> str:
    if p.specificity == "具体":
        return f"具体（点名“{p.named}”）" if p.named else "具体"
    return "仅点明领域" if p.specificity == "领域" else "为套话"


def verdict(kind: str, a: list[ProblemView], b: list[ProblemView]) -> str:
    """One line per theme: who mentions it, who is more specific, who gives reasons."""
    if kind == "only_a" or kind == "only_b":
        side, items = ("A", a) if kind == "only_a" else ("B", b)
        best = _best(items)
        return f"仅 {side} 提及（{len(items)}项，{_describe(best)}{'，给出原因' if best.reason_given else ''}）"
    ba, bb = _best(a), _best(b)
    ra, rb = SPECIFICITY_RANK[ba.specificity], SPECIFICITY_RANK[bb.specificity]
    if ra > rb:
        detail = f"A 更具体{_describe(ba).removeprefix('具体')}，B {_describe(bb)}"
    elif rb > ra:
        detail = f"B 更具体{_describe(bb).removeprefix('具体')}，A {_describe(ba)}"
    else:
        detail = f"具体程度相当（A {_describe(ba)}，B {_describe(bb)}）"
    reasons = [s for s, x in (("A", a), ("B", b)) if any(p.reason_given for p in x)]
    why = f"；{'、'.join(reasons)} 给出原因" if reasons else "；双方均未给出原因"
    return f"双方均提及；{detail}{why}"


def _consecutive(a: Report, b: Report) -> bool:
    ma, mb = a.meta, b.meta
    return bool(ma.issuing_body) and ma.issuing_body == mb.issuing_body and ma.year is not None \
        and mb.year is not None and abs(ma.year - mb.year) == 1


def compare_reports(a: Report, b: Report, embedder: Embedder | None = None, generator: Generator | None = None,
                    judge_themes: bool = False) -> Comparison:
    """Align the two problems sections on themes; see the module docstring.

    ``generator`` writes the narrative (verified); with ``judge_themes`` it also acts as the theme
    judge for every item (one short constrained call each; off by default: small models judge badly).
    """
    if a.report_id == b.report_id or (a.source.sha256 and a.source.sha256 == b.source.sha256):
        raise SameReportError(f"两次选择了同一份报告（{a.report_id}）：请选择两份不同的报告进行对比。")
    judge = generator if judge_themes else None
    side_a, side_b = _side(a, "A", embedder, judge), _side(b, "B", embedder, judge)
    notes = [f"{s.report_id}：{s.note}，仅对比另一份报告已有的内容" for s in (side_a, side_b) if s.note]
    codes_a = {p.theme.code for p in side_a.problems}
    codes_b = {p.theme.code for p in side_b.problems}
    order = sorted(codes_a | codes_b)
    shared: list[ThemeRow] = []
    only_a: list[ThemeRow] = []
    only_b: list[ThemeRow] = []
    for code in order:
        ia = [p for p in side_a.problems if p.theme.code == code]
        ib = [p for p in side_b.problems if p.theme.code == code]
        kind: Literal["shared", "only_a", "only_b"] = "shared" if ia and ib else "only_a" if ia else "only_b"
        label = (ia or ib)[0].theme.label
        row = ThemeRow(code, label, kind, ia, ib, _pairs(ia, ib, embedder), verdict(kind, ia, ib))
        {"shared": shared, "only_a": only_a, "only_b": only_b}[kind].append(row)
    consecutive = _consecutive(a, b)
    if consecutive:
        earlier, later_codes = (side_a, codes_b) if (a.meta.year or 0) < (b.meta.year or 0) else (side_b, codes_a)
        for p in earlier.problems:
            p.status = "持续存在" if p.theme.code in later_codes else "未再提及"
        notes.append(f"同一主体相邻年度：已标注{earlier.year}年报告的问题在次年报告中是否持续存在")
    comparison = Comparison(side_a, side_b, shared, only_a, only_b, consecutive, "", "template", notes)
    comparison.narrative = template_narrative(comparison)
    if generator is not None:
        _llm_narrative(comparison, generator)
    return comparison


def template_narrative(c: Comparison) -> str:
    na, nb = len(c.a.problems), len(c.b.problems)
    def listed(side: ReportSide, n: int) -> str:
        # no items and a note: the parser found no problems part, which is not evidence of none
        return "未能确定问题部分" if n == 0 and side.note else f"列出{n}项问题"

    parts = [f"A（{c.a.title}）{listed(c.a, na)}，B（{c.b.title}）{listed(c.b, nb)}。"]
    for side in (c.a, c.b):
        if side.note:
            parts.append(f"{'A' if side is c.a else 'B'}：{side.note}。")
    if c.shared:
        parts.append(f"双方共同涉及{len(c.shared)}个主题：{'、'.join(r.label for r in c.shared)}。")
    else:
        parts.append("双方的问题没有共同主题。")
    if c.only_a:
        parts.append(f"仅 A 提及：{'、'.join(r.label for r in c.only_a)}。")
    if c.only_b:
        parts.append(f"仅 B 提及：{'、'.join(r.label for r in c.only_b)}。")
    ca, cb = c.a.counts(), c.b.counts()
    parts.append(f"具体表述 A {ca['具体']}/{na}、B {cb['具体']}/{nb}；给出原因 A {ca['with_reason']}/{na}、"
                 f"B {cb['with_reason']}/{nb}；有对应下一年度安排 A {ca['with_plan']}/{na}、B {cb['with_plan']}/{nb}。")
    if c.same_body_consecutive:
        earlier = c.a if (c.a.year or 0) < (c.b.year or 0) else c.b
        kept = sum(p.status == "持续存在" for p in earlier.problems)
        parts.append(f"同一主体相邻年度：{earlier.year}年的{len(earlier.problems)}项问题中，{kept}项在次年仍属同一主题（持续存在）。")
    return "".join(parts)


NARRATIVE_SCHEMA = {"type": "object", "properties": {"narrative": {"type": "string", "maxLength": 400}},
                    "required": ["narrative"]}


def _llm_narrative(c: Comparison, generator: Generator) -> None:
    from rag.core.templates import render

    table = "\n".join(
        f"{r.code} {r.label}｜{r.verdict}｜" + "；".join(f"{p.ref}“{p.statement}”" for p in r.a_items + r.b_items)
        for r in c.rows
    )
    messages = [{"role": "system", "content": render("compare_narrative_system")},
                {"role": "user", "content": render("compare_narrative_user", title_a=c.a.title, title_b=c.b.title,
                                                   table=table or "（双方均无问题条目）")}]
    try:
        text = str(json.loads(generator.complete(messages, max_tokens=400, temperature=0.1,
                                                 json_schema=NARRATIVE_SCHEMA))["narrative"]).strip()
    except Exception as exc:
        c.notes.append(f"模型未能写出对比分析（{type(exc).__name__}），使用模板分析")
        return
    evidence = [p.text for p in c.a.problems + c.b.problems] + [r.label for r in c.rows] + [c.narrative, c.a.title, c.b.title]
    problems = check_narrative(text, evidence)
    if problems or not text:
        c.notes.append("模型写的对比分析未通过核验（" + ("；".join(problems) or "空") + "），使用模板分析")
        return
    c.narrative, c.narrative_mode = text, "llm"


def check_narrative(text: str, evidence_texts: list[str]) -> list[str]:
    """Figures and quotes in ``text`` that are not found in the items (empty list = verified)."""
    joined = "\n".join(evidence_texts)
    evidence = find_figures(joined)
    bad = [f"数字“{f.text}”不在条目中" for f in find_figures(text)
           if f.kind in ("number", "percent", "masked", "date") and not is_supported(f, evidence)]
    bad += [f"引文“{q}”不在条目中" for q in re.findall(r"“([^”]{2,})”", text) if q not in joined]
    return bad
