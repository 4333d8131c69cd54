"""Model-written summary: map over the sections, reduce to one page, every point verified.

Map: one constrained-JSON call per measure area (rag.summary.measures.measure_areas) and per other
top-level part (第一责任人, 问题, 安排; long sections in several windows), asking for points, each
with a verbatim quote and its figures. A point survives only when its quote is verbatim in that
section and every figure in it (and in its ``figures`` list) is found in that section. Surviving
points replace the extractive items of their area or part; an area or part with no surviving point
keeps the extractive version (``builder`` says which wrote each point).

Reduce: when the points do not fit the page, the model writes the page's measures: it picks points
by number and may shorten each one. A shortened point is kept only when its figures are in the
source section and most of its characters come from the point it shortens; otherwise the point keeps
its verified text. If the reduce answer is unusable, the page is fitted by rank, as without a model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rag.core.protocols import Generator
from rag.core.templates import render
from rag.core.types import Report, Section
from rag.lang.emphasis import informativeness
from rag.lang.figures import find_figures, is_supported
from rag.summary.measures import measure_areas
from rag.summary.model import Summary, SummaryItem, cite, real_figures, sentences, short_heading
from rag.summary.render import fits_page

MAP_MAX_TOKENS = 600
PROMPT_OVERHEAD = 400  # tokens of system prompt, instructions and chat template around the text
MAX_POINTS = 6
CHARS_PER_POINT = 150
TOKENS_PER_POINT = 110  # a point of ≤60 characters, its quote and figures, as JSON
TASKS = {
    "measures": "概括本部分的主要举措和成效，优先保留带数字的成效。",
    "responsibility": "列出主要负责人履行第一责任人职责的具体行为（专题会议、述法、会前学法、批示、督办等）。",
    "problems": "逐条列出本部分写到的每一个问题，不要遗漏，也不要合并。",
    "plans": "逐条列出下一年度的每一项工作安排。",
    "other": "概括本部分内容。",
}
ROLE_NAMES = {"measures": "主要举措和成效", "responsibility": "第一责任人履职", "problems": "存在的不足",
              "plans": "下一年度安排", "other": "其他"}


def map_schema(max_points: int = MAX_POINTS) -> dict[str, Any]:
    point = {
        "type": "object",
        "properties": {
            "text": {"type": "string", "maxLength": 60},
            "quote": {"type": "string", "maxLength": 120},
            "figures": {"type": "array", "items": {"type": "string"}, "maxItems": 8},
        },
        "required": ["text", "quote", "figures"],
    }
    return {"type": "object", "properties": {"points": {"type": "array", "items": point, "maxItems": max_points}},
            "required": ["points"]}


@dataclass
class Point:
    text: str
    quote: str
    span: tuple[int, int]  # cleaned-text span of the quote
    figures: list[str]


def _windows(report: Report, section: Section, budget_tokens: int, count_tokens: Callable[[str], int]
             ) -> list[tuple[int, int]]:
    """Split a section into runs of whole sentences that each fit ``budget_tokens``."""
    start, end = section.span
    out: list[tuple[int, int]] = []
    w_start = w_end = start
    for s, e, _ in sentences(report.text[start:end], start):
        if w_end > w_start and count_tokens(report.text[w_start:e]) > budget_tokens:
            out.append((w_start, w_end))
            w_start = s
        w_end = e
    if w_end > w_start:
        out.append((w_start, w_end))
    return out or [(start, end)]


# One character for one: quote marks and commas of either width and style compare equal, so that a
# model writing ‘12345’ for “12345” still finds its quote (offsets are unchanged).
_SAME = str.maketrans({"‘": "“", "’": "”", "「": "“", "」": "”", "\"": "“", ",": "，", ";": "；", ":": "："})


def _find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` stands verbatim in ``text`` (whitespace, line breaks, quote-mark and comma
    styles ignored)."""
    text = text.translate(_SAME)
    quote = quote.strip().strip("“”\"「」‘’").translate(_SAME)
    if len(quote) < 4:
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    squeezed = "".join(ch for ch in quote if not ch.isspace())
    kept = [i for i, ch in enumerate(text) if not ch.isspace()]
    compact = "".join(text[i] for i in kept)
    at = compact.find(squeezed)
    if at < 0:
        return None
    return kept[at], kept[at + len(squeezed) - 1] + 1


def verify_points(raw: str, report: Report, window: tuple[int, int], scope: Section) -> tuple[list[Point], list[str]]:
    """Parse one map answer and keep the points whose quote and figures check out against ``scope``."""
    notes: list[str] = []
    try:
        data = json.loads(raw)
        points = data["points"] if isinstance(data, dict) else []
    except (json.JSONDecodeError, KeyError, TypeError):
        return [], [f"模型对“{short_heading(scope.heading)}”的输出不是有效 JSON，已改用抽取式摘要"]
    section_text = report.text[scope.span[0] : scope.span[1]]
    evidence = find_figures(section_text)
    kept: list[Point] = []
    for p in points if isinstance(points, list) else []:
        if not isinstance(p, dict):
            continue
        text, quote = str(p.get("text", "")).strip(), str(p.get("quote", "")).strip()
        figures = [str(f) for f in p.get("figures", []) if str(f).strip()] if isinstance(p.get("figures"), list) else []
        where = _find_quote(section_text, quote)
        claimed = find_figures(text) + [f for x in figures for f in find_figures(x)]
        bad = [f.text for f in claimed if not is_supported(f, evidence)]
        bad += [x for x in figures if not find_figures(x) and x not in section_text]
        if not text or where is None or bad:
            why = "引文不在原文中" if where is None else f"数字{'、'.join(bad)}不在该部分原文中" if bad else "空要点"
            notes.append(f"已删除未通过核验的要点：“{text[:40]}”（{why}）")
            continue
        start = scope.span[0] + where[0]
        kept.append(Point(text, report.text[start : scope.span[0] + where[1]], (start, scope.span[0] + where[1]),
                          real_figures(text)))
    return kept, notes


def points_for(chars: int) -> int:
    """Points asked of a window of ``chars`` characters: one per CHARS_PER_POINT, 1 to MAX_POINTS
    (a short area needs no six points, and every point the model writes costs CPU seconds)."""
    return max(1, min(MAX_POINTS, -(-chars // CHARS_PER_POINT)))


def map_section(report: Report, section: Section, generator: Generator) -> tuple[list[Point], list[str]]:
    budget = max(200, generator.context_size - MAP_MAX_TOKENS - PROMPT_OVERHEAD)
    points: list[Point] = []
    notes: list[str] = []
    for w_start, w_end in _windows(report, section, budget, generator.count_tokens):
        n = points_for(w_end - w_start)
        messages = [
            {"role": "system", "content": render("summary_map_system")},
            {"role": "user", "content": render(
                "summary_map_user", title=report.meta.title or report.source.name, heading=short_heading(section.heading, 60),
                role=ROLE_NAMES.get(section.role, section.role), task=TASKS.get(section.role, TASKS["other"]),
                text=report.text[w_start:w_end], max_points=n)},
        ]
        try:
            raw = generator.complete(messages, max_tokens=min(MAP_MAX_TOKENS, 40 + TOKENS_PER_POINT * n),
                                     temperature=0.0, json_schema=map_schema(n))
        except Exception as exc:  # a failing model must not cost the user the extractive summary
            notes.append(f"模型处理“{short_heading(section.heading)}”失败（{exc}），已改用抽取式摘要")
            continue
        kept, why = verify_points(raw, report, (w_start, w_end), section)
        points.extend(kept)
        notes.extend(why)
    return points, notes


def _item(report: Report, p: Point, rank: int = 0) -> SummaryItem:
    return SummaryItem(p.text, [cite(report, p.span[0], p.span[1], p.quote)], "llm", p.figures,
                       round(informativeness(p.quote) + 0.5, 3), rank)


def map_units(report: Report) -> list[Section]:
    """What the map step reads: each measure area, then every other top-level part with a body
    (the preamble and 其他 are left out: the page shows neither)."""
    units = list(measure_areas(report))
    for section in report.sections:
        if section.role in ("responsibility", "problems", "plans"):
            body = report.text[section.heading_span[1] : section.span[1]].strip()
            if body:
                units.append(section)
    return sorted(units, key=lambda s: s.span[0])


def refine_with_llm(report: Report, summary: Summary, generator: Generator) -> Summary:
    """Replace extractive parts by verified model points, area by area; record who built what."""
    groups = {g.citation.span: g for g in summary.measures}
    resp_points: list[Point] = []
    for section in map_units(report):
        points, notes = map_section(report, section, generator)
        summary.notes.extend(notes)
        if section.role == "measures":
            group = groups.get(section.heading_span)
            if group is not None and points:
                group.items = [_item(report, p, rank) for rank, p in enumerate(points)]
                group.builder = "llm"
        elif section.role == "responsibility":
            resp_points.extend(points)
        else:
            _attach(report, summary, points, section.role)
    if resp_points and summary.element("responsibility").status == "present":
        summary.responsibility = [_item(report, p, rank) for rank, p in enumerate(resp_points[:3])]
    if any(g.builder == "llm" for g in summary.measures):
        reduce_to_page(report, summary, generator)
    summary.builders.update(_builders(summary, bool(resp_points)))
    return summary


def _attach(report: Report, summary: Summary, points: list[Point], role: str) -> None:
    """Use a verified point as the short statement of the problem/plan item its quote lies in."""
    entries = [(p.item) for p in summary.problems] if role == "problems" else [p.item for p in summary.plans]
    for item in entries:
        span = item.citations[0].span
        match = next((p for p in points if span[0] <= p.span[0] and p.span[1] <= span[1]), None)
        if match is not None:
            item.text, item.builder, item.figures, item.short_text = match.text, "llm", match.figures, ""


REDUCE_SCHEMA = {
    "type": "object",
    "properties": {"points": {"type": "array", "items": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "text": {"type": "string", "maxLength": 60}},
        "required": ["id", "text"]}}},
    "required": ["points"],
}
REDUCE_MAX_TOKENS = 700
MIN_SHARED = 0.6  # share of a shortened point's characters that must come from the point it shortens


def _area_text(report: Report, item: SummaryItem) -> str:
    start = item.citations[0].span[0]
    area = next((a for a in measure_areas(report) if a.span[0] <= start < a.span[1]), None)
    return report.text[area.span[0] : area.span[1]] if area else report.text


def check_rewrite(text: str, source: str, scope: str) -> str:
    """Why ``text`` cannot stand for ``source`` (a point of section text ``scope``); "" when it can."""
    if not text.strip():
        return "空要点"
    evidence = find_figures(scope)
    bad = [f.text for f in find_figures(text) if not is_supported(f, evidence)]
    if bad:
        return f"数字{'、'.join(bad)}不在该部分原文中"
    chars = [ch for ch in text if not ch.isspace() and ch not in "，,。；;、：:“”"]
    shared = sum(ch in source for ch in chars) / max(1, len(chars))
    return "" if shared >= MIN_SHARED else "改写后的要点与原要点出入过大"


def reduce_to_page(report: Report, summary: Summary, generator: Generator) -> None:
    """The model writes the page's measures from the verified points (see the module docstring)."""
    if fits_page(summary):
        return
    flat = [(g, item) for g in summary.measures for item in g.items]
    if len(flat) <= 3:
        return
    listing = "\n".join(f"{n}. 【{g.heading}】{item.text}" for n, (g, item) in enumerate(flat))
    keep_n = max(3, len(flat) // 2)
    messages = [{"role": "system", "content": render("summary_map_system")},
                {"role": "user", "content": render("summary_reduce_user", keep=keep_n, points=listing)}]
    try:
        raw = generator.complete(messages, max_tokens=REDUCE_MAX_TOKENS, temperature=0.0, json_schema=REDUCE_SCHEMA)
        chosen = json.loads(raw)["points"]
    except Exception:  # a failing model must not cost the user the page
        summary.notes.append("模型未能完成一页汇总，按要点排序裁剪")
        return
    kept: dict[int, str] = {}
    for entry in chosen if isinstance(chosen, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), int) or not 0 <= entry["id"] < len(flat):
            continue
        _, item = flat[entry["id"]]
        text = str(entry.get("text", "")).strip()
        why = check_rewrite(text, item.text + item.citations[0].quote, _area_text(report, item)) if text else "空要点"
        if why and text:
            summary.notes.append(f"汇总改写未通过核验，保留原要点：“{text[:40]}”（{why}）")
        kept.setdefault(entry["id"], "" if why else text)
    if not kept:
        summary.notes.append("模型的一页汇总没有可用的要点，按要点排序裁剪")
        return
    order = {n: rank for rank, n in enumerate(kept)}
    for n, (group, item) in enumerate(flat):
        if n not in kept:
            group.items.remove(item)
            continue
        if kept[n] and kept[n] != item.text:
            item.text, item.builder = kept[n], "llm"
            item.figures = real_figures(kept[n])
        item.rank = order[n]
    summary.notes.append(f"模型从{len(flat)}条举措要点中选写{len(kept)}条")


def _builders(summary: Summary, responsibility_llm: bool) -> dict[str, str]:
    def mix(items: list[SummaryItem]) -> str:
        kinds = {i.builder for i in items}
        return "mixed" if len(kinds) > 1 else (kinds.pop() if kinds else "extractive")

    return {
        "measures": mix([i for g in summary.measures for i in g.items]),
        "responsibility": "llm" if responsibility_llm and summary.responsibility and
        all(i.builder == "llm" for i in summary.responsibility) else "extractive",
        "problems": mix([p.item for p in summary.problems]),
        "plans": mix([p.item for p in summary.plans]),
    }

