"""The 总览 tab's handlers: the library overview, its exports, one indicator across reports, and
the passage behind any clicked cell. Plain functions (no gradio import), like ``ui.handlers``.

The overview and the indicator table a user is looking at live in that user's ``gr.State`` as a
``View``, so a clicked cell resolves against exactly the table on their screen.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rag.core.types import Citation
from rag.library import render as lib_render
from rag.library.model import Filters, IndicatorTable, Overview
from ui import render
from ui.handlers import Warn, friendly, new_download_dir, no_warn

if TYPE_CHECKING:
    from rag.service import ReportQA

logger = logging.getLogger(__name__)
ALL = "全部"
_REQUEST = re.compile(r"^(ov):(\d+):(\d+)|^(ind):(\d+)")


@dataclass
class View:
    """What one user's 总览 tab shows."""

    overview: Overview | None = None
    indicator: IndicatorTable | None = None


@dataclass
class OverviewPage:
    table: str
    heatmap: str
    chart: str
    trends: str
    notes: str


def parse_filters(level: str | None, region: str | None, year: str | None) -> Filters:
    """The dropdowns' values as filters (「全部」 or empty means no filter; a typed region is kept)."""
    def value(v: str | None) -> str:
        v = (v or "").strip()
        return "" if v == ALL else v

    y = value(year)
    return Filters(value(level), value(region), int(y) if y.isdigit() else None)


def filter_choices(service: ReportQA) -> dict[str, list[str]]:
    from rag.library.overview import filter_choices as choices

    try:
        rows = service.overview_rows()
    except Exception as exc:  # no index yet: empty choices
        logger.info("no overview rows: %s", exc)
        rows = []
    return {key: [ALL, *values] for key, values in choices(rows).items()}


def _notes(ov: Overview) -> str:
    head = f"**{len(ov.rows)} / {ov.total_reports} 份报告**（{ov.filters.describe()}）。要素：✓ 单列 · ◐ 并入其他部分 · ？ 未能确定。点击任一单元格查看原文。"
    return "\n".join([head, *[f"- {n}" for n in ov.notes]])


def show_overview(service: ReportQA, filters: Filters, view: View, warn: Warn = no_warn) -> tuple[View, OverviewPage]:
    try:
        ov = service.overview(filters)
    except Exception as exc:
        message = friendly(exc)
        warn(message)
        return view, OverviewPage(render.error_html(message), "", "", "", "")
    view.overview = ov
    page = OverviewPage(lib_render.overview_table_html(ov), lib_render.heatmap_html(ov),
                        lib_render.themes_chart_svg(ov), lib_render.trends_html(ov), _notes(ov))
    return view, page


def export(view: View, fmt: str, out_dir: str | Path | None = None, warn: Warn = no_warn) -> str | None:
    """The overview on screen as a .csv or .xlsx file; None (with a message) when it cannot be made."""
    if view.overview is None:
        warn("请先点击“生成总览”。")
        return None
    try:
        folder = Path(out_dir) if out_dir else new_download_dir("overview")
        if fmt == "xlsx":
            return str(lib_render.overview_to_xlsx(view.overview, folder / "报告总览.xlsx"))
        path = folder / "报告总览.csv"
        path.write_text(lib_render.overview_to_csv(view.overview), encoding="utf-8")
        return str(path)
    except Exception as exc:
        warn("导出失败：" + friendly(exc) if not isinstance(exc, OSError) else
             f"导出文件保存失败（{exc.strerror or exc}），请检查临时文件夹的磁盘空间和权限。")
        return None


def show_indicator(service: ReportQA, name: str | None, filters: Filters, view: View, out_dir: str | Path | None = None,
                   warn: Warn = no_warn) -> tuple[View, str, str | None]:
    """(view, HTML of the indicator table, .csv path)."""
    if not name or not name.strip():
        warn("请输入指标名称，例如 行政复议纠错率。")
        return view, render.notice_html("请输入指标名称，例如 行政复议纠错率、依申请公开数量。"), None
    try:
        table = service.indicator(name, filters)
    except Exception as exc:
        message = friendly(exc)
        warn(message)
        return view, render.error_html(message), None
    view.indicator = table
    path = None
    try:
        folder = Path(out_dir) if out_dir else new_download_dir("indicator")
        stem = re.sub(r"[^\w\u4e00-\u9fff]+", "_", table.indicator)[:40] or "indicator"
        file = folder / f"{stem}.csv"
        file.write_text(lib_render.indicator_to_csv(table), encoding="utf-8")
        path = str(file)
    except OSError as exc:
        warn(f"指标表已生成，但下载文件保存失败（{exc.strerror or exc}）。")
    return view, lib_render.indicator_html(table), path


def cell_citation(view: View, request: str) -> Citation | None:
    """The citation behind a clicked cell: ``ov:<row>:<cite>`` or ``ind:<cite>`` (ui/app.py's click script)."""
    m = _REQUEST.match(request or "")
    if not m:
        return None
    if m.group(1) and view.overview is not None:
        row, cite = int(m.group(2)), int(m.group(3))
        if 0 <= row < len(view.overview.rows):
            return view.overview.citation(view.overview.rows[row].report_id, cite)
    if m.group(4) and view.indicator is not None:
        return view.indicator.citation(int(m.group(5)))
    return None


def cell_passage(service: ReportQA, view: View, request: str, warn: Warn = no_warn) -> str | None:
    """The passage for a clicked cell, or None when the request names no cell (leave the panel as it is)."""
    citation = cell_citation(view, request)
    if citation is None:
        return None
    try:
        source = service.source_text(citation.report_id)
    except Exception as exc:
        message = friendly(exc)
        warn(message)
        return render.error_html(message)
    return render.passage_html(citation, source)
