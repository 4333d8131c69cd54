"""The shared index store on PostgreSQL + pgvector (tables: ``rag.index.pg_schema``).

Same contract as the embedded ``IndexStore`` (``rag.index.store_base.ReportStore``): writes are
staged in one database transaction and become visible together at ``commit()``; a failure rolls
the whole batch back, and a connection that drops mid-batch (a worker dying) leaves nothing behind,
because PostgreSQL discards an uncommitted transaction. Several processes may read and write one
database at once: a report being written by one of them is locked (an advisory lock) and another
writer gets a clear message instead of a half-merged report.

Dense search: HNSW over the half-precision cast, candidates re-ranked with the stored float32
vectors; small filtered searches are exact. Sparse search: BM25 (Lucene variant, the same formula
and jieba tokens as the embedded store) over a 'simple' tsvector with a GIN index.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.core.config import ChunkSettings
from rag.core.errors import ReportQAError, UnknownReportError
from rag.core.types import Chunk, Report, ReportInfo
from rag.index import pg_schema as sch
from rag.index import pg_search
from rag.index.chunk import embedding_text
from rag.index.sparse import tokenize
from rag.index.store_base import resolve_report, unit_vectors

log = logging.getLogger(__name__)

CHUNK_COLS = "chunk_row, chunk_id, report_id, ordinal, text, section_path, role, span_start, span_end, src_start, src_end"
INFO_COLS = ("report_id, title, issuing_body, region, level, year, doc_number, date, source_name, source_path, "
             "sha256, chunk_count, warnings")
READERS = 4  # connections for concurrent searches in one process


def _chunk(r: Sequence[Any]) -> Chunk:
    return Chunk(chunk_id=r[1], report_id=r[2], ordinal=r[3], text=r[4], section_path=r[5], role=r[6],
                 span=(r[7], r[8]), source_span=(r[9], r[10]))


def _info(r: Sequence[Any]) -> ReportInfo:
    return ReportInfo(report_id=r[0], title=r[1], issuing_body=r[2], region=r[3], level=r[4], year=r[5],
                      doc_number=r[6], date=r[7], source=r[8], source_path=r[9], sha256=r[10],
                      chunk_count=int(r[11]), warnings=tuple(r[12]))


@dataclass(frozen=True)
class Catalog:
    """The report list and corpus statistics of one committed generation (replaced whole)."""

    generation: int
    infos: list[ReportInfo]
    by_id: dict[str, ReportInfo]
    n_chunks: int
    n_tokens: int


class PgStore:
    """One reportqa store in a PostgreSQL database; see the module docstring. Thread-safe."""

    def __init__(self, dsn: str, settings: dict[str, Any], read_dsn: str = "") -> None:
        self.dsn = dsn
        # searches and reads go to a read replica when one is given; writes, locks and the schema
        # always go to the primary. A replica lags its primary by its replication delay: a reader
        # sees each commit whole, a little later.
        self.read_dsn = read_dsn or dsn
        self.path = sch.redact_dsn(dsn)  # where the store is, for messages (never the password)
        self.faiss_kind = "pgvector-hnsw"
        self._settings = settings
        self._lock = threading.RLock()
        self._writer: Any = None  # opened on the first write
        self._pending = False
        self._staged_chunks = 0  # chunks written in the open batch (to decide on ANALYZE)
        self._readers: queue.LifoQueue[Any] = queue.LifoQueue()
        self._opened = 0
        self._catalog: Catalog | None = None
        self._chunk_cache: dict[int, Chunk] = {}
        self._df_cache: dict[str, int] = {}

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, dsn: str, embedder_name: str, dim: int, chunking: ChunkSettings, create: bool = False,
             read_dsn: str = "") -> PgStore:
        wanted = {"format": sch.FORMAT, "embedder": embedder_name, "dim": int(dim),
                  "chunk_size": chunking.size, "chunk_overlap": chunking.overlap}
        store = cls(dsn, wanted, read_dsn)
        try:
            # the schema is created and checked on the primary (a replica is read-only)
            with store._reader(primary=True) as conn:
                version, stored = sch.read_schema(conn)
                if version is None and create:
                    sch.create_schema(conn, wanted)
                    version, stored = sch.read_schema(conn)
                sch.check_schema(version, stored, wanted, store.path)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_existing(cls, dsn: str) -> PgStore:
        """Open with the settings the store was built with (for migration checks or inspection)."""
        probe = cls(dsn, {})
        try:
            with probe._reader() as conn:
                version, stored = sch.read_schema(conn)
        finally:
            probe.close()
        sch.check_schema(version, stored, stored, sch.redact_dsn(dsn))
        chunking = ChunkSettings(size=stored["chunk_size"], overlap=stored["chunk_overlap"])
        return cls.open(dsn, stored["embedder"], stored["dim"], chunking)

    @contextmanager
    def _reader(self, primary: bool = False) -> Iterator[Any]:
        """An autocommit connection that sees committed data only: from the pool of the read replica
        (or of the primary, without one), or, with ``primary``, a connection of its own to the primary."""
        pooled = not primary or self.read_dsn == self.dsn
        conn = None
        if pooled:
            with contextlib.suppress(queue.Empty):
                conn = self._readers.get_nowait()
        if conn is None:
            conn = sch.connect(self.read_dsn if pooled else self.dsn, autocommit=True)
        try:
            with _translated(self.path):
                yield conn
        finally:
            # a connection that failed mid-statement may be broken: only healthy ones go back
            if not pooled or conn.closed or conn.broken or self._readers.qsize() >= READERS:
                conn.close()
            else:
                self._readers.put(conn)

    def close(self) -> None:
        with self._lock:
            self.rollback()
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            while not self._readers.empty():
                self._readers.get_nowait().close()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the committed catalog
    def _current(self) -> Catalog:
        with self._reader() as conn:
            generation = int(conn.execute("SELECT generation FROM store_state").fetchone()[0])
            with self._lock:
                if self._catalog is not None and self._catalog.generation == generation:
                    return self._catalog
            rows = conn.execute(f"SELECT {INFO_COLS} FROM reports ORDER BY source_name, report_id").fetchall()
            totals = conn.execute("SELECT coalesce(sum(chunk_count), 0), coalesce(sum(token_count), 0) "
                                  "FROM reports").fetchone()
        infos = [_info(r) for r in rows]
        catalog = Catalog(generation, infos, {i.report_id: i for i in infos}, int(totals[0]), int(totals[1]))
        with self._lock:
            self._catalog = catalog
            self._chunk_cache.clear()
            self._df_cache.clear()
        return catalog

    @property
    def manifest(self) -> dict[str, Any]:
        catalog = self._current()
        with self._reader() as conn:
            created, updated = conn.execute("SELECT created, updated FROM store_state").fetchone()
        return {**self._settings, "schema_version": sch.SCHEMA_VERSION, "backend": "postgres", "dsn": self.path,
                "faiss_kind": self.faiss_kind, "created": created.isoformat(timespec="seconds"),
                "updated": updated.isoformat(timespec="seconds"), "generation": catalog.generation,
                "reports": len(catalog.infos), "chunks": catalog.n_chunks}

    def reports(self) -> list[ReportInfo]:
        return list(self._current().infos)

    def resolve(self, ref: str) -> ReportInfo:
        return resolve_report(self._current().infos, ref)

    def has_unchanged(self, source_path: str, sha256: str) -> bool:
        from rag.index.store_db import norm_path

        with self._reader() as conn:
            return bool(conn.execute("SELECT 1 FROM reports WHERE source_path = %s AND sha256 = %s",
                                     (norm_path(source_path), sha256)).fetchall())

    def find_by_sha256(self, sha256: str) -> list[ReportInfo]:
        return [i for i in self._current().infos if i.sha256 == sha256]

    def _report_column(self, report_id: str, column: str) -> Any:
        with self._reader() as conn:
            hits = conn.execute(f"SELECT {column} FROM reports WHERE report_id = %s", (report_id,)).fetchall()
        if not hits:
            self.resolve(report_id)
            raise UnknownReportError(f"索引中没有这份报告：{report_id}（unknown report）。运行 `reportqa reports` 查看已导入的报告。")
        return hits[0][0]

    def load_report(self, report_id: str) -> Report:
        from rag.report.parse import report_from_dict

        return report_from_dict(self._report_column(report_id, "report_json"))

    def source_text(self, report_id: str) -> str:
        return str(self._report_column(report_id, "source_text"))

    def chunks(self, report_id: str | None = None) -> list[Chunk]:
        with self._reader() as conn:
            if report_id is None:
                rows = conn.execute(f"SELECT {CHUNK_COLS} FROM chunks ORDER BY report_id, ordinal").fetchall()
            else:
                rows = conn.execute(f"SELECT {CHUNK_COLS} FROM chunks WHERE report_id = %s ORDER BY ordinal",
                                    (report_id,)).fetchall()
        return [_chunk(r) for r in rows]

    def chunks_by_rows(self, rows: Iterable[int]) -> dict[int, Chunk]:
        wanted = [int(r) for r in rows]
        self._current()  # drops the cache when another process committed
        with self._lock:
            missing = [r for r in wanted if r not in self._chunk_cache]
        if missing:
            with self._reader() as conn:
                found = conn.execute(f"SELECT {CHUNK_COLS} FROM chunks WHERE chunk_row = ANY(%s)", (missing,)).fetchall()
            with self._lock:
                if len(self._chunk_cache) > 20000:
                    self._chunk_cache.clear()
                self._chunk_cache.update({int(r[0]): _chunk(r) for r in found})
        with self._lock:
            return {r: self._chunk_cache[r] for r in wanted if r in self._chunk_cache}

    def chunk_by_row(self, row: int) -> Chunk:
        found = self.chunks_by_rows([row])
        if int(row) not in found:
            raise KeyError(f"no chunk at index row {row}")
        return found[int(row)]

    def report_for_row(self, row: int) -> ReportInfo:
        with self._reader() as conn:
            hit = conn.execute("SELECT report_id FROM chunks WHERE chunk_row = %s", (int(row),)).fetchone()
        if hit is None:
            raise KeyError(f"no chunk at index row {row}")
        return self.resolve(hit[0])

    def rows_for_reports(self, report_ids: Iterable[str]) -> np.ndarray:
        ids = list(report_ids)
        if not ids:
            return np.zeros(0, dtype=np.int64)
        with self._reader() as conn:
            rows = conn.execute("SELECT chunk_row FROM chunks WHERE report_id = ANY(%s) ORDER BY chunk_row",
                                (ids,)).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def size_bytes(self) -> int:
        with self._reader() as conn:
            return int(conn.execute("SELECT pg_total_relation_size('reports') + pg_total_relation_size('chunks') "
                                    "+ pg_total_relation_size('store_state')").fetchone()[0])

    # ------------------------------------------------------------------ search
    def search_dense(
        self, qvec: np.ndarray, k: int, allowed_rows: Iterable[int] | np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (row, cosine), best first; only ``allowed_rows`` when given."""
        query = np.asarray(qvec, dtype=np.float32).ravel()
        if query.shape[0] != self._settings["dim"]:
            raise ValueError(f"query vector has {query.shape[0]} dimensions, the store {self._settings['dim']}")
        allowed = None if allowed_rows is None else [int(r) for r in np.asarray(list(allowed_rows)).ravel()]
        if k <= 0 or (allowed is not None and not allowed):
            return []
        with self._reader() as conn:
            return pg_search.dense(conn, sch.vector_literal(query), self._settings["dim"], k, allowed)

    def search_sparse(
        self, query: str, k: int, allowed_rows: Iterable[int] | np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (row, BM25 score > 0), best first; only ``allowed_rows`` when given."""
        terms = sorted(set(sch.usable_tokens(tokenize(query))))
        allowed = None if allowed_rows is None else [int(r) for r in np.asarray(list(allowed_rows)).ravel()]
        if k <= 0 or not terms or (allowed is not None and not allowed):
            return []
        catalog = self._current()
        if catalog.n_chunks == 0:
            return []
        with self._reader() as conn:
            with self._lock:
                unknown = [t for t in terms if t not in self._df_cache]
            if unknown:
                counted = pg_search.document_frequencies(conn, unknown)
                with self._lock:
                    self._df_cache.update(counted)
            with self._lock:
                df = {t: self._df_cache.get(t, 0) for t in terms}
            return pg_search.bm25(conn, df, catalog.n_chunks, catalog.n_tokens / catalog.n_chunks, k, allowed)

    # ------------------------------------------------------------------ writing (staged until commit)
    def _begin(self) -> Any:
        if self._pending and (self._writer is None or self._writer.closed or self._writer.broken):
            raise ReportQAError(
                f"与数据库 {self.path} 的连接在本批次中途断开，本批次没有保存（connection lost mid-batch, nothing "
                "was saved）。请检查数据库后重新导入。"
            )
        if self._writer is None or self._writer.closed:
            self._writer = sch.connect(self.dsn, autocommit=False)
        if not self._pending:
            # Open the batch's transaction now: a psycopg transaction() block entered with none open
            # would commit on exit, and each report must be a savepoint inside the batch instead.
            self._writer.execute("SELECT 1")
        self._pending = True
        return self._writer

    def put_report(self, report: Report, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Stage a report with its chunks and vectors, replacing any older version of the same report
        id or source file. Visible to searches after commit()."""
        from rag.index.store_db import norm_path
        from rag.report.parse import report_to_dict

        matrix = unit_vectors(report, chunks, vectors, self._settings["dim"])
        source_path = norm_path(report.source.path)
        tokens = [sch.usable_tokens(tokenize(embedding_text(c, report.meta.title))) for c in chunks]
        meta = report.meta
        report_row = (
            report.report_id, source_path, report.source.name, report.source.sha256, meta.title, meta.issuing_body,
            meta.region, meta.level, meta.year, meta.doc_number, meta.date,
            json.dumps([w.code for w in report.warnings], ensure_ascii=False),
            json.dumps(report_to_dict(report), ensure_ascii=False), report.source.text,
            len(chunks), sum(len(t) for t in tokens),
        )
        with self._lock:
            conn = self._begin()
            with _translated(self.path), conn.transaction():  # a savepoint: a failure keeps the rest of the batch
                self._lock_names(conn, report.report_id, source_path)
                conn.execute("DELETE FROM reports WHERE report_id = %s OR source_path = %s",
                             (report.report_id, source_path))
                conn.execute(
                    "INSERT INTO reports (report_id, source_path, source_name, sha256, title, issuing_body, region, "
                    "level, year, doc_number, date, warnings, report_json, source_text, chunk_count, token_count) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", report_row)
                with conn.cursor().copy(
                    "COPY chunks (chunk_id, report_id, ordinal, text, section_path, role, span_start, span_end, "
                    "src_start, src_end, tokens, token_count, embedding) FROM STDIN"
                ) as copy:
                    for c, toks, vec in zip(chunks, tokens, matrix, strict=True):
                        copy.write_row((c.chunk_id, c.report_id, c.ordinal, c.text, c.section_path, c.role,
                                        c.span[0], c.span[1], c.source_span[0], c.source_span[1],
                                        sch.tsvector_literal(toks), len(toks), sch.vector_literal(vec)))
            self._staged_chunks += len(chunks)

    def _lock_names(self, conn: Any, report_id: str, source_path: str) -> None:
        """Hold this report (by id and by file) for the rest of the transaction, or say who has it."""
        for name in (f"id:{report_id}", f"path:{source_path}"):
            got = conn.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))",
                               (sch.ADVISORY_NAMESPACE, name)).fetchone()[0]
            if not got:
                raise ReportQAError(
                    f"报告 {report_id} 正由另一个导入程序写入（being written by another worker right now）；"
                    "本次没有重复写入，已有内容不受影响。请等它完成后再导入一次（未改动的文件会被跳过）。"
                )

    def remove(self, report_id: str) -> None:
        """Stage the removal of a report and its chunks (UnknownReportError if it is not there)."""
        with self._lock:
            conn = self._begin()
            with _translated(self.path), conn.transaction():
                gone = conn.execute("DELETE FROM reports WHERE report_id = %s", (report_id,)).rowcount
            if not gone:
                self.resolve(report_id)
                raise UnknownReportError(f"索引中没有这份报告：{report_id}（unknown report）。运行 `reportqa reports` 查看已导入的报告。")

    def rollback(self) -> None:
        """Discard staged changes; the committed state stays as it was."""
        with self._lock:
            if self._pending and self._writer is not None and not self._writer.closed:
                try:
                    self._writer.rollback()
                except Exception as exc:  # connection already gone: the server discarded it anyway
                    log.warning("rollback on %s: %s", self.path, exc)
            self._pending = False
            self._staged_chunks = 0

    def commit(self) -> None:
        """Make staged changes durable and visible to every process, atomically."""
        with self._lock:
            if not self._pending:
                return
            try:
                # last statement before COMMIT: the row lock on the counter is held only briefly
                self._writer.execute("UPDATE store_state SET generation = generation + 1, updated = now()")
                self._writer.commit()
            except Exception as exc:
                self.rollback()
                raise ReportQAError(
                    f"无法写入数据库 {self.path}，本批次没有保存（could not commit, nothing was saved: {exc}）。"
                    "请检查数据库连接后重新导入。"
                ) from exc
            self._pending = False
            staged, self._staged_chunks = self._staged_chunks, 0
            self._refresh_planner_statistics(staged)

    def _refresh_planner_statistics(self, staged_chunks: int) -> None:
        """ANALYZE after a batch of at least a tenth of the chunks the statistics last counted.

        Without fresh statistics the planner scans every chunk for a keyword search instead of using
        the GIN index (autovacuum catches up only a minute later, and readers open right after a
        bulk import). The count comes from the statistics themselves (pg_class.reltuples, -1 before
        the first ANALYZE), not from this process's view, which a writer that never searched lacks.
        The batch is already committed: a failure here costs speed, never data.
        """
        if staged_chunks < 1000:
            return
        try:
            counted = self._writer.execute("SELECT reltuples FROM pg_class WHERE oid = 'chunks'::regclass").fetchone()[0]
            if counted < 0 or staged_chunks * 10 >= counted:
                self._writer.execute("ANALYZE chunks")
            self._writer.commit()
        except Exception as exc:
            log.warning("ANALYZE on %s: %s", self.path, exc)
            with contextlib.suppress(Exception):
                self._writer.rollback()


@contextmanager
def _translated(shown: str) -> Iterator[None]:
    """Raise what the block raises, with database errors as a ReportQAError (see _translate)."""
    try:
        yield
    except Exception as exc:
        translated = _translate(exc, shown)
        if translated is exc:
            raise
        raise translated from exc


def _translate(exc: BaseException, shown: str) -> BaseException:
    """A dropped connection or a refused statement as a ReportQAError; other errors unchanged."""
    try:
        import psycopg
    except ImportError:
        return exc
    detail = " ".join(str(exc).split())  # one line, whatever libpq or the server sent
    if isinstance(exc, psycopg.OperationalError):
        return ReportQAError(
            f"与数据库 {shown} 的连接中断，当前批次没有保存（connection lost, nothing of this batch was saved: "
            f"{detail}）。请检查数据库后重试。"
        )
    if isinstance(exc, psycopg.Error):
        return ReportQAError(f"数据库 {shown} 拒绝了写入或查询（database error: {detail}），没有写入任何内容。")
    return exc
