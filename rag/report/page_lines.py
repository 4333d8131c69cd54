"""Publication date and 来源 of a web page, from the page lines the cleaner took out of the body.

Lines such as 「来源：XX区人民政府办公室　发布时间：2024-03-28 09:18」 are page furniture, not
report text, so the cleaner removes them (reason ``PAGE_INFO``) — but they say who published the
page and when. They are read back here from ``CleanText.removals`` with their source spans, so an
answer can cite the line. The 来源 value is often the drafting office (司法局, 政府办公室), so it is
kept apart from the issuing body; a signature date is a 成文 date and is not used here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.core.types import CleanText, SourceDocument, Span
from rag.ingest.clean import PAGE_INFO
from rag.lang.page_labels import INDEX_NUMBER_LABEL, PUBLICATION_DATE_LABEL, PUBLISHER_LABEL, SOURCE_LABEL
from rag.lang.years import YEAR

_SOURCE = re.compile(rf"{SOURCE_LABEL}\s*[:：]\s*([^\s|｜:：]{{2,40}}?)(?=\s|[|｜]|发布|更新|日期|时间|作者|浏览|$)")
# 「发布日期：」, 「[ 发布日期 ] 」 (gov.cn metadata tables), or a bare 「时间：」 that is not 成文时间.
_PUB = re.compile(rf"{PUBLICATION_DATE_LABEL}\s*[\]】］]?\s*[:：]?\s*|(?<!成文)(?:时间|日期)\s*[:：]\s*")
_DATE = re.compile(
    rf"({YEAR})\s*(?:[-/.]|年)\s*(\d{{1,2}})\s*(?:[-/.]|月)\s*(\d{{1,2}})\s*日?"
)
_BARE_DATE = re.compile(rf"^\s*[•·\-\s]*({YEAR})[-/.](\d{{1,2}})[-/.](\d{{1,2}})(\s+\d{{1,2}}:\d{{2}}(:\d{{2}})?)?\s*$")
_LEADING_DATE = re.compile(rf"^\s*({YEAR})[-/.](\d{{1,2}})[-/.](\d{{1,2}})(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\s")
_CLOCK = re.compile(r"[ \t\u3000]{1,3}\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_SEARCH_CHARS = 4000  # publication lines stand at the top of a page
# 「来源：」 alone on its line, the value on the next one (county portals, report-patterns §14.3)
_BARE_SOURCE_LABEL = re.compile(rf"^\s*{SOURCE_LABEL}\s*[:：]\s*$")
_SOURCE_VALUE = re.compile(r"[\u4e00-\u9fff（）()]{2,30}")
# 政府信息公开 tables name the body that posted the page in a row of their own: 「发布机构：XX区司法局」.
# It is kept apart from 来源 (a line of its own kind); the metadata passage states both.
_PUBLISHER_ROW = re.compile(rf"{PUBLISHER_LABEL}\s*[:：]\s*([\u4e00-\u9fff（）()]{{2,30}})")

# 「[ 索引号 ] 11500237MB1A52718Q/2026-00004」: a code of letters, digits and separators, never Han characters
_INDEX_NUMBER_ROW = re.compile(rf"{INDEX_NUMBER_LABEL}\s*[\]】］]?\s*[:：]?\s*([0-9A-Za-z][0-9A-Za-z/\-_.]{{5,60}})")


@dataclass(frozen=True)
class PageInfo:
    pub_date: str = ""  # ISO YYYY-MM-DD
    pub_date_span: Span | None = None  # source span of the date as written
    source: str = ""
    source_span: Span | None = None
    publisher: str = ""  # a 发布机构/发布单位 row
    publisher_span: Span | None = None
    index_number: str = ""  # the 索引号 row of a 政府信息公开 page
    index_number_span: Span | None = None


def _iso(m: re.Match[str]) -> str:
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


def page_info(doc: SourceDocument, clean: CleanText) -> PageInfo:
    """The page's publication date and 来源 (first of each near the top), with source spans."""
    pub_date, pub_span, source, source_span = "", None, "", None
    for removal in clean.removals:
        if removal.reason != PAGE_INFO or removal.source_span[0] > _SEARCH_CHARS:
            continue
        start, end = removal.source_span
        line = doc.text[start:end]
        if not source and (m := _SOURCE.search(line)):
            source, source_span = m.group(1).strip("，,。"), (start + m.start(1), start + m.end(1))
        elif not source and _BARE_SOURCE_LABEL.match(line) and (value := _next_line_value(doc.text, end)):
            source, source_span = value
        if pub_date:
            continue
        # a 成文 (signature) date on the same line is skipped: only a date right after its label counts
        labelled = (_DATE.match(line, label.end()) for label in _PUB.finditer(line))
        m = next((d for d in labelled if d), None) or _BARE_DATE.match(line)
        if m and (iso := _iso(m)):
            pub_date, pub_span = iso, (start + m.start(1), start + m.end(3) + (1 if line[m.end(3):m.end(3) + 1] == "日" else 0))
    top_lines = _top_lines(doc.text)
    if not (pub_date and source):  # a short page line the cleaner joined to the text (news copies)
        for line_start, line in top_lines:
            if len(line.strip()) > 60:
                continue
            if not source and (m := _SOURCE.search(line)):
                source, source_span = m.group(1).strip("，,。"), (line_start + m.start(1), line_start + m.end(1))
                if not pub_date and (d := _LEADING_DATE.match(line)) and (iso := _iso(d)):
                    pub_date, pub_span = iso, (line_start + d.start(1), line_start + d.end(3))
    publisher, publisher_span = _first_row(_PUBLISHER_ROW, top_lines)
    index_number, index_number_span = _first_row(_INDEX_NUMBER_ROW, top_lines)
    if pub_span and (clock := _CLOCK.match(doc.text, pub_span[1])):
        pub_span = (pub_span[0], clock.end())  # 「2025-01-15 09:30」: the value as the page writes it
    return PageInfo(pub_date, pub_span, source, source_span, publisher, publisher_span,
                    index_number, index_number_span)


def _first_row(row: re.Pattern[str], lines: list[tuple[int, str]]) -> tuple[str, Span | None]:
    """The value of the first line ``row`` matches, with its source span; ("", None) when none does."""
    for line_start, line in lines:
        if m := row.search(line):
            return m.group(1), (line_start + m.start(1), line_start + m.end(1))
    return "", None


def _next_line_value(text: str, pos: int) -> tuple[str, Span] | None:
    """The value standing alone on the first non-blank line after ``pos``, with its span, or None."""
    m = re.compile(r"\s*").match(text, pos)
    start = m.end() if m else pos
    nl = text.find("\n", start)
    line = text[start : nl if nl >= 0 else len(text)].rstrip()
    value = _SOURCE_VALUE.fullmatch(line)
    return (line, (start, start + len(line))) if value else None


def _top_lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text[:_SEARCH_CHARS].split("\n")[:15]:
        out.append((pos, line))
        pos += len(line) + 1
    return out
