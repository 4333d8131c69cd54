"""The one interface every index store implements (the choice by settings: rag.index.stores).

Two stores implement ``ReportStore``: ``rag.index.store.IndexStore`` (FAISS + SQLite + BM25 files in
one directory, for one machine) and ``rag.index.pg_store.PgStore`` (PostgreSQL + pgvector, shared by
many processes). The retriever, the service and the scripts use only the methods below, so either
store serves the same searches. Rows are integers chosen by the store; they identify a chunk for as
long as its report is not replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from rag.core.errors import UnknownReportError
from rag.core.types import Chunk, Report, ReportInfo


@runtime_checkable
class ReportStore(Protocol):
    """Reports, their chunks and vectors; dense and sparse search; staged writes made atomic by commit()."""

    @property
    def manifest(self) -> dict[str, Any]: ...

    def reports(self) -> list[ReportInfo]: ...

    def resolve(self, ref: str) -> ReportInfo: ...

    def has_unchanged(self, source_path: str, sha256: str) -> bool: ...

    def find_by_sha256(self, sha256: str) -> list[ReportInfo]: ...

    def load_report(self, report_id: str) -> Report: ...

    def source_text(self, report_id: str) -> str: ...

    def chunks(self, report_id: str | None = None) -> list[Chunk]: ...

    def chunks_by_rows(self, rows: Iterable[int]) -> dict[int, Chunk]: ...

    def chunk_by_row(self, row: int) -> Chunk: ...

    def report_for_row(self, row: int) -> ReportInfo: ...

    def rows_for_reports(self, report_ids: Iterable[str]) -> np.ndarray: ...

    def search_dense(
        self, qvec: np.ndarray, k: int, allowed_rows: Iterable[int] | np.ndarray | None = None
    ) -> list[tuple[int, float]]: ...

    def search_sparse(
        self, query: str, k: int, allowed_rows: Iterable[int] | np.ndarray | None = None
    ) -> list[tuple[int, float]]: ...

    def size_bytes(self) -> int: ...

    def put_report(self, report: Report, chunks: Sequence[Chunk], vectors: np.ndarray) -> None: ...

    def remove(self, report_id: str) -> None: ...

    def rollback(self) -> None: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


def unit_vectors(report: Report, chunks: Sequence[Chunk], vectors: np.ndarray, dim: int) -> np.ndarray:
    """The vectors of a report's chunks checked (shape, finite, one report) and scaled to unit length,
    as every store keeps them so that inner product is cosine similarity (ValueError otherwise)."""
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix.shape != (len(chunks), dim):
        raise ValueError(f"expected vectors of shape ({len(chunks)}, {dim}), got {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("vectors contain NaN or infinity")
    if any(c.report_id != report.report_id for c in chunks):
        raise ValueError("every chunk must belong to the report being stored")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def resolve_report(infos: Sequence[ReportInfo], ref: str) -> ReportInfo:
    """A report by id, source file name, file stem or source path (UnknownReportError otherwise).
    The same rules as the embedded store's snapshot, for stores that keep no snapshot."""
    ref = (ref or "").strip()
    by_id = {info.report_id: info for info in infos}
    if ref in by_id:
        return by_id[ref]
    resolved = str(Path(ref).expanduser().resolve()) if ref else ""
    for matches in (
        [i for i in infos if ref and (i.source == ref or i.source_path in (ref, resolved))],
        [i for i in infos if i.source.lower() == ref.lower() or Path(i.source).stem.lower() == ref.lower()],
    ):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            ids = ", ".join(m.report_id for m in matches)
            raise UnknownReportError(
                f"“{ref}”对应多份报告：{ids}（matches several reports）。请改用报告编号（report id）指定。"
            )
    known = "、".join(i.report_id for i in infos[:5]) or "（暂无）"
    more = " 等" if len(infos) > 5 else ""
    raise UnknownReportError(
        f"索引中没有这份报告：“{ref}”（unknown report）。已导入的报告编号：{known}{more}；"
        "运行 `reportqa reports` 查看全部。"
    )
