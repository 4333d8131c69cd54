"""Structure-aware chunking of a parsed report.

Rules, in order of strength:

- a chunk never crosses a top-level section (一、… / 二、…), so its role is unambiguous;
- a chunk is a run of whole sentences (ends: 。！？；!?; and line ends); only a sentence longer
  than twice the budget is cut, at ，,、：: when it can be;
- a heading never ends a chunk: it moves on to the chunk holding its body;
- a chunk prefers to end where a sub-section starts (once it has a third of the budget);
- the next chunk of the same sub-section repeats trailing sentences of the previous one, up to
  ``overlap`` characters, inside the same ``size`` budget.

``chunk.text == report.text[chunk.span[0]:chunk.span[1]]`` always holds: a chunk is one
contiguous stretch of the cleaned text (line breaks between its sentences included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.core.types import Chunk, Report, Section, Span
from rag.lang.page_labels import PUBLICATION_DATE_LABEL, SOURCE_LABEL, in_either_script
from rag.lang.script import to_simplified
from rag.lang.sentences import sentence_spans
from rag.lang.years import date_as_written
from rag.report.headings import match_heading
from rag.report.line_shapes import SALUTATION  # the report parser's rule for 「县委、县政府：」

SOFT_BREAKS = frozenset("，,、：:")
SUBSECTION_BREAK = 1 / 3  # a sub-section start ends the chunk once it holds this share of the budget
DEEP_BREAK = 2 / 3  # the same for deeper (（1）, 一是) boundaries
MAX_HEADING_IN_PATH = 40
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    path: tuple[str, ...]
    heading: bool = False
    opens: int = 0  # this unit starts a section: 1 top level, 2 sub-section, 3 deeper or run-in; 0 no


def report_label(report: Report) -> str:
    """Short name of a report for section paths: "潼南区 2020年度"."""
    meta = report.meta
    name = meta.region or meta.issuing_body or meta.title[:16] or report.report_id
    return f"{name} {meta.year}年度" if meta.year else name


def short_heading(heading: str) -> str:
    text = re.sub(r"\s+", " ", heading.replace("**", "")).strip().rstrip("。：:；;，,")
    return text if len(text) <= MAX_HEADING_IN_PATH else text[: MAX_HEADING_IN_PATH - 1] + "…"


def embedding_text(chunk: Chunk, title: str = "") -> str:
    """What is embedded and BM25-indexed for a chunk: a context header, then the chunk text.

    The header names the report and the heading path, so a passage that says only "共收到申请50件"
    still matches "潼南区 依申请公开". A 繁體 report is embedded in simplified characters, as its
    readers' questions are written. The displayed and cited text stays ``chunk.text``.
    """
    header = chunk.section_path
    if title and title not in header:
        header = f"{title} | {header}" if header else title
    return to_simplified(f"{header}\n{chunk.text}" if header else chunk.text)


def split_sentences(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    """Sentence spans in ``text[start:end]`` (； ends one here), whitespace-trimmed; sentences over
    2×size are cut."""
    out: list[tuple[int, int]] = []
    for a, b in sentence_spans(text, start, end, semicolons=True):
        out.extend(_cut_long(text, a, b, size) if b - a > 2 * size else [(a, b)])
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut_long(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence into pieces of at most ``size``, at a soft break when there is one."""
    pieces = []
    while end - start > size:
        window = text[start : start + size]
        cut = max((k + 1 for k, ch in enumerate(window) if ch in SOFT_BREAKS and k + 1 >= size // 3), default=size)
        pieces.append((start, start + cut))
        start += cut
    pieces.append((start, end))
    return pieces


def _section_units(text: str, section: Section, path: tuple[str, ...], depth: int, size: int) -> list[_Unit]:
    """Units (heading + sentences) of a section and its descendants, in text order."""
    heading = short_heading(section.heading)
    if heading and heading != section.number.strip() and len(heading) > 3:  # not a bare "一是" / "（一）"
        path = (*path, heading)
    units: list[_Unit] = []
    children = sorted(section.children, key=lambda c: c.span[0])
    cursor = section.span[0]
    pieces: list[tuple[int, int] | Section] = []
    for child in children:
        if child.span[0] > cursor:
            pieces.append((cursor, child.span[0]))
        pieces.append(child)
        cursor = max(cursor, child.span[1])
    if cursor < section.span[1]:
        pieces.append((cursor, section.span[1]))
    h_start, h_end = section.heading_span
    for piece in pieces:
        if isinstance(piece, Section):
            units.extend(_section_units(text, piece, path, depth + 1, size))
            continue
        a, b = piece
        if a <= h_start < h_end <= b and text[h_start:h_end].strip():
            head = _trim(text, h_start, h_end)  # a heading is one unit, even over two lines
            spans = [(s, e, False) for s, e in split_sentences(text, a, h_start, size)]
            spans += [(*head, True)] + [(s, e, False) for s, e in split_sentences(text, h_end, b, size)]
        else:
            spans = [(s, e, False) for s, e in split_sentences(text, a, b, size)]
        units.extend(_Unit(s, e, path, heading) for s, e, heading in spans)
    if units:  # the section's first unit marks where it starts (the outermost section wins)
        first = units[0]
        strength = 1 if depth == 1 else 2 if depth == 2 and section.level < 5 else 3
        units[0] = _Unit(first.start, first.end, first.path, first.heading, strength)
    return units


def _pack(units: list[_Unit], size: int, overlap: int) -> list[tuple[int, int]]:
    """Group consecutive units into chunks; returns (first, last) unit indices, inclusive."""
    groups: list[tuple[int, int]] = []
    first = None  # index of the current chunk's first unit
    fresh = None  # index of the current chunk's first unit that is not repeated overlap
    for i, unit in enumerate(units):
        if first is None:
            first = fresh = i
            continue
        assert fresh is not None
        content = units[i - 1].end - units[fresh].start
        must = unit.end - units[first].start > size
        prefer = unit.opens > 1 and content >= size * (SUBSECTION_BREAK if unit.opens == 2 else DEEP_BREAK)
        if not (must or prefer):
            continue
        last = i - 1
        while last >= first and units[last].heading:  # headings travel with their body
            last -= 1
        if last < fresh:
            continue  # only headings so far: keep growing rather than emit a heading-only chunk
        groups.append((first, last))
        if last < i - 1:
            first = fresh = last + 1
            continue
        first = fresh = i
        if unit.heading or unit.opens:
            continue
        back = i
        while (
            back - 1 > groups[-1][0]
            and not units[back - 1].heading
            and units[back - 1].path == unit.path
            and unit.start - units[back - 1].start <= overlap
            and unit.end - units[back - 1].start <= size
        ):
            back -= 1
        first = back
    if first is not None:
        groups.append((first, len(units) - 1))
    return groups


def _dominant_path(units: list[_Unit]) -> tuple[str, ...]:
    weight: dict[tuple[str, ...], int] = {}
    for unit in units:
        weight[unit.path] = weight.get(unit.path, 0) + unit.end - unit.start
    return max(weight, key=lambda p: weight[p])  # first-seen wins ties (dicts keep order)


def chunk_report(report: Report, size: int, overlap: int) -> list[Chunk]:
    """Chunks of a report, in text order, ``chunk_id = f"{report_id}:{ordinal}"``.

    ``size`` is the character budget of a chunk, overlap included; ``overlap`` is capped at half of
    it. Text outside every section (a signature, a stray line) is chunked with role "other".
    """
    if size < 1 or overlap < 0:
        raise ValueError("chunk size must be positive and overlap non-negative")
    overlap = min(overlap, size // 2)
    text = report.text
    label = report_label(report)
    blocks: list[tuple[str, list[_Unit]]] = []
    cursor = 0
    for section in sorted(report.sections, key=lambda s: s.span[0]):
        if section.span[0] > cursor:  # text no section claims (a signature, a stray line)
            blocks.append(("other", [_Unit(s, e, ()) for s, e in split_sentences(text, cursor, section.span[0], size)]))
        blocks.append((section.role, _section_units(text, section, (), 1, size)))
        cursor = max(cursor, section.span[1])
    if cursor < len(text):
        blocks.append(("other", [_Unit(s, e, ()) for s, e in split_sentences(text, cursor, len(text), size)]))
    chunks: list[Chunk] = []
    for role, units in blocks:
        for a, b in _pack(units, size, overlap):
            start, end = units[a].start, units[b].end
            body = text[start:end]
            if not _WORD.search(body):
                continue
            path = " > ".join((label, *_dominant_path(units[a : b + 1])))
            chunks.append(
                Chunk(
                    chunk_id=f"{report.report_id}:{len(chunks)}",
                    report_id=report.report_id,
                    ordinal=len(chunks),
                    text=body,
                    section_path=path,
                    role=role,
                    span=(start, end),
                    source_span=report.clean.source_span(start, end),
                )
            )
    return chunks


METADATA_ROLE = "metadata"
# a page line's label standing right before its value (信息来源：, [ 发布日期 ] , 發布時間：)
_PAGE_LABEL_BEFORE = re.compile(
    rf"(?:{in_either_script(SOURCE_LABEL)}|{in_either_script(PUBLICATION_DATE_LABEL)})\s*[\]】］]?\s*[:：]?\s*$")


ADDRESSEE_LINES = 8  # the salutation stands among the first lines, as the report parser looks for it


def addressee(report: Report) -> tuple[str, Span | None]:
    """The body a report is submitted to, as its salutation line at the top says (「县委、县政府：」), and the
    line's source span; ("", None) when the report opens without one."""
    text, at = report.clean.text, 0
    for line in text.split("\n", ADDRESSEE_LINES)[:ADDRESSEE_LINES]:  # title, 文号 and page rows may come first
        value = line.strip()
        if value and SALUTATION.match(value) and match_heading(value) is None:
            start = at + line.find(value)
            return value.rstrip(":："), report.clean.source_span(start, start + len(value))
        if "。" in value:
            break  # the text has begun
        at += len(line) + 1
    return "", None


def metadata_chunk(report: Report, ordinal: int) -> Chunk | None:
    """One passage that states what the page says about the report itself: title, issuing body,
    place, year, 文号, dates, 来源 and to whom it is submitted, so that 「这份报告是谁、哪天发布的」 finds an answer to cite.

    Unlike every other chunk it is not a stretch of the cleaned text (``span`` is empty): the
    来源 and 发布时间 lines are page furniture the cleaner removed. Its values are written as the
    source writes them where a source span is known, and ``source_span`` covers those lines.
    """
    meta, source = report.meta, report.source.text

    def written(value: str, span: Span | None) -> str:
        return source[span[0] : span[1]] if span else value

    def with_label(span: Span | None) -> Span | None:
        """``span`` widened to the page line's own label (信息来源：, 发布时间：) right before the value: the
        passage cites the line, not the value alone. Its wording stays the passage's field name, which
        questions about the report are matched with (rag.lang.synonyms.REPORT_FIELD_CUES)."""
        if not span:
            return span
        m = _PAGE_LABEL_BEFORE.search(source, max(0, span[0] - 16), span[0])
        return (m.start(), span[1]) if m else span

    to_whom, to_whom_span = addressee(report)
    lines = [
        ("报告标题", f"《{meta.title}》" if meta.title else ""),
        ("发布机关", meta.issuing_body),
        ("地区", meta.region),
        ("行政层级", meta.level),
        ("报告年度", f"{meta.year}年" if meta.year else ""),
        ("文号", meta.doc_number),
        ("落款", meta.signature),
        ("成文日期", date_as_written(source, meta.date) if meta.date else ""),  # as the signature writes it
        ("发布日期", written(meta.pub_date, meta.pub_date_span)),
        ("来源", written(meta.source, meta.source_span)),
        ("发布机构", written(meta.publisher, meta.publisher_span) if not meta.source else ""),
        ("报送", to_whom),
        ("索引号", written(meta.index_number, meta.index_number_span)),
    ]
    body = "".join(f"{label}：{value}。" for label, value in lines if value)
    if not meta.title and not meta.issuing_body:
        return None  # nothing the page says about itself beyond its text
    spans = [s for s in (with_label(meta.pub_date_span), with_label(meta.source_span),
                         meta.publisher_span if not meta.source else None, to_whom_span, meta.index_number_span) if s]
    title_at = source.find(meta.title) if meta.title else -1
    if title_at >= 0:
        spans.append((title_at, title_at + len(meta.title)))
    source_span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else (0, 0)
    return Chunk(
        chunk_id=f"{report.report_id}:{ordinal}",
        report_id=report.report_id,
        ordinal=ordinal,
        text=body,
        section_path=f"{report_label(report)} > 报告信息",
        role=METADATA_ROLE,
        span=(0, 0),
        source_span=source_span,
    )
