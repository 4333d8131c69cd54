"""SQLite side of the index store: schema, creation, validation on open, row conversion."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from rag.core.errors import IndexCorruptError, IndexMismatchError
from rag.core.types import Chunk, Report, ReportInfo
from rag.index.chunk import embedding_text
from rag.index.dense import DenseIndex, atomic_write_json, build_dense, positions_of
from rag.index.sparse import SparseIndex, tokenize
from rag.index.store_base import resolve_report

FORMAT = "reportqa-index"
SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
DB = "index.sqlite"
DENSE = "dense.faiss"
SPARSE = "sparse.npz"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE reports (
    report_id TEXT PRIMARY KEY, source_path TEXT NOT NULL, source_name TEXT NOT NULL,
    sha256 TEXT NOT NULL, title TEXT NOT NULL, issuing_body TEXT NOT NULL, region TEXT NOT NULL,
    level TEXT NOT NULL, year INTEGER, doc_number TEXT NOT NULL, date TEXT NOT NULL,
    warnings TEXT NOT NULL, report_json BLOB NOT NULL, source_text BLOB NOT NULL, added_at TEXT NOT NULL);
CREATE INDEX reports_by_source ON reports (source_path);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY AUTOINCREMENT, chunk_id TEXT NOT NULL UNIQUE,
    report_id TEXT NOT NULL REFERENCES reports (report_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, text TEXT NOT NULL, section_path TEXT NOT NULL, role TEXT NOT NULL,
    span_start INTEGER NOT NULL, span_end INTEGER NOT NULL, src_start INTEGER NOT NULL, src_end INTEGER NOT NULL,
    tokens TEXT NOT NULL, vector BLOB NOT NULL);
CREATE INDEX chunks_by_report ON chunks (report_id, ordinal);
"""
CHUNK_COLS = "row, chunk_id, report_id, ordinal, text, section_path, role, span_start, span_end, src_start, src_end"
INFO_COLS = (
    "r.report_id, r.title, r.issuing_body, r.region, r.level, r.year, r.doc_number, r.date, r.source_name, "
    "r.source_path, r.sha256, (SELECT COUNT(*) FROM chunks c WHERE c.report_id = r.report_id), r.warnings"
)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def norm_path(path: str) -> str:
    return str(Path(path).expanduser().resolve())


def chunk_from_row(r: Sequence[Any]) -> Chunk:
    return Chunk(
        chunk_id=r[1], report_id=r[2], ordinal=r[3], text=r[4], section_path=r[5], role=r[6],
        span=(r[7], r[8]), source_span=(r[9], r[10]),
    )


def info_from_row(r: Sequence[Any]) -> ReportInfo:
    return ReportInfo(
        report_id=r[0], title=r[1], issuing_body=r[2], region=r[3], level=r[4], year=r[5], doc_number=r[6],
        date=r[7], source=r[8], source_path=r[9], sha256=r[10], chunk_count=int(r[11]),
        warnings=tuple(json.loads(r[12])),
    )


def settings_desc(d: dict[str, Any]) -> str:
    return (
        f"embedder {d.get('embedder')!r} (dim {d.get('dim')}), chunk size {d.get('chunk_size')} / overlap "
        f"{d.get('chunk_overlap')}, schema {d.get('schema_version')}"
    )



def read_manifest(path: Path) -> dict[str, Any]:
    file = path / MANIFEST
    foreign = (
        f"文件夹 {path} 已存在，但不是 reportqa 索引（not a reportqa index: no readable {MANIFEST}），"
        "reportqa 不会改动它。请用 --index 指定另一个文件夹，或自行删除该文件夹。"
    )
    if not file.is_file():
        raise IndexCorruptError(foreign)
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(foreign) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexCorruptError(foreign)
    return manifest

def create_index_dir(path: Path, settings: dict[str, Any], faiss_kind: str) -> None:
    """Build an empty index in a sibling temp dir, then rename it into place (never half-made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.creating-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        _fill_new_index(tmp, settings, faiss_kind)
        os.replace(tmp, path)  # replaces an empty directory atomically
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # a half-made index must not pile up beside the real one
        raise


def _fill_new_index(tmp: Path, settings: dict[str, Any], faiss_kind: str) -> None:
    conn = sqlite3.connect(tmp / DB, isolation_level=None)
    try:
        stamp = f"0-{uuid.uuid4().hex[:12]}"
        conn.execute("BEGIN")  # one transaction: one fsync instead of one per statement
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        meta = {**settings, "generation": 0, "stamp": stamp, "created": now()}
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
        conn.execute("COMMIT")
    finally:
        conn.close()
    build_dense(np.zeros((0, settings["dim"]), np.float32), np.zeros(0, np.int64), faiss_kind, stamp).save(
        tmp / DENSE
    )
    empty = SparseIndex().build_from_tokens([])
    empty.stamp = stamp
    empty.save(tmp / SPARSE)
    atomic_write_json(
        tmp / MANIFEST,
        {**settings, "faiss_kind": faiss_kind, "created": meta["created"], "updated": meta["created"],
         "generation": 0, "reports": 0, "chunks": 0},
    )

def connect_db(path: Path, settings: dict[str, Any]) -> sqlite3.Connection:
    damaged = f"索引数据库 {path / DB} 缺失或已损坏"
    advice = "请用 --index 指定另一个文件夹重新导入报告（原文件夹保持不变）。"
    if not (path / DB).is_file():
        raise IndexCorruptError(f"{damaged}（index database missing or damaged）。{advice}")
    conn = sqlite3.connect(path / DB, isolation_level=None, check_same_thread=False, timeout=30)
    try:
        meta = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
        conn.execute("SELECT row FROM chunks LIMIT 1").fetchall()
        conn.execute("SELECT report_id FROM reports LIMIT 1").fetchall()
    except (sqlite3.DatabaseError, json.JSONDecodeError) as exc:
        conn.close()
        raise IndexCorruptError(f"{damaged}（index database missing or damaged: {exc}）。{advice}") from exc
    if {k: meta.get(k) for k in settings} != settings:
        conn.close()
        raise IndexMismatchError(
            f"索引 {path} 是用其他设置建立的（index built with {settings_desc(meta)}, not "
            f"{settings_desc(settings)}; its manifest disagrees with its database）。"
            "请运行 `reportqa reindex` 重建索引，或用 --index 指定另一个索引文件夹。"
        )
    conn.execute("PRAGMA foreign_keys = ON")
    # WAL: the read-only search connection keeps reading the last committed state while a long
    # ingest holds a write transaction (in rollback-journal mode it got "database is locked" as
    # soon as the pending transaction outgrew the page cache). Commits stay atomic.
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def report_record(report: Report, source_path: str, added_at: str) -> tuple[Any, ...]:
    """The reports-table row of a report (parsed form and source text zlib-compressed)."""
    from rag.report.parse import report_to_dict

    meta = report.meta
    return (
        report.report_id, source_path, report.source.name, report.source.sha256, meta.title, meta.issuing_body,
        meta.region, meta.level, meta.year, meta.doc_number, meta.date,
        json.dumps([w.code for w in report.warnings], ensure_ascii=False),
        zlib.compress(json.dumps(report_to_dict(report), ensure_ascii=False).encode("utf-8")),
        zlib.compress(report.source.text.encode("utf-8")), added_at,
    )


def chunk_records(chunks: Sequence[Chunk], matrix: np.ndarray, title: str) -> list[tuple[Any, ...]]:
    """chunks-table rows (without the row id): BM25 tokens of the embedding text, float32 vector."""
    return [
        (c.chunk_id, c.report_id, c.ordinal, c.text, c.section_path, c.role, c.span[0], c.span[1],
         c.source_span[0], c.source_span[1], "\n".join(tokenize(embedding_text(c, title))), matrix[i].tobytes())
        for i, c in enumerate(chunks)
    ]


def dense_from_db(
    conn: sqlite3.Connection, dim: int, kind: str, stamp: str, base: DenseIndex | None = None
) -> DenseIndex:
    """The FAISS index of all chunk vectors. When the database only added rows to ``base`` (an
    index of the same kind), ``base`` is copied and extended instead: HNSW builds are slow."""
    rows = np.array([r for (r,) in conn.execute("SELECT row FROM chunks ORDER BY row")], dtype=np.int64)
    n_old = len(base.rows) if base is not None and base.kind == kind else -1
    if n_old >= 0 and len(rows) >= n_old and np.array_equal(rows[:n_old], base.rows):  # type: ignore[union-attr]
        after = int(rows[n_old - 1]) if n_old else -1
        blobs = [b for (b,) in conn.execute("SELECT vector FROM chunks WHERE row > ? ORDER BY row", (after,))]
        index = faiss.clone_index(base.index)  # type: ignore[union-attr]
        if blobs:
            index.add(np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim))
        return DenseIndex(stamp, kind, dim, rows, index)
    blobs = [b for (b,) in conn.execute("SELECT vector FROM chunks ORDER BY row")]
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
    return build_dense(matrix, rows, kind, stamp)


def sparse_from_db(conn: sqlite3.Connection, stamp: str) -> SparseIndex:
    pairs = conn.execute("SELECT row, tokens FROM chunks ORDER BY row").fetchall()
    sparse = SparseIndex().build_from_tokens([t.split("\n") if t else [] for _, t in pairs], [r for r, _ in pairs])
    sparse.stamp = stamp
    return sparse


@dataclass
class Snapshot:
    """Everything a search needs about one committed generation; replaced whole, never mutated."""

    generation: int
    stamp: str
    rows: np.ndarray  # ascending row ids
    report_index: np.ndarray  # per position: index into ``infos``
    infos: list[ReportInfo]
    by_id: dict[str, int]
    dense: DenseIndex
    sparse: SparseIndex

    @classmethod
    def make(
        cls,
        generation: int,
        stamp: str,
        rows: np.ndarray,
        report_ids: list[str],
        infos: list[ReportInfo],
        dense: DenseIndex,
        sparse: SparseIndex,
    ) -> Snapshot:
        by_id = {info.report_id: i for i, info in enumerate(infos)}
        report_index = np.array([by_id[r] for r in report_ids], dtype=np.int32)
        return cls(generation, stamp, rows, report_index, infos, by_id, dense, sparse)

    def report_for_row(self, row: int) -> ReportInfo:
        at = positions_of(self.rows, [row])
        if len(at) == 0:
            raise KeyError(f"no chunk at index row {row}")
        return self.infos[int(self.report_index[at[0]])]

    def rows_for_reports(self, report_ids: Iterable[str]) -> np.ndarray:
        wanted = [self.by_id[r] for r in report_ids if r in self.by_id]
        if not wanted:
            return np.zeros(0, dtype=np.int64)
        return self.rows[np.isin(self.report_index, wanted)]

    def resolve(self, ref: str) -> ReportInfo:
        """A report by id, source file name, file stem or source path (UnknownReportError otherwise)."""
        ref = (ref or "").strip()
        if ref in self.by_id:
            return self.infos[self.by_id[ref]]
        return resolve_report(self.infos, ref)
