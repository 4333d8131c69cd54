"""Dataclasses passed between pipeline stages.

Data flows: raw file -> SourceDocument (reader) -> CleanText (clean) -> Report (structure)
-> Chunk (chunk) -> index -> Hit (retrieve) -> Answer / Summary / Comparison (service).

Offsets: every span called ``span`` is ``(start, end)`` in the *cleaned* text of a report; every
span called ``source_span`` is ``(start, end)`` in the decoded source text (``SourceDocument.text``),
end exclusive. ``CleanText.offsets`` maps the first to the second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Span = tuple[int, int]

Role = Literal["preamble", "measures", "responsibility", "problems", "plans", "other"]
ROLES: tuple[str, ...] = ("preamble", "measures", "responsibility", "problems", "plans", "other")


@dataclass(frozen=True)
class SourceDocument:
    """A file decoded to text by a reader; nothing removed yet.

    For .txt/.md ``text`` is the decoded file; for .html/.docx/.pdf it is the text the reader
    extracted (main content, paragraphs, pages). Citations point into this text.
    """

    path: str
    name: str
    text: str
    format: Literal["txt", "md", "html", "docx", "pdf"]
    encoding: str
    sha256: str
    size_bytes: int
    page_starts: tuple[int, ...] = ()  # PDFs: offset in ``text`` where each page begins
    metadata: dict[str, str] = field(default_factory=dict)  # e.g. html <title>, docx core props


@dataclass(frozen=True)
class Removal:
    """A stretch of source text the cleaner dropped, and why (for `inspect` and debugging)."""

    source_span: Span
    reason: str


@dataclass(frozen=True)
class CleanText:
    """Cleaned text plus a map back to the source.

    ``offsets[i]`` is the source offset of cleaned character ``i``; ``len(offsets) == len(text)``.
    Characters the cleaner inserted (e.g. a newline replacing removed boilerplate) map to the
    source offset of the nearest following kept character.
    """

    text: str
    offsets: tuple[int, ...]
    masked_spans: tuple[Span, ...] = ()  # cleaned-text spans of masked content: XX, ***, ×××
    removals: tuple[Removal, ...] = ()

    def source_span(self, start: int, end: int) -> Span:
        """Map a cleaned-text span [start, end) to the source span that covers it."""
        if not self.offsets or end <= start:
            anchor = self.offsets[start] if 0 <= start < len(self.offsets) else 0
            return (anchor, anchor)
        start = max(0, min(start, len(self.offsets) - 1))
        end = max(start + 1, min(end, len(self.offsets)))
        return (self.offsets[start], self.offsets[end - 1] + 1)


@dataclass
class Section:
    """A heading and everything under it until the next heading of the same or higher level."""

    heading: str  # the heading line as it stands in the cleaned text, numbering included
    number: str  # numbering token: "一、", "（一）", "1.", "（1）", "一是"; "" for the preamble
    level: int  # 1 = top level (一、), 2 = （一）, 3 = 1., 4 = （1）, 5 = 一是 run-in
    role: Role  # top-level role; children inherit their top-level ancestor's role
    span: Span  # cleaned-text span of the whole section, heading included
    heading_span: Span  # cleaned-text span of the heading itself
    source_span: Span
    children: list[Section] = field(default_factory=list)
    split_from: str | None = None  # heading of the merged section this part was split from
    # How sure the parser is of ``role`` (0-1): 1.0 when the heading names the part in the usual
    # words, lower when the role was inferred from the body or the position. Required parts below
    # rag.report.role_scoring.CONFIDENT are shown as 「未能确定」 (see rag.report.parts.part_status).
    role_confidence: float = 1.0
    role_evidence: str = ""  # why this role, in a few words

    def walk(self) -> list[Section]:
        """This section and all its descendants, in document order."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(frozen=True)
class Item:
    """One enumerated statement (a problem, a plan) with where it stands."""

    text: str
    marker: str  # "一是", "（一）", "1.", "；" (split on semicolons), "" (whole paragraph)
    span: Span
    source_span: Span
    heading: str = ""  # a short run-in title of the item when it has one ("理论学习需要进一步加强")


@dataclass(frozen=True)
class ParseWarning:
    code: str  # machine-readable: masked_figures, no_problems_section, year_conflict, ...
    message: str  # human-readable, Chinese or English


@dataclass
class ReportMeta:
    title: str = ""
    issuing_body: str = ""
    region: str = ""
    level: str = ""  # 省级 / 市级 / 区县级 / 乡镇街道 / 部门 / ""
    year: int | None = None  # the year reported on, not the publication year
    year_evidence: str = ""  # why we believe ``year``
    doc_number: str = ""  # e.g. 潼南府办〔2021〕10号, as written
    date: str = ""  # ISO date (YYYY-MM-DD or YYYY-MM) of signature or publication
    pub_date: str = ""  # ISO date on the page's publication line (发布时间/发布日期), "" if none
    source: str = ""  # value of the page's 来源 line (often the drafting office, not the issuer)
    # source spans of the page lines these came from, so answers can cite them (the cleaner drops
    # the lines from the body text as page chrome)
    pub_date_span: Span | None = None
    source_span: Span | None = None
    # the 发布机构/发布单位 row of a 政府信息公开 table: the body that posted the page (not the 来源 line,
    # and not always the report's issuer)
    publisher: str = ""
    publisher_span: Span | None = None
    signature: str = ""  # the body signed at the end (落款), as the report writes it, "" if none
    index_number: str = ""  # the page's 索引号 (政府信息公开 catalogue number), "" if none
    index_number_span: Span | None = None
    issuer_evidence: str = ""  # where the issuing body was read: title, signature, opening, 「我镇」…


@dataclass
class Report:
    """A parsed report: metadata, cleaned text, the section tree and extracted items."""

    report_id: str
    source: SourceDocument
    clean: CleanText
    meta: ReportMeta
    sections: list[Section]  # top-level sections (preamble first when there is one)
    problems: list[Item] = field(default_factory=list)
    plans: list[Item] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.clean.text

    def sections_with_role(self, role: str) -> list[Section]:
        return [s for s in self.sections if s.role == role]

    def all_sections(self) -> list[Section]:
        out: list[Section] = []
        for s in self.sections:
            out.extend(s.walk())
        return out


@dataclass(frozen=True)
class Chunk:
    chunk_id: str  # "<report_id>:<ordinal>"
    report_id: str
    ordinal: int
    text: str  # cleaned text of the chunk (what is shown and cited)
    section_path: str  # "潼南区 2020年度 > 一、工作开展情况 > （三）规范行政决策"
    role: str
    span: Span
    source_span: Span


@dataclass(frozen=True)
class ReportInfo:
    """What the index knows about one ingested report (no text)."""

    report_id: str
    title: str
    issuing_body: str
    region: str
    level: str
    year: int | None
    doc_number: str
    date: str
    source: str  # file name
    source_path: str
    sha256: str
    chunk_count: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    chunk: Chunk
    report: ReportInfo

    def to_json(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "report_id": self.chunk.report_id,
            "source": self.report.source,
            "title": self.report.title,
            "section_path": self.chunk.section_path,
            "role": self.chunk.role,
            "text": self.chunk.text,
            "score": round(self.score, 6),
            "source_span": list(self.chunk.source_span),
        }


@dataclass(frozen=True)
class Citation:
    n: int
    report_id: str
    source: str
    title: str
    section_path: str
    text: str  # the cited passage (chunk text)
    source_span: Span  # the passage's span in the source text
    quote_span: Span | None = None  # the exact sentence used, in source offsets, when known

    def to_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            "report_id": self.report_id,
            "source": self.source,
            "title": self.title,
            "section_path": self.section_path,
            "text": self.text,
            "source_span": list(self.source_span),
            "quote_span": list(self.quote_span) if self.quote_span else None,
        }


@dataclass
class Answer:
    question: str
    answer: str
    mode: Literal["llm", "extractive"]
    verified: bool
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: retrieval, first_token, total
    notes: list[str] = field(default_factory=list)  # what verification removed, fallbacks taken
    # An extractive answer shown at once while the model writes; the final Answer follows it.
    provisional: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answer": self.answer,
            "mode": self.mode,
            "verified": self.verified,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "notes": list(self.notes),
            "provisional": self.provisional,
        }


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one input file during ingestion."""

    path: str
    status: Literal["added", "updated", "unchanged", "failed", "removed"]
    report_id: str = ""
    message: str = ""
    chunks: int = 0
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "status": self.status,
            "report_id": self.report_id,
            "message": self.message,
            "chunks": self.chunks,
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
        }
