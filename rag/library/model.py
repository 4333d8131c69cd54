"""The library overview's schema: one row per report, themes across reports, one indicator across reports.

Every value a user can click carries ``cite``: an index into its report row's ``citations``, the passage
the value was read from (``None`` when the value is not in the text, e.g. a part that was not found).
A row is built from one report alone, so it can be cached and reused while the report is unchanged.
What the parser could not settle is said as such: a part not found is 未能确定, never 没有.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rag.core.types import Citation
from rag.report.parts import PartStatus

PART_LABEL: dict[str, str] = {"present": "单列", "folded": "并入其他部分", "undetermined": "未能确定"}
PART_KEYS: tuple[tuple[str, str], ...] = (
    ("measures", "举措成效"),
    ("problems", "不足原因"),
    ("responsibility", "第一责任人"),
    ("plans", "下年安排"),
    ("other", "其他情况"),
)
# The flags the library shows in their own columns (rubric C1, C2, C8, C9); the rest go under "其他".
FLAG_LABEL: dict[str, str] = {
    "masked_figures": "数字遮蔽",
    "not_official": "范文转载",
    "year_conflict": "年度不一致",
    "late": "逾期发布",
}
TrendStatus = Literal["持续存在", "新提出", "不再提及"]


@dataclass
class Cell:
    """One value shown in the overview and the passage it came from."""

    text: str
    cite: int | None = None


@dataclass
class PartCell:
    key: str
    status: PartStatus
    heading: str = ""
    cite: int | None = None

    @property
    def label(self) -> str:
        return PART_LABEL[self.status]


@dataclass
class ProblemCell:
    index: int  # 1-based, in the report's order
    statement: str  # short verbatim form
    theme_code: str
    theme_label: str
    specificity: str  # 具体 / 领域 / 套话
    reason_given: bool
    has_plan: bool
    cite: int | None = None


@dataclass
class FlagCell:
    code: str
    label: str
    message: str
    cite: int | None = None


@dataclass
class ReportRow:
    report_id: str
    source: str
    title: Cell
    place: Cell  # the region as the report names it
    province: str  # from the national division data ("" when the place is not a listed division)
    level: str
    year: int | None
    year_cell: Cell
    issuer: Cell
    date: Cell  # ISO date of signature or publication, "" when not found
    on_time: bool | None  # published by 3月31日 of the next year; None when the date is unknown or not the issuer's
    parts: list[PartCell]
    problems: list[ProblemCell]
    problems_cell: Cell  # the problems section's heading (count cell)
    plan_count: int
    plans_linked: int  # plans that answer at least one listed problem
    flags: list[FlagCell]
    citations: list[Citation] = field(default_factory=list)
    sha256: str = ""  # of the source file the row was built from (cache key)

    @property
    def body(self) -> str:
        """Who reported: the issuer, else place and level (the same body over several years)."""
        return self.issuer.text or f"{self.place.text}{self.level}"

    def part(self, key: str) -> PartCell:
        return next(p for p in self.parts if p.key == key)

    def theme_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.problems:
            counts[p.theme_code] = counts.get(p.theme_code, 0) + 1
        return counts

    @property
    def with_reason(self) -> int:
        return sum(p.reason_given for p in self.problems)

    @property
    def with_plan(self) -> int:
        return sum(p.has_plan for p in self.problems)

    def specificity_counts(self) -> dict[str, int]:
        return {k: sum(p.specificity == k for p in self.problems) for k in ("具体", "领域", "套话")}

    def flag(self, code: str) -> FlagCell | None:
        return next((f for f in self.flags if f.code == code), None)


@dataclass
class MatrixCell:
    theme_code: str
    report_id: str
    count: int
    cites: list[int] = field(default_factory=list)


@dataclass
class ThemeTotal:
    """How a theme is reported across the library: in how many reports, and how well."""

    code: str
    label: str
    reports: int
    problems: int
    without_reason: int
    without_plan: int


@dataclass
class TrendCell:
    year: int
    report_id: str
    count: int
    status: TrendStatus | Literal[""]  # "" for the body's first year
    cite: int | None = None


@dataclass
class Trend:
    """One theme of one body over its years: 持续存在 / 新提出 / 不再提及 against the year before."""

    body: str
    theme_code: str
    theme_label: str
    cells: list[TrendCell]


@dataclass
class Filters:
    level: str = ""
    region: str = ""  # matches the province, the place or the issuer
    year: int | None = None

    def describe(self) -> str:
        parts = [f"层级={self.level}" if self.level else "", f"地区={self.region}" if self.region else "",
                 f"年度={self.year}" if self.year else ""]
        return "，".join(p for p in parts if p) or "全部报告"


@dataclass
class Overview:
    rows: list[ReportRow]
    themes: list[ThemeTotal]  # most reported first
    matrix: list[MatrixCell]  # non-zero theme × report cells
    trends: list[Trend]
    filters: Filters = field(default_factory=Filters)
    notes: list[str] = field(default_factory=list)
    total_reports: int = 0  # before filtering

    def row(self, report_id: str) -> ReportRow | None:
        return next((r for r in self.rows if r.report_id == report_id), None)

    def citation(self, report_id: str, cite: int | None) -> Citation | None:
        row = self.row(report_id)
        if row is None or cite is None or not 0 <= cite < len(row.citations):
            return None
        return row.citations[cite]


@dataclass
class IndicatorValue:
    report_id: str
    source: str
    place: str
    year: int | None
    value: str  # as written, "未能确定" when no verified figure was found
    unit: str
    figure_year: int | None  # the year the quoted figure is about, when the quote says so
    quote: str
    cite: int | None = None
    note: str = ""


@dataclass
class IndicatorTable:
    indicator: str
    question: str
    values: list[IndicatorValue]
    citations: list[Citation]
    filters: Filters = field(default_factory=Filters)

    def citation(self, cite: int | None) -> Citation | None:
        return self.citations[cite] if cite is not None and 0 <= cite < len(self.citations) else None
