"""reportqa: local Q&A, summaries and comparisons over Chinese annual rule-of-law reports.

Importing this package does nothing but define names; models and indexes load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.core.config import Settings, load_settings
from rag.core.errors import ReportQAError
from rag.core.types import Answer, Citation, Hit, IngestOutcome, Report, ReportInfo

if TYPE_CHECKING:  # the service imports every stage: loaded only when build_service() is called
    from rag.service import ReportQA

__all__ = [
    "Answer",
    "Citation",
    "Hit",
    "IngestOutcome",
    "Report",
    "ReportInfo",
    "ReportQAError",
    "Settings",
    "build_service",
    "load_settings",
]


def build_service(settings: Settings | None = None) -> ReportQA:
    """The composition root: a ReportQA service over ``settings`` (default: load_settings())."""
    from rag.service import ReportQA

    return ReportQA.from_settings(settings or load_settings())
