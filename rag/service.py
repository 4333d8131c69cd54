"""The use cases: the one place that knows every stage. The CLI, the UI and scripts call this.

``ReportQA`` holds only shared, read-mostly resources (settings, the embedder, the generator, the
open index); per-user state (chat history, chosen reports) belongs to the caller.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.core.config import Settings
from rag.core.errors import (
    BadQueryError,
    IndexNotFoundError,
    ReaderError,
    ReportQAError,
    UnknownReportError,
)
from rag.core.protocols import Embedder, Generator
from rag.core.types import Answer, Hit, IngestOutcome, Report, ReportInfo

if TYPE_CHECKING:
    from rag.compare.align import Comparison
    from rag.index.store_base import ReportStore
    from rag.library.model import Filters, IndicatorTable, Overview, ReportRow
    from rag.summary.model import Summary

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

NO_INDEX_HINT = (
    "还没有导入任何报告（no index yet at {path}）。请先导入：reportqa ingest 报告文件或文件夹 --index {path}"
)


class ReportQA:
    """Ingest, search, ask, summarise and compare over one index directory."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()  # guards lazy loading only: held briefly
        # Serialises writers (ingest, remove, reindex). Searches don't take it: they read the last
        # committed snapshot, so one user's long import never blocks another user's question.
        self._write_lock = threading.Lock()
        self._embedder: Embedder | None = None
        self._generator: Generator | None = None
        self._generator_error: str = ""
        self._generator_loaded = False
        self._store: ReportStore | None = None
        # Overview rows by report id, rebuilt when the report's file changes (rag.library.rows).
        self._rows: dict[str, ReportRow] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> ReportQA:
        return cls(settings)

    # ----------------------------------------------------------------- resources
    @property
    def index_dir(self) -> Path:
        return self.settings.index_path

    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from rag.index.embed import make_embedder

                self._embedder = make_embedder(self.settings.embedder, data_dir=Path(self.settings.data_dir))
            return self._embedder

    def generator(self) -> Generator | None:
        """The configured generator, or None (extractive mode) — loaded once.

        A generator that fails to load (model file missing, server down at start) leaves the
        service in extractive mode; the reason is kept for ``status()`` and answer notes.
        """
        with self._lock:
            if not self._generator_loaded:
                self._generator_loaded = True
                from rag.generate.factory import make_generator

                try:
                    self._generator = make_generator(self.settings.generator)
                except ReportQAError as exc:  # model missing, not a GGUF, library not installed…
                    self._generator_error = str(exc)
                    logger.warning("generator unavailable, answering extractively: %s", exc)
            return self._generator

    def _open_store(self, create: bool = False) -> ReportStore:
        with self._lock:
            if self._store is not None:
                return self._store
            from rag.index.stores import open_store

            embedder = self.embedder()
            try:
                # store.backend chooses the index directory (FAISS) or a shared PostgreSQL database
                store = open_store(self.settings, embedder.name, embedder.dim, create=create)
            except IndexNotFoundError as exc:
                if self.settings.store.backend == "postgres":
                    raise  # its message already names the database and what to run
                raise IndexNotFoundError(NO_INDEX_HINT.format(path=self.index_dir)) from exc
            self._store = store
            return store

    def store(self) -> ReportStore:
        return self._open_store(create=False)

    def close(self) -> None:
        with self._lock:
            if self._store is not None and hasattr(self._store, "close"):
                self._store.close()
            self._store = None
            if self._embedder is not None and hasattr(self._embedder, "close"):
                self._embedder.close()  # the vector cache's database; the model itself is reloaded on demand
            self._embedder = None

    # ----------------------------------------------------------------- ingestion
    def ingest(
        self, paths: Sequence[str | Path], progress: Progress | None = None, replace_same_name: bool = False
    ) -> list[IngestOutcome]:
        """Parse, chunk, embed and index files and folders; one bad file never stops the batch.

        Everything is committed at the end in one atomic step: an interruption leaves the
        previous index as it was. A file is identified by its path; ``replace_same_name`` (used
        for browser uploads, which arrive at a new temporary path each time) makes a file replace
        an indexed report with the same file name instead of being added beside it.
        """
        from rag.ingest.readers import expand_inputs

        files, problems = expand_inputs([Path(p) for p in paths])
        outcomes = [IngestOutcome(path=str(p), status="failed", message=msg) for p, msg in problems]
        if not files:
            if not outcomes:
                outcomes.append(IngestOutcome(path=", ".join(map(str, paths)), status="failed",
                                              message="没有找到可导入的报告文件（no supported files found）"))
            return outcomes
        with self._write_lock:
            store = self._open_store(create=True)
            claimed: dict[str, str] = {}  # report ids staged in this batch -> their source path
            try:
                if self.settings.ingest.workers > 0:
                    staged = self._ingest_with_workers(store, files, progress, replace_same_name, claimed, outcomes)
                else:
                    for i, path in enumerate(files):
                        outcomes.append(self._ingest_one(store, path, progress, i, len(files), replace_same_name, claimed))
                    staged = bool(claimed)
                if staged:
                    self._notify(progress, "写入索引（index）", 0.99)
                    store.commit()
            except BaseException:
                store.rollback()  # never leave a write transaction open: nothing of this batch is kept
                raise
            self._notify(progress, "完成（done）", 1.0)
        return outcomes

    def _plan_one(
        self, store: ReportStore, path: Path, replace_same_name: bool, claimed: dict[str, str]
    ) -> IngestOutcome | tuple[str, bool]:
        """An "unchanged" outcome for a file indexed as it is, else the report id it gets (reserved in
        ``claimed``) and whether that replaces a report already in the store."""
        from rag.report.parse import report_id_for

        max_bytes = int(self.settings.ingest.max_file_mb * 1024 * 1024)
        if path.is_file() and path.stat().st_size <= max_bytes:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if store.has_unchanged(str(path.resolve()), digest):
                return IngestOutcome(str(path), "unchanged", self._id_for_path(store, path), "未改动，跳过")
        report_id = self._unique_report_id(store, report_id_for(path), path, replace_same_name, claimed)
        return report_id, self._known(store, report_id)

    def _ingest_one(
        self, store: ReportStore, path: Path, progress: Progress | None, i: int, n: int, replace_same_name: bool,
        claimed: dict[str, str],
    ) -> IngestOutcome:
        from rag.index.staging import stage_report
        from rag.report.parse import load_report

        started = time.perf_counter()
        base = i / n
        step = 1.0 / n
        try:
            planned = self._plan_one(store, path, replace_same_name, claimed)
            if isinstance(planned, IngestOutcome):
                return planned
            report_id, existed = planned
            self._notify(progress, f"解析 {path.name}（parse）", base + 0.1 * step)
            report = load_report(path, int(self.settings.ingest.max_file_mb * 1024 * 1024), report_id=report_id)
            self._notify(progress, f"向量化并索引 {path.name}（embed, index）", base + 0.4 * step)
            chunks = stage_report(store, report, self.embedder(), self.settings.chunking)
            claimed[report.report_id] = str(path.resolve())
            return IngestOutcome(
                path=str(path),
                status="updated" if existed else "added",
                report_id=report.report_id,
                message=f"{report.meta.title or path.name}: {len(report.sections)} 个部分，{len(chunks)} 个片段",
                chunks=len(chunks),
                warnings=tuple(w.message for w in report.warnings),
                seconds=time.perf_counter() - started,
            )
        except ReportQAError as exc:
            message = exc.reason if isinstance(exc, ReaderError) else str(exc)
            return IngestOutcome(str(path), "failed", message=message, seconds=time.perf_counter() - started)
        except Exception as exc:  # one bad file never stops a batch
            logger.exception("unexpected failure ingesting %s", path)
            return IngestOutcome(str(path), "failed",
                                 message=f"内部错误（internal error: {type(exc).__name__}），此文件未导入；加 --debug 查看详情。")

    def _ingest_with_workers(
        self, store: ReportStore, files: Sequence[Path], progress: Progress | None, replace_same_name: bool,
        claimed: dict[str, str], outcomes: list[IngestOutcome],
    ) -> bool:
        """Parse and embed on Ray workers (rag.index.distributed); True when reports were staged here.

        A shared store (PostgreSQL) is written by the workers, one transaction per report; the
        embedded index is written here from the workers' results and committed by the caller."""
        from rag.index.distributed import WorkItem, WorkResult, run_workers

        items: list[WorkItem] = []
        for path in files:
            try:
                planned = self._plan_one(store, path, replace_same_name, claimed)
            except ReportQAError as exc:
                outcomes.append(IngestOutcome(str(path), "failed", message=str(exc)))
                continue
            if isinstance(planned, IngestOutcome):
                outcomes.append(planned)
                continue
            claimed[planned[0]] = str(path.resolve())  # reserved: two files never get one id
            items.append(WorkItem(str(path), planned[0], planned[1]))
        shared = self.settings.store.backend == "postgres"
        staged = False

        def done(count: int, result: WorkResult) -> None:
            self._notify(progress, f"{count}/{len(items)} {Path(result.item.path).name}", count / max(len(items), 1) * 0.95)

        finished: dict[str, IngestOutcome] = {}
        # Reports go into the embedded store in input order, whichever worker finished first: rows follow
        # insertion, and equal scores rank by row, so a parallel ingest searches exactly like a serial one.
        # A result waits only for the files before it.
        waiting: dict[str, WorkResult] = {}
        next_item = 0
        for result in run_workers(self.settings, items, write_to_store=shared, progress=done):
            waiting[result.item.path] = result
            while next_item < len(items) and items[next_item].path in waiting:
                ready = waiting.pop(items[next_item].path)
                next_item += 1
                outcome = ready.outcome
                if ready.report is not None and ready.vectors is not None:
                    try:
                        store.put_report(ready.report, list(ready.chunks), ready.vectors)
                        staged = True
                    except ReportQAError as exc:
                        outcome = IngestOutcome(outcome.path, "failed", message=str(exc), seconds=outcome.seconds)
                finished[ready.item.path] = outcome
        outcomes.extend(finished[item.path] for item in items)  # in input order, whoever finished first
        return staged

    @staticmethod
    def _known(store: ReportStore, report_id: str) -> bool:
        try:
            store.resolve(report_id)
            return True
        except UnknownReportError:
            return False

    def _id_for_path(self, store: ReportStore, path: Path) -> str:
        resolved = str(path.resolve())
        for info in store.reports():
            if info.source_path == resolved:
                return info.report_id
        return ""

    def _unique_report_id(
        self, store: ReportStore, wanted: str, path: Path, replace_same_name: bool, claimed: dict[str, str]
    ) -> str:
        """The file stem, unless another file with the same stem is already indexed or in this batch."""
        resolved = str(path.resolve())
        suffixed = f"{wanted}-{hashlib.sha1(resolved.encode()).hexdigest()[:6]}"
        if wanted in claimed:  # staged earlier in this batch: the index can't see it yet
            return wanted if claimed[wanted] == resolved else suffixed
        try:
            info = store.resolve(wanted)
        except UnknownReportError:
            return wanted
        if info.source_path == resolved or (replace_same_name and info.source == path.name):
            return wanted
        return suffixed

    @staticmethod
    def _notify(progress: Progress | None, stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, min(max(fraction, 0.0), 1.0))

    def remove(self, ref: str) -> ReportInfo:
        with self._write_lock:
            store = self.store()
            info = store.resolve(ref)
            store.remove(info.report_id)
            store.commit()
            return info

    def reindex(self, progress: Progress | None = None) -> list[IngestOutcome]:
        """Rebuild the whole index with the current settings from the stored source texts."""
        from rag.index.reindex import rebuild_index

        if self.settings.store.backend == "postgres":
            raise ReportQAError(
                "PostgreSQL 索引不支持 reindex（reindex rebuilds an index directory only）。请用新的嵌入设置建一个新数据库："
                "reportqa migrate --to 新的DSN（从索引文件夹），或重新 reportqa ingest。"
            )
        with self._write_lock:
            outcomes = rebuild_index(self.settings, self.embedder(), progress)
            with self._lock:  # the old store's files were swapped away: reopen on next use
                old, self._store = self._store, None
            if old is not None:
                old.close()
            return outcomes

    # ----------------------------------------------------------------- reading
    def reports(self) -> list[ReportInfo]:
        return self.store().reports()

    def resolve(self, ref: str) -> ReportInfo:
        return self.store().resolve(ref)

    def load_report(self, ref: str) -> Report:
        store = self.store()
        return store.load_report(store.resolve(ref).report_id)

    def source_text(self, ref: str) -> str:
        store = self.store()
        return store.source_text(store.resolve(ref).report_id)

    def inspect_file(self, path: str | Path) -> Report:
        from rag.report.parse import load_report

        return load_report(Path(path), int(self.settings.ingest.max_file_mb * 1024 * 1024))

    # ----------------------------------------------------------------- retrieval and answers
    def search(self, query: str, k: int | None = None, report_ids: list[str] | None = None) -> list[Hit]:
        from rag.retrieve.retriever import Retriever

        if not query or not query.strip():
            raise BadQueryError("问题为空，请输入要查询的内容（empty query）。")
        store = self.store()
        retriever = Retriever(store, self.embedder(), self.settings.retrieval)
        return retriever.search(query, k or self.settings.retrieval.k, report_ids or None)

    def ask_stream(self, question: str, report_ids: list[str] | None = None) -> Iterator[str | Answer]:
        """Yield the answer's text as it is produced, then the final, verified ``Answer``.

        With a model, a ``provisional`` extractive Answer comes first (at once), then the model's
        draft as text, then the final Answer (the verified model answer, or the extractive one)."""
        from rag.answer.compose import stream_answer

        started = time.perf_counter()
        hits = self._search_every_part(question, report_ids)
        retrieval = time.perf_counter() - started
        generator = self.generator()
        final: Answer | None = None
        store = self.store()
        pieces = stream_answer(question, hits, generator, self.settings, retrieval_seconds=retrieval,
                               source_text=store.source_text)
        for piece in pieces:
            if isinstance(piece, Answer) and not piece.provisional:
                final = piece
            else:
                yield piece  # text, or the extractive answer shown while the model writes
        if final is None:  # pragma: no cover - stream_answer always ends with an Answer
            raise ReportQAError("内部错误：回答没有结束（the answer stream ended without a result）")
        final.timings["retrieval"] = retrieval
        final.timings["total"] = time.perf_counter() - started
        if self._generator_error and generator is None and self.settings.generator.backend != "none":
            final.notes.append(f"模型不可用，已使用摘录模式：{self._generator_error}")
        yield final

    def _search_every_part(self, question: str, report_ids: list[str] | None) -> list[Hit]:
        """Hits for the question; for a compound one, the best hits of each part too, interleaved,
        so that no part is left without its passage (「…多少条？…多少件？」)."""
        from rag.question.compound import sub_questions

        hits = self.search(question, None, report_ids)
        parts = sub_questions(question)
        if len(parts) == 1:
            return hits
        k = self.settings.retrieval.k
        per_part = [self.search(p, k, report_ids) for p in parts]
        merged: dict[str, Hit] = {}
        for rank in range(k):
            for ranked in [*per_part, hits]:
                if rank < len(ranked):
                    merged.setdefault(ranked[rank].chunk.chunk_id, ranked[rank])
        return [replace(h, rank=i) for i, h in enumerate(list(merged.values())[: k + len(parts)])]

    def ask(self, question: str, report_ids: list[str] | None = None) -> Answer:
        answer: Answer | None = None
        for piece in self.ask_stream(question, report_ids):
            if isinstance(piece, Answer) and not piece.provisional:
                answer = piece
        assert answer is not None
        return answer

    # ----------------------------------------------------------------- summaries and comparison
    def summarize(self, ref: str) -> Summary:
        from rag.summary.build import build_summary

        return build_summary(self.load_report(ref), generator=self.generator())

    def compare(self, ref_a: str, ref_b: str) -> Comparison:
        from rag.compare.align import compare_reports

        a, b = self.resolve(ref_a), self.resolve(ref_b)
        if a.report_id == b.report_id:
            raise ReportQAError(f"两次选择了同一份报告（{a.report_id}）：请选择两份不同的报告进行对比。")
        return compare_reports(
            self.load_report(a.report_id),
            self.load_report(b.report_id),
            embedder=self.embedder(),
            generator=self.generator(),
        )

    # ----------------------------------------------------------------- the whole library
    def overview_rows(self) -> list[ReportRow]:
        """One row per indexed report; a row is built once per version of its file."""
        from rag.library.rows import report_row

        infos = self.reports()
        with self._lock:
            cached = dict(self._rows)
        rows = []
        for info in infos:
            row = cached.get(info.report_id)
            if row is None or row.sha256 != info.sha256:
                row = report_row(self.load_report(info.report_id))
            rows.append(row)
        with self._lock:
            self._rows = {row.report_id: row for row in rows}
        return rows

    def overview(self, filters: Filters | None = None) -> Overview:
        from rag.library.overview import build_overview

        return build_overview(self.overview_rows(), filters)

    def indicator(self, name: str, filters: Filters | None = None, unit: str = "") -> IndicatorTable:
        """One indicator's value in each report (filtered), each read by an extractive, cited answer."""
        from rag.answer.kinds import extractive_answer
        from rag.library.indicator import indicator_table
        from rag.library.overview import matches

        if not name or not name.strip():
            raise BadQueryError("指标名称为空：请输入要查的指标，例如 行政复议纠错率、依申请公开数量。")
        rows = [r for r in self.overview_rows() if filters is None or matches(r, filters)]
        store = self.store()

        def answer_for(question: str, report_id: str) -> Answer:
            hits = self.search(question, None, [report_id])
            return extractive_answer(question, hits, self.settings.answer, source_text=store.source_text)

        return indicator_table(name, rows, answer_for, filters, unit)

    # ----------------------------------------------------------------- status
    def status(self) -> dict[str, Any]:
        gen = self.settings.generator
        info: dict[str, Any] = {
            "index_dir": str(self.index_dir),
            "embedder": self._embedder_label(),
            "generator": gen.backend,
            "generator_detail": self._generator_label(),
            "reports": 0,
            "chunks": 0,
            "index_bytes": 0,
            "add_model_hint": "reportqa models fetch（默认模型；`reportqa models list` 列出全部），然后重新启动",
        }
        if gen.backend == "auto":
            self.generator()  # cheap: checks the file; the weights load on the first question
            info["generator_detail"] = self._generator_label()
        try:
            store = self.store()
            reports = store.reports()
            info["reports"] = len(reports)
            info["chunks"] = sum(r.chunk_count for r in reports)
            info["index_bytes"] = store.size_bytes()
        except ReportQAError as exc:
            info["index_error"] = str(exc)
        return info

    def _embedder_label(self) -> str:
        emb = self.settings.embedder
        return emb.backend + (f" ({emb.model})" if emb.model else "")

    def _generator_label(self) -> str:
        gen = self.settings.generator
        if gen.backend == "none":
            return "摘录模式（extractive only）：未配置模型"
        if gen.backend in ("llama-cpp", "auto"):
            loaded = self._generator.name if self._generator is not None else ""
            return f"llama-cpp: {loaded or gen.model_path or '(默认模型)'}" + (
                f" — 不可用：{self._generator_error}" if self._generator_error else ""
            )
        if gen.backend == "openai":
            return f"OpenAI-compatible server {gen.openai_base_url} model={gen.openai_model}"
        return gen.backend

    def check_server(self) -> tuple[bool, str]:
        if self.settings.generator.backend != "openai":
            return False, "未配置 OpenAI 兼容服务（generator.backend 不是 openai）。"
        from rag.generate.factory import OpenAIGenerator

        return OpenAIGenerator(self.settings.generator).check()
