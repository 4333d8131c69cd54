"""One overview row per report, read from the parsed report by the summary's extractive pieces.

The row reuses what the one-page summary knows (``rag.summary.build``: basic information, the five
parts, problems tagged with theme / specificity / reason and linked to plans; ``rag.summary.flags``:
the expert flags), without the parts of the summary a table does not show (measure sentences, page
fitting), so a row costs a few milliseconds. Part status comes from ``rag.report.parts``, which
says 未能确定 when a part's role is only a guess.
"""

from __future__ import annotations

import re

from rag.core.types import Citation, Report
from rag.lang.figures import find_figures
from rag.lang.places import Location, locate
from rag.lang.script import to_simplified
from rag.library.model import FLAG_LABEL, PART_KEYS, Cell, FlagCell, PartCell, ProblemCell, ReportRow
from rag.report.parts import PartStatus, part_status
from rag.summary.build import basic_info, five_elements, problems_and_plans, responsibility_items
from rag.summary.flags import quality_flags
from rag.summary.model import SUMMARY_SCHEMA_VERSION, Cite, Summary, cite, heading_path


class _Book:
    """The citations of one row; a cell keeps the index of its passage."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.title = report.meta.title or report.source.name
        self.citations: list[Citation] = []
        self._seen: dict[tuple[int, int], int] = {}

    def add(self, c: Cite | None) -> int | None:
        if c is None:
            return None
        key = (int(c.source_span[0]), int(c.source_span[1]))
        if key not in self._seen:
            self._seen[key] = len(self.citations)
            self.citations.append(Citation(len(self.citations) + 1, self.report.report_id, self.report.source.name,
                                           self.title, c.section, c.quote, key, key))
        return self._seen[key]

    def at(self, start: int, end: int) -> int | None:
        return self.add(cite(self.report, start, end)) if end > start else None

    def sentence(self, start: int, end: int, lookback: int) -> int | None:
        """The sentence around ``text[start:end]``: back to the previous 。 (at most ``lookback``
        characters), on to the next 。 (or ``end`` when there is none)."""
        text = self.report.text
        first = max(text.rfind("。", 0, start) + 1, start - lookback)
        stop = text.find("。", end)
        return self.at(first, stop + 1 if stop >= 0 else end)

    def text(self, value: str, *, last: bool = False) -> int | None:
        """The passage where ``value`` is written (its last occurrence for a signature)."""
        if not value:
            return None
        text = self.report.text
        at = text.rfind(value) if last else text.find(value)
        return self.at(at, at + len(value)) if at >= 0 else None


def _date_cite(book: _Book, iso: str) -> int | None:
    """Where the date is written: the signature in the body, else the page's 发布时间 line, which the
    cleaner dropped from the body but the source keeps."""
    m = re.match(r"(\d{4})-(\d{2})(?:-(\d{2}))?", iso or "")
    if not m:
        return None
    y, mo, d = m.group(1), int(m.group(2)), m.group(3)
    day = rf"\s*0?{int(d)}\s*日" if d else ""
    written = rf"{y}\s*年\s*0?{mo}\s*月{day}"
    hits = list(re.finditer(written, book.report.text))
    hit = hits[-1] if hits else None  # the last one: the signature date follows the body
    if hit:
        return book.at(hit.start(), hit.end())
    source = book.report.source.text
    span = book.report.meta.pub_date_span
    if span is None:
        found = re.search(rf"{re.escape(iso)}|{written}", source)
        span = (found.start(), found.end()) if found else None
    if span is None:
        return None
    line_start = source.rfind("\n", 0, span[0]) + 1
    line_end = source.find("\n", span[1])
    line = (line_start, line_end if line_end >= 0 else len(source))
    return book.add(Cite("（页面信息：发布时间）", source[line[0] : line[1]].strip(), line, line))


def _year_cite(book: _Book, year: int | None) -> int | None:
    if year is None:
        return None
    title = book.report.meta.title
    if str(year) in title:
        return book.text(title)
    return book.text(f"{year}年")


def _masked_cite(book: _Book) -> int | None:
    text = book.report.text
    masked = next((f for f in find_figures(text) if f.masked), None)
    if masked is None:
        return None
    return book.sentence(masked.start, masked.end, 40)


def _part_evidence(book: _Book, key: str) -> int | None:
    """A passage for a part the parser found that the summary's evidence did not quote: the heading of
    its section, its first item, or the sentence naming 第一责任人 (wherever it stands)."""
    report = book.report
    sections = report.sections_with_role(key)
    if sections:
        return book.at(*sections[0].heading_span)  # None for a heading-less part (its span is empty)
    items = report.problems if key == "problems" else report.plans if key == "plans" else []
    if items:
        return book.at(*items[0].span)
    if key == "responsibility":
        at = report.text.find("第一责任人")
        if at >= 0:
            return book.sentence(at, at + 5, 60)
    return None


def _locate(report: Report) -> Location:
    """Province, prefecture and county of the reporting body. The issuer or title names them for most
    reports; a 镇/街道 or a department often names only itself, and its county stands in the page's
    来源 line or the opening sentences. Traditional-character names are read through their simplified
    form (the division data is simplified)."""
    meta = report.meta
    for text in (meta.issuing_body, meta.title, meta.region, meta.source, report.text[:300]):
        if not text:
            continue
        where = locate(to_simplified(text))
        if where.province:
            return where
    return Location()


def report_row(report: Report) -> ReportRow:
    """The overview row of ``report``: every cell with the passage it was read from."""
    book = _Book(report)
    meta = report.meta
    basic = basic_info(report)
    elements = five_elements(report)
    responsibility, responsibility_note = responsibility_items(report, elements)
    problems, problems_note, plans, plans_note = problems_and_plans(report)
    summary = Summary(SUMMARY_SCHEMA_VERSION, report.report_id, basic, elements, [], responsibility,
                      responsibility_note, problems, problems_note, plans, plans_note, [])
    flags = quality_flags(report, summary)

    parts = []
    for key, _label in PART_KEYS:
        element = summary.element(key)
        status: PartStatus
        if key == "other":  # not a required part: a dedicated heading or nothing to say
            status = "present" if element.status == "present" else "undetermined"
        else:
            status = part_status(report, key)
        first = element.citations[0] if element.citations and status != "undetermined" else None
        where = book.add(first) if first else (_part_evidence(book, key) if status != "undetermined" else None)
        parts.append(PartCell(key, status, element.heading if first else "", where))

    problem_cells = [
        ProblemCell(i, p.item.text, p.theme_code, p.theme_label, p.specificity, p.reason_given, bool(p.plan_indexes),
                    book.add(p.item.citations[0]))
        for i, p in enumerate(problems, 1)
    ]
    problem_secs = report.sections_with_role("problems")
    if problem_secs:
        hs, he = problem_secs[0].heading_span
        problems_cell = Cell(problems_note or heading_path(report, hs), book.at(hs, he))
    else:
        problems_cell = Cell(problems_note, problem_cells[0].cite if problem_cells else None)

    flag_cells = []
    for flag in flags:
        where = book.add(flag.citations[0]) if flag.citations else None
        if flag.code == "masked_figures" and where is None:
            where = _masked_cite(book)
        elif flag.code == "late" and where is None:
            where = _date_cite(book, basic.date)
        flag_cells.append(FlagCell(flag.code, FLAG_LABEL.get(flag.code, flag.code), flag.message, where))

    located = _locate(report)
    place = meta.region or located.county or located.city
    return ReportRow(
        report_id=report.report_id,
        source=report.source.name,
        title=Cell(meta.title or report.source.name, book.text(meta.title)),
        place=Cell(place, book.text(place) if place else None),
        province=located.province,
        level=meta.level,
        year=meta.year,
        year_cell=Cell(str(meta.year) if meta.year else "未能确定", _year_cite(book, meta.year)),
        issuer=Cell(meta.issuing_body, book.text(meta.issuing_body, last=True)),
        date=Cell(basic.date, _date_cite(book, basic.date)),
        on_time=basic.on_time,
        parts=parts,
        problems=problem_cells,
        problems_cell=problems_cell,
        plan_count=len(plans),
        plans_linked=sum(bool(p.answers) for p in plans),
        flags=flag_cells,
        citations=book.citations,
        sha256=report.source.sha256,
    )
