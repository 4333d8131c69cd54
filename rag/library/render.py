"""The overview as tables: Markdown, JSON, CSV and Excel (the same columns), and HTML for the app.

Every exported value keeps its passage: Markdown cells carry a reference mark [row.n] listed under
the table, CSV and Excel rows list "field → source position" and Excel has a sheet of every cited
passage. The HTML cells are links (``#rq-ov-<row>-<cite>``) that the app resolves to the passage.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rag.core.errors import DependencyMissingError
from rag.library.model import FLAG_LABEL, PART_KEYS, Cell, IndicatorTable, Overview, ReportRow
from rag.report.themes import theme_short
from rag.summary.render import json_safe

OVERVIEW_SCHEMA_VERSION = "1.0"
COLUMNS = ["报告", "文件", "地区", "省份", "层级", "年度", "发布机关", "发布日期", "按时发布",
           *[label for _, label in PART_KEYS], "问题数", "问题主题", "具体", "领域", "套话", "有原因", "有对应安排",
           "安排数", "对应问题的安排", *FLAG_LABEL.values(), "其他提示"]
PART_MARK = {"present": "✓", "folded": "◐", "undetermined": "？"}


def _on_time(row: ReportRow) -> str:
    return {True: "是", False: "否", None: "未能确定"}[row.on_time]


def _themes_text(row: ReportRow) -> str:
    return "、".join(f"{theme_short(code)}×{n}" for code, n in sorted(row.theme_counts().items(), key=lambda kv: -kv[1]))


def _flag_value(row: ReportRow, code: str) -> str:
    return "是" if row.flag(code) else ""


def row_values(row: ReportRow) -> list[Any]:
    """The row in ``COLUMNS`` order (plain values, for CSV and Excel)."""
    spec = row.specificity_counts()
    return [
        row.title.text, row.source, row.place.text or "未能确定", row.province, row.level, row.year or "未能确定",
        row.issuer.text or "未能确定", row.date.text or "未能确定", _on_time(row),
        *[f"{p.label}{'：' + p.heading if p.heading else ''}" for p in row.parts],
        len(row.problems), _themes_text(row), spec["具体"], spec["领域"], spec["套话"],
        row.with_reason, row.with_plan,
        row.plan_count, row.plans_linked, *[_flag_value(row, code) for code in FLAG_LABEL],
        "；".join(f.message for f in row.flags if f.code not in FLAG_LABEL),
    ]


def _cited_fields(row: ReportRow) -> list[tuple[str, int | None]]:
    fields: list[tuple[str, int | None]] = [("报告", row.title.cite), ("地区", row.place.cite), ("年度", row.year_cell.cite),
                                            ("发布机关", row.issuer.cite), ("发布日期", row.date.cite)]
    fields += [(label, part.cite) for (_, label), part in zip(PART_KEYS, row.parts, strict=True)]
    fields.append(("问题数", row.problems_cell.cite))
    fields += [(f"问题{p.index}", p.cite) for p in row.problems]
    fields += [(f.label, f.cite) for f in row.flags]
    return fields


def _sources(row: ReportRow) -> str:
    out = []
    for name, cite in _cited_fields(row):
        if cite is not None:
            a, b = row.citations[cite].source_span
            out.append(f"{name}@{a}-{b}")
    return "；".join(out)


# ----------------------------------------------------------------------------- JSON
def overview_to_dict(ov: Overview) -> dict[str, Any]:
    return json_safe({"schema_version": OVERVIEW_SCHEMA_VERSION, "filters": asdict(ov.filters),
                      "total_reports": ov.total_reports, "reports": [asdict(r) for r in ov.rows],
                      "themes": [asdict(t) for t in ov.themes], "matrix": [asdict(m) for m in ov.matrix],
                      "trends": [asdict(t) for t in ov.trends], "notes": ov.notes})


# ----------------------------------------------------------------------------- CSV / Excel
def overview_to_csv(ov: Overview) -> str:
    """UTF-8 text with a BOM so that Excel opens the Chinese columns correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([*COLUMNS, "出处（原文位置）"])
    for row in ov.rows:
        writer.writerow([*row_values(row), _sources(row)])
    return "\ufeff" + buf.getvalue()


def _openpyxl() -> Any:
    try:
        import openpyxl  # type: ignore[import-untyped]
    except ImportError as exc:
        raise DependencyMissingError("openpyxl", "Excel 导出（--format xlsx；也可改用 --format csv）", "xlsx") from exc
    return openpyxl


def overview_to_xlsx(ov: Overview, path: str | Path) -> Path:
    """A workbook: 报告 (the overview), 问题 (one row per problem), 主题 × 报告, 多年对比, 引文."""
    openpyxl = _openpyxl()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "报告"
    sheet.append([*COLUMNS, "出处（原文位置）"])
    for row in ov.rows:
        sheet.append([*row_values(row), _sources(row)])
    problems = book.create_sheet("问题")
    problems.append(["报告", "文件", "序号", "问题（原文摘录）", "主题", "具体程度", "有原因", "有对应安排", "原文位置"])
    for row in ov.rows:
        for p in row.problems:
            span = row.citations[p.cite].source_span if p.cite is not None else ("", "")
            problems.append([row.title.text, row.source, p.index, p.statement, f"{p.theme_code} {p.theme_label}",
                             p.specificity, "是" if p.reason_given else "否", "是" if p.has_plan else "否",
                             f"{span[0]}-{span[1]}"])
    matrix = book.create_sheet("主题×报告")
    matrix.append(["主题", *[r.source for r in ov.rows]])
    counts = {(m.theme_code, m.report_id): m.count for m in ov.matrix}
    for t in ov.themes:
        matrix.append([f"{t.code} {t.label}", *[counts.get((t.code, r.report_id), 0) for r in ov.rows]])
    trends = book.create_sheet("多年对比")
    trends.append(["机关", "主题", "年度", "问题数", "状态"])
    for trend in ov.trends:
        for cell in trend.cells:
            trends.append([trend.body, f"{trend.theme_code} {trend.theme_label}", cell.year, cell.count, cell.status])
    cites = book.create_sheet("引文")
    cites.append(["报告", "文件", "编号", "章节", "原文位置", "原文"])
    for row in ov.rows:
        for c in row.citations:
            cites.append([row.title.text, row.source, c.n, c.section_path, f"{c.source_span[0]}-{c.source_span[1]}", c.text])
    out = Path(path)
    book.save(out)
    return out


# ----------------------------------------------------------------------------- Markdown
def _md(text: object) -> str:
    return str(text).replace("|", "｜").replace("\n", " ")


def _ref(i: int, cell_cite: int | None) -> str:
    return f"[{i + 1}.{cell_cite + 1}]" if cell_cite is not None else ""


def overview_to_markdown(ov: Overview) -> str:
    lines = [f"# 报告总览（{ov.filters.describe()}：{len(ov.rows)} / {ov.total_reports} 份）", "",
             "要素：✓ 单列 · ◐ 并入其他部分 · ？ 未能确定（解析未能确认，不等于报告没有）", ""]
    head = ["#", "报告", "地区", "层级", "年度", "发布机关", "发布日期", *[label for _, label in PART_KEYS],
            "问题", "主题", "具体/领域/套话", "有原因", "有安排", "提示"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i, row in enumerate(ov.rows):
        spec = row.specificity_counts()
        parts = [f"{PART_MARK[p.status]}{_ref(i, p.cite)}" for p in row.parts]
        flags = "、".join(f"{f.label}{_ref(i, f.cite)}" for f in row.flags if f.code in FLAG_LABEL)
        cells = [str(i + 1), f"{_md(row.title.text)}{_ref(i, row.title.cite)}", f"{_md(row.place.text or '未能确定')}{_ref(i, row.place.cite)}",
                 row.level or "未能确定", f"{row.year_cell.text}{_ref(i, row.year_cell.cite)}",
                 f"{_md(row.issuer.text or '未能确定')}{_ref(i, row.issuer.cite)}",
                 f"{row.date.text or '未能确定'}{_ref(i, row.date.cite)}{'（逾期）' if row.on_time is False else ''}",
                 *parts, f"{len(row.problems)}{_ref(i, row.problems_cell.cite)}", _md(_themes_text(row)),
                 f"{spec['具体']}/{spec['领域']}/{spec['套话']}", str(row.with_reason),
                 str(row.with_plan), flags]
        lines.append("| " + " | ".join(cells) + " |")
    if ov.themes:
        lines += ["", "## 主题（按涉及报告数）", "", "| 主题 | 报告数 | 问题数 | 未写原因 | 无对应安排 |", "|---|---|---|---|---|"]
        lines += [f"| {t.code} {t.label} | {t.reports} | {t.problems} | {t.without_reason} | {t.without_plan} |"
                  for t in ov.themes]
    if ov.trends:
        lines += ["", "## 同一机关的多年对比", ""]
        for trend in ov.trends:
            years = "；".join(f"{c.year}年 {c.count}项{('（' + c.status + '）') if c.status else ''}" for c in trend.cells)
            lines.append(f"- {_md(trend.body)} · {trend.theme_code} {trend.theme_label}：{years}")
    lines += ["", "## 引文", ""]
    for i, row in enumerate(ov.rows):
        for c in row.citations:
            lines.append(f"[{i + 1}.{c.n}] {_md(row.source)} · {_md(c.section_path or '正文')} · 原文位置 "
                         f"{c.source_span[0]}–{c.source_span[1]}：“{_md(c.text[:120])}”")
    if ov.notes:
        lines += ["", "## 说明", "", *[f"- {n}" for n in ov.notes]]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- HTML (the app)
def _link(i: int, cell: Cell | None, text: str | None = None, cite: int | None = None) -> str:
    shown = html.escape(text if text is not None else (cell.text if cell else ""))
    where = cite if cell is None else cell.cite
    if where is None:
        return shown
    return f'<a class="rq-ov-cite" href="#rq-ov-{i}-{where}" title="查看原文">{shown}</a>'


def overview_table_html(ov: Overview) -> str:
    head = ["报告", "地区", "层级", "年度", "发布机关", "发布日期", *[label for _, label in PART_KEYS],
            "问题", "主题", "具体/领域/套话", "有原因", "有安排", "安排→问题", "提示"]
    out = ['<div class="rq-ov-wrap"><table class="rq-ov" id="rq-ov-table"><thead><tr>',
           "".join(f"<th>{html.escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for i, row in enumerate(ov.rows):
        spec = row.specificity_counts()
        late = ' <span class="rq-ov-flag">逾期</span>' if row.on_time is False else ""
        parts = "".join(
            f'<td class="rq-ov-part rq-ov-{p.status}" title="{html.escape(p.heading or p.label)}">'
            f"{_link(i, None, PART_MARK[p.status] + ' ' + p.label, p.cite)}</td>" for p in row.parts)
        themes = "、".join(
            _link(i, None, f"{theme_short(code)}×{n}", next(p.cite for p in row.problems if p.theme_code == code))
            for code, n in sorted(row.theme_counts().items(), key=lambda kv: -kv[1]))
        flags = " ".join(f'<span class="rq-ov-flag" title="{html.escape(f.message)}">{_link(i, None, f.label, f.cite)}</span>'
                         for f in row.flags if f.code in FLAG_LABEL)
        out.append(
            f'<tr data-report="{html.escape(row.report_id)}"><td>{_link(i, row.title)}<div class="rq-muted">{html.escape(row.source)}</div></td>'
            f"<td>{_link(i, row.place, row.place.text or '未能确定')}</td><td>{html.escape(row.level or '未能确定')}</td><td>{_link(i, row.year_cell)}</td>"
            f"<td>{_link(i, row.issuer, row.issuer.text or '未能确定')}</td><td>{_link(i, row.date, row.date.text or '未能确定')}{late}</td>"
            f"{parts}<td>{_link(i, row.problems_cell, str(len(row.problems)))}</td><td>{themes or '—'}</td>"
            f"<td>{spec['具体']}/{spec['领域']}/{spec['套话']}</td><td>{row.with_reason}</td>"
            f"<td>{row.with_plan}</td><td>{row.plans_linked}/{row.plan_count}</td><td>{flags}</td></tr>")
    out.append("</tbody></table></div>")
    if not ov.rows:
        out = [f'<div class="rq-muted">{html.escape(ov.notes[0] if ov.notes else "还没有报告：先在“文库”页导入。")}</div>']
    return "".join(out)


def heatmap_html(ov: Overview) -> str:
    """The theme × report matrix as a heat map: darker cells list more problem items of that theme."""
    if not ov.matrix:
        return '<div class="rq-muted">所选报告中没有识别出问题条目。</div>'
    counts = {(m.theme_code, m.report_id): m for m in ov.matrix}
    top = max(m.count for m in ov.matrix)
    index = {r.report_id: i for i, r in enumerate(ov.rows)}
    out = ['<div class="rq-ov-wrap"><table class="rq-heat" id="rq-heatmap"><thead><tr><th>主题</th>']
    out += [f'<th class="rq-heat-col" title="{html.escape(r.title.text)}">{html.escape(r.place.text or r.source)}'
            f"<br>{r.year or ''}</th>" for r in ov.rows]
    out.append("</tr></thead><tbody>")
    for t in ov.themes:
        out.append(f'<tr><th title="{html.escape(t.label)}">{html.escape(t.code)} {html.escape(theme_short(t.code))}</th>')
        for r in ov.rows:
            m = counts.get((t.code, r.report_id))
            if m is None:
                out.append('<td class="rq-heat-0"></td>')
                continue
            alpha = 0.2 + 0.8 * m.count / top
            link = _link(index[r.report_id], None, str(m.count), m.cites[0] if m.cites else None)
            out.append(f'<td class="rq-heat-cell" style="background: rgba(37, 99, 235, {alpha:.2f})">{link}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def themes_chart_svg(ov: Overview, width: int = 640) -> str:
    """Bars per theme: reports that list it, and how many of its items lack a reason or a plan."""
    if not ov.themes:
        return ""
    bar_h, gap, label_w = 18, 8, 150
    top = max(t.reports for t in ov.themes)
    scale = (width - label_w - 190) / max(top, 1)  # room for the figures after the bar
    height = len(ov.themes) * (bar_h + gap) + 30
    parts = [f'<svg class="rq-chart" id="rq-theme-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="各主题涉及的报告数">']
    for n, t in enumerate(ov.themes):
        y = 20 + n * (bar_h + gap)
        w = max(2.0, t.reports * scale)
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" font-size="12">{html.escape(t.code)} '
                     f"{html.escape(theme_short(t.code))}</text>")
        parts.append(f'<rect class="rq-bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#2563eb">'
                     f"<title>{html.escape(t.label)}：{t.reports} 份报告，{t.problems} 项问题，"
                     f"{t.without_reason} 项未写原因，{t.without_plan} 项无对应安排</title></rect>")
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="12">{t.reports}'
                     f"（无原因 {t.without_reason} · 无安排 {t.without_plan}）</text>")
    parts.append(f'<text x="{label_w}" y="12" font-size="11" fill="#666">涉及该主题的报告数（括号内为问题条目数）</text></svg>')
    return "".join(parts)


def trends_html(ov: Overview) -> str:
    if not ov.trends:
        return '<div class="rq-muted">没有同一机关多个年度的报告。</div>'
    index = {r.report_id: i for i, r in enumerate(ov.rows)}
    out = ['<table class="rq-ov" id="rq-trends"><thead><tr><th>机关</th><th>主题</th><th>各年度</th></tr></thead><tbody>']
    for trend in ov.trends:
        cells = "；".join(
            f"{c.year}年 " + _link(index[c.report_id], None, f"{c.count}项" + (f"（{c.status}）" if c.status else ""), c.cite)
            for c in trend.cells)
        out.append(f"<tr><td>{html.escape(trend.body)}</td><td>{html.escape(trend.theme_code)} "
                   f"{html.escape(trend.theme_label)}</td><td>{cells}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


# ----------------------------------------------------------------------------- indicator
INDICATOR_COLUMNS = ["报告", "地区", "年度", "数值", "单位", "数值所属年度", "原文摘录", "说明"]


def _indicator_values(t: IndicatorTable) -> list[list[Any]]:
    return [[v.source, v.place, v.year or "未能确定", v.value, v.unit, v.figure_year or v.year or "", v.quote, v.note]
            for v in t.values]


def indicator_to_markdown(t: IndicatorTable) -> str:
    lines = [f"# 指标：{t.indicator}（问题：{t.question}）", "", "| " + " | ".join(INDICATOR_COLUMNS) + " |",
             "|" + "---|" * len(INDICATOR_COLUMNS)]
    for v, values in zip(t.values, _indicator_values(t), strict=True):
        ref = f"[{v.cite + 1}]" if v.cite is not None else ""
        values[3] = f"{values[3]}{ref}"
        lines.append("| " + " | ".join(_md(x) for x in values) + " |")
    lines += ["", "## 引文", ""]
    lines += [f"[{c.n}] {_md(c.source)} · {_md(c.section_path or '正文')} · 原文位置 {c.source_span[0]}–{c.source_span[1]}"
              for c in t.citations]
    return "\n".join(lines) + "\n"


def indicator_to_csv(t: IndicatorTable) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([*INDICATOR_COLUMNS, "原文位置"])
    for v, values in zip(t.values, _indicator_values(t), strict=True):
        span = t.citations[v.cite].source_span if v.cite is not None else None
        writer.writerow([*values, f"{span[0]}-{span[1]}" if span else ""])
    return "\ufeff" + buf.getvalue()


def indicator_to_dict(t: IndicatorTable) -> dict[str, Any]:
    return json_safe(asdict(t))


def indicator_html(t: IndicatorTable) -> str:
    out = [f'<div class="rq-muted">问题：{html.escape(t.question)}（逐份报告摘录作答，数值均来自所引原文）</div>',
           '<table class="rq-ov" id="rq-indicator"><thead><tr>',
           "".join(f"<th>{html.escape(h)}</th>" for h in INDICATOR_COLUMNS), "</tr></thead><tbody>"]
    for v, values in zip(t.values, _indicator_values(t), strict=True):
        value = html.escape(str(values[3]))
        if v.cite is not None:
            value = f'<a class="rq-ov-cite" href="#rq-ind-{v.cite}" title="查看原文">{value}</a>'
        out.append("<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" if k != 3 else f"<td>{value}</td>"
                                    for k, x in enumerate(values)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)
