"""Render a Comparison: side-by-side Markdown and HTML tables (every item quoted with its citation), JSON."""

from __future__ import annotations

import html
from dataclasses import asdict
from typing import Any

from rag.compare.align import Comparison, ProblemView, ThemeRow
from rag.summary.render import json_safe

KIND_LABEL = {"shared": "共同主题", "only_a": "仅 A", "only_b": "仅 B"}


def _tags(p: ProblemView) -> str:
    tags = [p.specificity, "有原因" if p.reason_given else "无原因", f"安排：{p.plan}" if p.plan else "无对应安排"]
    if p.status:
        tags.append(p.status)
    return "·".join(tags)


def _cell_md(items: list[ProblemView]) -> str:
    if not items:
        return "—"
    out = [f"**{p.ref}** “{p.statement}”〔{_tags(p)}〕[{p.ref}]" for p in items]
    return "<br>".join(s.replace("|", "｜") for s in out)


def _citation_line(p: ProblemView, report_label: str) -> str:
    return (f"[{p.ref}] {report_label} · {p.section or '正文'} · 原文位置 {p.source_span[0]}–{p.source_span[1]}："
            f"“{p.text}”")


def _rows(c: Comparison) -> list[tuple[ThemeRow, list[ProblemView], list[ProblemView]]]:
    """Rows with items in pair order (most similar pair first) so that paired items face each other."""
    out = []
    for row in c.rows:
        a = [pair.a for pair in row.pairs if pair.a is not None]
        b = [pair.b for pair in row.pairs if pair.b is not None]
        out.append((row, a, b))
    return out


def comparison_to_markdown(c: Comparison) -> str:
    lines = [f"# 问题部分对比：A《{c.a.title}》 vs B《{c.b.title}》", ""]
    for name, side in (("A", c.a), ("B", c.b)):
        counts = side.counts()
        head = side.problems_heading or side.note or "（未识别问题部分）"
        lines.append(f"- **{name}** {side.source}｜{head}｜{counts['problems']}项问题，具体{counts['具体']}项、"
                     f"给出原因{counts['with_reason']}项、有对应安排{counts['with_plan']}项")
    lines += ["", f"**分析**（{'模型撰写，已核验' if c.narrative_mode == 'llm' else '模板生成'}）：{c.narrative}", ""]
    lines += ["| 主题 | 类别 | A | B | 判断 |", "|---|---|---|---|---|"]
    for row, a, b in _rows(c):
        lines.append(f"| {row.code} {row.label} | {KIND_LABEL[row.kind]} | {_cell_md(a)} | {_cell_md(b)} | {row.verdict} |")
    if not c.rows:
        lines.append("| — | — | — | — | 双方均无可对比的问题条目 |")
    lines += ["", "**引文**", ""]
    for name, side in (("A", c.a), ("B", c.b)):
        lines += [_citation_line(p, f"{name}《{side.title}》") for p in side.problems]
    if c.notes:
        lines += ["", "**说明**", *[f"- {n}" for n in c.notes]]
    return "\n".join(lines) + "\n"


def _cell_html(items: list[ProblemView]) -> str:
    if not items:
        return "—"
    parts = []
    for p in items:
        parts.append(
            f'<div class="rq-item" data-side="{p.side}" data-source-start="{p.source_span[0]}" '
            f'data-source-end="{p.source_span[1]}"><b>{html.escape(p.ref)}</b> “{html.escape(p.statement)}”'
            f'<span class="rq-tags">〔{html.escape(_tags(p))}〕</span><sup><a href="#cite-{p.ref}">[{p.ref}]</a></sup></div>'
        )
    return "".join(parts)


def comparison_to_html(c: Comparison) -> str:
    e = html.escape
    out = ['<div class="rq-compare">',
           f"<h3>问题部分对比：A《{e(c.a.title)}》 vs B《{e(c.b.title)}》</h3>",
           f'<p class="rq-narrative"><b>分析</b>（{"模型撰写，已核验" if c.narrative_mode == "llm" else "模板生成"}）：'
           f"{e(c.narrative)}</p>",
           '<table class="rq-table"><thead><tr><th>主题</th><th>类别</th>'
           f"<th>A：{e(c.a.source)}</th><th>B：{e(c.b.source)}</th><th>判断</th></tr></thead><tbody>"]
    for row, a, b in _rows(c):
        out.append(f'<tr class="rq-{row.kind}"><td>{e(row.code)} {e(row.label)}</td><td>{e(KIND_LABEL[row.kind])}</td>'
                   f"<td>{_cell_html(a)}</td><td>{_cell_html(b)}</td><td>{e(row.verdict)}</td></tr>")
    if not c.rows:
        out.append('<tr><td colspan="5">双方均无可对比的问题条目</td></tr>')
    out.append('</tbody></table><ol class="rq-citations">')
    for name, side in (("A", c.a), ("B", c.b)):
        for p in side.problems:
            out.append(f'<li id="cite-{p.ref}">{e(_citation_line(p, f"{name}《{side.title}》"))}</li>')
    out.append("</ol>")
    if c.notes:
        out.append('<ul class="rq-notes">' + "".join(f"<li>{e(n)}</li>" for n in c.notes) + "</ul>")
    out.append("</div>")
    return "\n".join(out)


def comparison_to_dict(c: Comparison) -> dict[str, Any]:
    data = json_safe(asdict(c))
    data["counts"] = c.counts()
    return data
