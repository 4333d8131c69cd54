"""Copy an embedded index (FAISS + SQLite directory) into a PostgreSQL store: ``reportqa migrate --to DSN``.

Nothing is re-parsed or re-embedded: parsed reports, source texts, chunks and their float32
vectors are copied as they are, so both stores answer the same searches. The whole copy is one
database transaction: an interruption leaves the target as it was. Reports already in the
target with the same source file and content are skipped, so running it again is cheap; other
reports with the same id or source file are replaced, as a re-ingest would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.core.config import ChunkSettings
from rag.core.errors import IndexCorruptError
from rag.index.store_db import DB

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class MigrationResult:
    target: str  # the DSN without its password
    copied: int  # reports written
    skipped: int  # already there, unchanged
    chunks: int  # chunks written
    total_reports: int  # reports in the target afterwards


def _vectors_by_chunk(index_dir: Path, report_id: str, dim: int) -> dict[str, np.ndarray]:
    """The stored vectors of one report, read from the index database (read-only)."""
    uri = f"file:{(index_dir / DB).as_posix()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            rows = conn.execute("SELECT chunk_id, vector FROM chunks WHERE report_id = ?", (report_id,)).fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise IndexCorruptError(f"无法读取索引数据库 {index_dir / DB}（cannot read the index database: {exc}）。") from exc
    return {chunk_id: np.frombuffer(blob, dtype=np.float32).reshape(dim) for chunk_id, blob in rows}


def migrate_index(index_dir: str | Path, dsn: str, progress: Progress | None = None) -> MigrationResult:
    """Copy every report of the index directory into the PostgreSQL store at ``dsn`` (created if
    the database has none, refused if it was built with another embedder or chunking)."""
    from rag.index.pg_store import PgStore
    from rag.index.store import IndexStore

    source = IndexStore.open_existing(index_dir)
    try:
        settings = source.manifest
        chunking = ChunkSettings(size=settings["chunk_size"], overlap=settings["chunk_overlap"])
        target = PgStore.open(dsn, settings["embedder"], settings["dim"], chunking, create=True)
        try:
            infos = source.reports()
            copied = skipped = n_chunks = 0
            try:
                for i, info in enumerate(infos):
                    if target.has_unchanged(info.source_path, info.sha256):
                        skipped += 1
                        continue
                    report = source.load_report(info.report_id)
                    chunks = source.chunks(info.report_id)
                    vectors = _vectors_by_chunk(source.path, info.report_id, settings["dim"])
                    if set(vectors) != {c.chunk_id for c in chunks}:
                        raise IndexCorruptError(
                            f"索引 {source.path} 中报告 {info.report_id} 的向量与片段对不上（vectors do not match "
                            "chunks）。请先运行 `reportqa reindex` 修复索引，再迁移。"
                        )
                    matrix = np.stack([vectors[c.chunk_id] for c in chunks]) if chunks else \
                        np.zeros((0, settings["dim"]), np.float32)
                    target.put_report(report, chunks, matrix)
                    copied += 1
                    n_chunks += len(chunks)
                    if progress is not None:
                        progress(f"{info.report_id}", (i + 1) / max(len(infos), 1))
                target.commit()
            except BaseException:
                target.rollback()
                raise
            return MigrationResult(target.path, copied, skipped, n_chunks, len(target.reports()))
        finally:
            target.close()
    finally:
        source.close()
