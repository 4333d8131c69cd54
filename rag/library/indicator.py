"""One indicator across reports: its value in each report, read the way figure answers are read.

For each report the service runs the extractive answer to 「<indicator>是多少？」 restricted to that
report (retrieval, sentence choice, figure next to the indicator's words, refusal when nothing
answers); ``indicator_value`` then takes the figure of the quoted sentence that answers the question
(``rag.answer.extractive.figure_for``: the right unit, nearest the keywords). The value is verbatim
from the cited sentence, so it is verified by construction; a report whose answer is a refusal, or
whose quote has no such figure, shows 未能确定 and says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from rag.answer.extractive import figure_for
from rag.answer.verify import strip_citations
from rag.core.types import Answer, Citation
from rag.lang.figures import find_figures
from rag.library.model import Filters, IndicatorTable, IndicatorValue, ReportRow

UNDETERMINED = "未能确定"
# The indicators users ask for most (domain notes §3); any other name works the same way.
COMMON_INDICATORS = (
    "行政复议纠错率",
    "行政机关负责人出庭应诉率",
    "依申请公开数量",
    "行政诉讼败诉率",
    "行政复议案件数量",
    "行政执法人员持证率",
    "合法性审核数量",
)


def indicator_question(indicator: str, unit: str = "") -> str:
    """The question whose answer is the indicator's value: 「行政复议纠错率是多少？」, 「…是多少件？」."""
    name = re.sub(r"[？?。\s]+$", "", indicator.strip())
    return f"{name}是多少{unit}？"


def _figure_year(sentence: str, start: int) -> int | None:
    """The year a figure is about when its sentence says so before it (「2020年，全区共受理…」)."""
    years = [f for f in find_figures(sentence[:start]) if f.kind == "year"]
    return int(str(years[-1].key[1])) if years else None


def indicator_value(question: str, row: ReportRow, answer: Answer) -> tuple[IndicatorValue, Citation | None]:
    """The indicator's value in one report from its extractive answer, and the citation to keep."""
    blank = IndicatorValue(row.report_id, row.source, row.place.text or UNDETERMINED, row.year, UNDETERMINED, "", None, "")
    if answer.refused or not answer.citations:
        blank.note = "报告中未找到该指标的数值" if answer.refused else "回答没有引用原文"
        return blank, None
    quote = strip_citations(answer.answer).strip()
    figure, year = None, None
    for sentence in re.split(r"(?<=[。；;])", quote):
        figure = figure_for(question, sentence)
        if figure is not None:
            year = _figure_year(sentence, figure.start)
            break
    if figure is None or figure.masked:
        blank.quote = quote
        blank.note = "该数字在原文中被遮蔽" if figure is not None else "所引原文没有该指标的数值"
        return blank, answer.citations[0]
    unit = "%" if figure.kind == "percent" else str(figure.key[2] or "")
    value = IndicatorValue(row.report_id, row.source, row.place.text or UNDETERMINED, row.year, figure.text, unit, year, quote)
    if year is not None and row.year is not None and year != row.year:
        value.note = f"所引数字为{year}年的数值"
    return value, answer.citations[0]


def indicator_table(indicator: str, rows: list[ReportRow], answer_for: Callable[[str, str], Answer],
                    filters: Filters | None = None, unit: str = "") -> IndicatorTable:
    """``answer_for(question, report_id)`` answers within one report (the service's extractive answer)."""
    question = indicator_question(indicator, unit)
    values: list[IndicatorValue] = []
    citations: list[Citation] = []
    for row in rows:
        value, citation = indicator_value(question, row, answer_for(question, row.report_id))
        if citation is not None:
            value.cite = len(citations)
            citations.append(replace(citation, n=len(citations) + 1))
        values.append(value)
    return IndicatorTable(indicator.strip(), question, values, citations, filters or Filters())
