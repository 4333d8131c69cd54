"""The on-disk index: SQLite (source of truth) + a FAISS file + a BM25 file + manifest.json.

Layout of an index directory::

    manifest.json   what built the index (embedder, dim, chunking, faiss kind) + counts
    index.sqlite    reports (metadata, parsed-report JSON, source text) and chunks (text, spans,
                    BM25 tokens, float32 vector); also the generation stamp
    dense.faiss     FAISS index over the chunk vectors, stamped with the generation it was built from
    sparse.npz      BM25 index over the chunk tokens, stamped the same way

Both search files are derived data. ``commit()`` builds them from the pending SQLite transaction
into temp files, renames them into place, and only then commits SQLite; a failure at any point
rolls SQLite back, and a file whose stamp differs from SQLite's is rebuilt on open. So a crash
leaves the previous index usable and is repaired, never fatal.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import uuid
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.core.config import ChunkSettings
from rag.core.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    ReportQAError,
    UnknownReportError,
)
from rag.core.types import Chunk, Report, ReportInfo
from rag.index import store_db as db
from rag.index.dense import temp_path
from rag.index.snapshot import CommittedState
from rag.index.store_base import unit_vectors
from rag.index.store_db import DB, DENSE, MANIFEST, SPARSE

log = logging.getLogger(__name__)


class IndexStore(CommittedState):
    """One index directory; see the module docstring. Thread-safe; writes are staged until commit().
    Keeping the committed snapshot current (reloads, rebuilds, a replaced directory) is inherited
    from ``rag.index.snapshot.CommittedState``."""

    def __init__(self, path: Path, conn: sqlite3.Connection, settings: dict[str, Any], faiss_kind: str) -> None:
        self.path = path
        self._conn = conn  # writes, and reads of the pending transaction (commit builds from it)
        try:
            # Everything else reads through a second, read-only connection: it sees the committed state
            # only, so searches stay consistent while an ingest has changes staged.
            self._reader = self._connect_reader()
            # `reportqa reindex` in another process renames a new directory over this one; the
            # database file's inode tells us, since our open connections still see the old file.
            self._db_ino = self._stat_db_ino()
        except BaseException:
            conn.close()
            raise
        self._settings = settings  # format, schema_version, embedder, dim, chunk_size, chunk_overlap
        self.faiss_kind = faiss_kind
        self._lock = threading.RLock()
        self._pending = False
        self._snap: db.Snapshot | None = None
        self._chunk_cache: dict[int, Chunk] = {}

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        path: str | Path,
        embedder_name: str,
        dim: int,
        chunking: ChunkSettings,
        faiss_kind: str = "flat",
        create: bool = False,
    ) -> IndexStore:
        path = Path(path).expanduser().resolve()
        if faiss_kind not in ("flat", "hnsw"):
            raise ValueError(f"faiss_kind must be 'flat' or 'hnsw', not {faiss_kind!r}")
        wanted = {
            "format": db.FORMAT, "schema_version": db.SCHEMA_VERSION, "embedder": embedder_name, "dim": int(dim),
            "chunk_size": chunking.size, "chunk_overlap": chunking.overlap,
        }
        if path.exists() and not path.is_dir():
            raise IndexCorruptError(
                f"索引位置 {path} 是一个文件，不是索引文件夹（is a file, not an index directory）。"
                "请用 --index 指定另一个文件夹。"
            )
        if not path.exists() or not any(path.iterdir()):
            if not create:
                raise IndexNotFoundError(
                    f"还没有导入任何报告（no index yet at {path}）。请先导入：reportqa ingest 报告文件或文件夹 --index {path}"
                )
            db.create_index_dir(path, wanted, faiss_kind)
        manifest = db.read_manifest(path)
        stored = {key: manifest.get(key) for key in wanted}
        if stored != wanted:
            raise IndexMismatchError(
                f"索引 {path} 是用其他设置建立的（index built with other settings: {db.settings_desc(stored)}; "
                f"current: {db.settings_desc(wanted)}）。请运行 `reportqa reindex` 按当前设置重建索引"
                "（已导入的报告会保留），或用 --index 指定另一个索引文件夹。"
            )
        store = cls(path, db.connect_db(path, stored), wanted, faiss_kind)
        try:
            store._refresh()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_existing(cls, path: str | Path) -> IndexStore:
        """Open with the settings the index was built with (for reindexing or inspection)."""
        path = Path(path).expanduser()
        if not path.is_dir() or not any(path.iterdir()):
            raise IndexNotFoundError(
                f"还没有导入任何报告（no index yet at {path}）。请先导入：reportqa ingest 报告文件或文件夹 --index {path}"
            )
        manifest = db.read_manifest(path)
        try:
            chunking = ChunkSettings(size=manifest["chunk_size"], overlap=manifest["chunk_overlap"])
            return cls.open(path, manifest["embedder"], manifest["dim"], chunking, manifest.get("faiss_kind", "flat"))
        except (KeyError, ValueError, TypeError) as exc:
            raise IndexCorruptError(
                f"索引说明文件 {path / MANIFEST} 已损坏（damaged manifest: {exc}）。"
                "请用 --index 指定另一个文件夹重新导入报告。"
            ) from exc

    def close(self) -> None:
        with self._lock:
            self.rollback()
            self._reader.close()
            self._conn.close()

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading
    @property
    def manifest(self) -> dict[str, Any]:
        """What built the index, and its counts (the content of manifest.json)."""
        with self._lock:
            snap = self._snap
            dates = self._meta("created", "updated")
        return {
            **self._settings, "faiss_kind": self.faiss_kind, "created": dates["created"],
            "updated": dates.get("updated", dates["created"]), "generation": snap.generation if snap else 0,
            "reports": len(snap.infos) if snap else 0, "chunks": len(snap.rows) if snap else 0,
        }

    def reports(self) -> list[ReportInfo]:
        return list(self._current().infos)

    def resolve(self, ref: str) -> ReportInfo:
        """A report by id, source file name, file stem or source path (UnknownReportError otherwise)."""
        return self._current().resolve(ref)

    def has_unchanged(self, source_path: str, sha256: str) -> bool:
        with self._lock:
            # fetchall everywhere on the reader: an unfinished statement would hold a lock that commit waits on
            hits = self._reader.execute(
                "SELECT 1 FROM reports WHERE source_path = ? AND sha256 = ?", (db.norm_path(source_path), sha256)
            ).fetchall()
        return bool(hits)

    def find_by_sha256(self, sha256: str) -> list[ReportInfo]:
        """Reports whose source file has this content (duplicates under other names)."""
        return [i for i in self._current().infos if i.sha256 == sha256]

    def _report_blob(self, report_id: str, column: str) -> bytes:
        with self._lock:
            hits = self._reader.execute(f"SELECT {column} FROM reports WHERE report_id = ?", (report_id,)).fetchall()
        if not hits:
            self.resolve(report_id)  # raises UnknownReportError with the list of known ids
            raise UnknownReportError(f"索引中没有这份报告：{report_id}（unknown report）。运行 `reportqa reports` 查看已导入的报告。")
        return zlib.decompress(hits[0][0])

    def load_report(self, report_id: str) -> Report:
        from rag.report.parse import report_from_dict

        return report_from_dict(json.loads(self._report_blob(report_id, "report_json").decode("utf-8")))

    def source_text(self, report_id: str) -> str:
        return self._report_blob(report_id, "source_text").decode("utf-8")

    def chunks(self, report_id: str | None = None) -> list[Chunk]:
        sql = f"SELECT {db.CHUNK_COLS} FROM chunks"
        with self._lock:
            if report_id is None:
                rows = self._reader.execute(sql + " ORDER BY report_id, ordinal").fetchall()
            else:
                rows = self._reader.execute(sql + " WHERE report_id = ? ORDER BY ordinal", (report_id,)).fetchall()
        return [db.chunk_from_row(r) for r in rows]

    def chunks_by_rows(self, rows: Iterable[int]) -> dict[int, Chunk]:
        """Chunks for many rows in one query (cached); rows not in the index are left out."""
        wanted = [int(r) for r in rows]
        with self._lock:
            missing = [r for r in wanted if r not in self._chunk_cache]
            for i in range(0, len(missing), 500):
                part = missing[i : i + 500]
                sql = f"SELECT {db.CHUNK_COLS} FROM chunks WHERE row IN ({','.join('?' * len(part))})"
                for r in self._reader.execute(sql, part):
                    self._chunk_cache[r[0]] = db.chunk_from_row(r)
            if len(self._chunk_cache) > 20000:
                self._chunk_cache.clear()
            return {r: self._chunk_cache[r] for r in wanted if r in self._chunk_cache}

    def chunk_by_row(self, row: int) -> Chunk:
        found = self.chunks_by_rows([row])
        if int(row) not in found:
            raise KeyError(f"no chunk at index row {row}")
        return found[int(row)]

    def report_for_row(self, row: int) -> ReportInfo:
        return self._current().report_for_row(int(row))

    def rows_for_reports(self, report_ids: Iterable[str]) -> np.ndarray:
        """Index rows of these reports' chunks (unknown ids contribute nothing)."""
        return self._current().rows_for_reports(report_ids)

    # ------------------------------------------------------------------ search
    def search_dense(
        self, qvec: np.ndarray, k: int, allowed_rows: Iterable[int] | np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (row, cosine) by inner product, best first; only ``allowed_rows`` when given."""
        return self._current().dense.search(qvec, k, allowed_rows)

    def search_sparse(
        self, query: str, k: int, allowed_rows: Iterable[int] | np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (row, BM25 score > 0), best first; only ``allowed_rows`` when given."""
        return self._current().sparse.search(query, k, allowed_rows)

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())

    # ------------------------------------------------------------------ writing (staged until commit)
    def _begin(self) -> None:
        if not self._pending:
            self._current()  # make sure the snapshot is loaded before we start changing the database
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise ReportQAError(
                    f"索引 {self.path} 正被另一个 reportqa 程序修改（index locked by another process: {exc}）。"
                    "请等它完成后再试。"
                ) from exc
            self._pending = True

    def put_report(self, report: Report, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Stage a report with its chunks and their vectors, replacing any older version of the same
        report id or source file. Visible to searches after commit()."""
        matrix = unit_vectors(report, chunks, vectors, self._settings["dim"])
        source_path = db.norm_path(report.source.path)
        report_row = db.report_record(report, source_path, db.now())
        chunk_rows = db.chunk_records(chunks, matrix, report.meta.title)
        with self._lock:
            self._begin()
            old = [r[0] for r in self._conn.execute(
                "SELECT report_id FROM reports WHERE report_id = ? OR source_path = ?", (report.report_id, source_path))]
            for report_id in old:
                self._conn.execute("DELETE FROM chunks WHERE report_id = ?", (report_id,))
                self._conn.execute("DELETE FROM reports WHERE report_id = ?", (report_id,))
            self._conn.execute("INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", report_row)
            self._conn.executemany(
                "INSERT INTO chunks (chunk_id, report_id, ordinal, text, section_path, role, span_start, span_end, "
                "src_start, src_end, tokens, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                chunk_rows,
            )

    def remove(self, report_id: str) -> None:
        """Stage the removal of a report and its chunks (UnknownReportError if it is not there)."""
        with self._lock:
            if not self._conn.execute("SELECT 1 FROM reports WHERE report_id = ?", (report_id,)).fetchone():
                self.resolve(report_id)
                raise UnknownReportError(f"索引中没有这份报告：{report_id}（unknown report）。运行 `reportqa reports` 查看已导入的报告。")
            self._begin()
            self._conn.execute("DELETE FROM chunks WHERE report_id = ?", (report_id,))
            self._conn.execute("DELETE FROM reports WHERE report_id = ?", (report_id,))

    def rollback(self) -> None:
        """Discard staged changes; the committed state (and what searches see) stays as it was."""
        with self._lock:
            if self._pending:
                try:
                    self._conn.execute("ROLLBACK")
                except sqlite3.OperationalError as exc:  # no transaction left: nothing to undo
                    log.warning("rollback in %s: %s", self.path, exc)
                self._pending = False

    def commit(self) -> None:
        """Make staged changes durable and searchable, atomically (see the module docstring)."""
        with self._lock:
            if not self._pending:
                return
            if self._replaced():
                # Our transaction is on the old database file: committing it would write nothing the
                # new index sees, and its search files would land in the new directory.
                self.rollback()
                raise ReportQAError(
                    f"索引 {self.path} 已被另一个 reportqa 程序重建（index was rebuilt by another process），"
                    "本次改动没有保存。请重新导入这些报告。"
                )
            generation = self._db_stamp()[0] + 1
            stamp = f"{generation}-{uuid.uuid4().hex[:12]}"
            temps = [temp_path(self.path, DENSE), temp_path(self.path, SPARSE)]
            try:
                self._conn.executemany(
                    "UPDATE meta SET value = ? WHERE key = ?",
                    [(json.dumps(generation), "generation"), (json.dumps(stamp), "stamp")],
                )
                self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('updated', ?)", (json.dumps(db.now()),))
                dense, sparse = self._build_dense(stamp, incremental=True), self._build_sparse(stamp)
                dense.save(temps[0])
                sparse.save(temps[1])
                os.replace(temps[0], self.path / DENSE)
                os.replace(temps[1], self.path / SPARSE)
                self._conn.execute("COMMIT")
            except BaseException as exc:
                self._conn.execute("ROLLBACK")
                self._pending = False
                for tmp in temps:
                    tmp.unlink(missing_ok=True)
                if isinstance(exc, Exception):
                    raise ReportQAError(
                        f"无法写入索引 {self.path}，索引未作任何改动（could not write the index, nothing was "
                        f"changed: {exc}）。请检查磁盘空间和文件夹权限后重试。"
                    ) from exc
                raise
            self._pending = False
            self._install(generation, stamp, dense, sparse)


__all__ = ["DB", "DENSE", "MANIFEST", "SPARSE", "IndexStore"]
