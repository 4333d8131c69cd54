"""The library overview: filter the report rows, then themes across reports and bodies across years.

``build_overview(rows, filters)`` is pure: rows come from ``rag.library.rows.report_row`` (the service
caches them per report), so the overview of a whole library is a few dictionary passes.

* **Theme × report matrix**: how many problem items of each theme each report lists, each cell
  citing its items.
* **Themes across the library**: in how many reports a theme appears, and how often its items come
  without a stated reason or without a plan that answers them (rubric C6/C7).
* **The same body over several years**: for an issuer with reports of two or more years, each theme
  is 持续存在 (listed this year and the year before), 新提出 (this year, not the year before) or
  不再提及 (the year before, not this year). Only consecutive reports of the library are compared;
  a gap year is said in the notes rather than read as the theme having disappeared.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Literal

from rag.library.model import (
    Filters,
    MatrixCell,
    Overview,
    ReportRow,
    ThemeTotal,
    Trend,
    TrendCell,
    TrendStatus,
)
from rag.report.themes import theme_label


def matches(row: ReportRow, filters: Filters) -> bool:
    if filters.level and filters.level != row.level:
        return False
    if filters.year is not None and filters.year != row.year:
        return False
    region = filters.region.strip()
    return not region or any(region in value for value in (row.province, row.place.text, row.issuer.text))


def _sort_key(row: ReportRow) -> tuple[str, str, int, str]:
    return (row.province, row.body, row.year or 0, row.source)


def _matrix(rows: list[ReportRow]) -> list[MatrixCell]:
    cells = []
    for row in rows:
        by_theme: dict[str, list[int]] = defaultdict(list)
        for p in row.problems:
            by_theme[p.theme_code].append(p.cite if p.cite is not None else -1)
        for code, cites in sorted(by_theme.items()):
            cells.append(MatrixCell(code, row.report_id, len(cites), [c for c in cites if c >= 0]))
    return cells


def _themes(rows: list[ReportRow]) -> list[ThemeTotal]:
    totals: dict[str, ThemeTotal] = {}
    for row in rows:
        for code in row.theme_counts():
            t = totals.setdefault(code, ThemeTotal(code, theme_label(code), 0, 0, 0, 0))
            t.reports += 1
        for p in row.problems:
            t = totals[p.theme_code]
            t.problems += 1
            t.without_reason += not p.reason_given
            t.without_plan += not p.has_plan
    return sorted(totals.values(), key=lambda t: (-t.reports, -t.problems, t.code))


def _trends(rows: list[ReportRow]) -> tuple[list[Trend], list[str]]:
    by_body: dict[str, dict[int, ReportRow]] = defaultdict(dict)
    notes = []
    for row in rows:
        if row.year is None or not row.issuer.text:
            continue
        kept = by_body[row.body].setdefault(row.year, row)
        if kept is not row:
            notes.append(f"{row.body} {row.year} 年有两份报告（{kept.source}、{row.source}），多年对比只用前一份")
    trends = []
    for body, by_year in sorted(by_body.items()):
        years = sorted(by_year)
        if len(years) < 2:
            continue
        gaps = [f"{a}–{b}" for a, b in itertools.pairwise(years) if b != a + 1]
        if gaps:
            notes.append(f"{body} 的报告年份不连续（{'、'.join(gaps)}）：相邻两份之间按前后比较")
        counts = {year: by_year[year].theme_counts() for year in years}
        codes = sorted({code for year in years for code in counts[year]})
        for code in codes:
            cells = []
            for i, year in enumerate(years):
                row = by_year[year]
                count = counts[year].get(code, 0)
                before = counts[years[i - 1]].get(code, 0) if i else None
                status: TrendStatus | Literal[""]
                if before is None:
                    status = ""
                elif count and before:
                    status = "持续存在"
                elif count:
                    status = "新提出"
                elif before:
                    status = "不再提及"
                else:
                    status = ""
                first = next((p.cite for p in row.problems if p.theme_code == code), row.problems_cell.cite)
                cells.append(TrendCell(year, row.report_id, count, status, first))
            trends.append(Trend(body, code, theme_label(code), cells))
    return trends, notes


def build_overview(rows: list[ReportRow], filters: Filters | None = None) -> Overview:
    filters = filters or Filters()
    kept = sorted((r for r in rows if matches(r, filters)), key=_sort_key)
    trends, notes = _trends(kept)
    if not kept and rows:
        notes.insert(0, f"没有符合筛选条件（{filters.describe()}）的报告：共 {len(rows)} 份，请放宽条件。")
    return Overview(kept, _themes(kept), _matrix(kept), trends, filters, notes, len(rows))


def filter_choices(rows: list[ReportRow]) -> dict[str, list[str]]:
    """The values each filter can take in this library (for the UI's dropdowns)."""
    return {
        "level": sorted({r.level for r in rows if r.level}),
        "region": sorted({r.province for r in rows if r.province}),
        "year": [str(y) for y in sorted({r.year for r in rows if r.year}, reverse=True)],
    }
