"""Ingestion spread over Ray workers: each parses, chunks and embeds whole files in parallel.

Embedding is the bottleneck, so the unit of work is one file and every worker (a Ray actor) loads
the embedder once. What a worker does with its result depends on the store:

- PostgreSQL (shared by many processes and machines): the worker writes the report itself, in one
  transaction of its own, so a report is either fully in or not in at all. A worker that dies
  mid-report takes its open transaction with it (the server discards it); two writers of the same
  report meet the store's advisory lock, and the second is told so.
- the embedded FAISS index (one process writes it): the worker hands the parsed report, chunks and
  vectors back, and the caller stages them and commits the batch in one step, as a serial ingest does.

The cluster comes from settings: ``ingest.ray_address`` empty starts a local Ray for this run (and
stops it after), ``auto`` or ``host:port`` / ``ray://host:10001`` joins a running cluster.
``ingest.workers`` is the number of actors. Workers on other machines need reportqa installed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.core.config import Settings
from rag.core.errors import ReaderError, ReportQAError
from rag.core.types import Chunk, IngestOutcome, Report

log = logging.getLogger(__name__)

# A test hook: a worker whose file has this name exits abruptly (after staging, before committing),
# the way a machine failing mid-batch would. Forwarded to the workers' environment.
FAULT_ENV = "REPORTQA_FAULT_EXIT_ON"
INSTALL_HINT = '分布式导入需要 Ray（distributed ingestion needs Ray）：pip install "reportqa[distributed]"'


@dataclass(frozen=True)
class WorkItem:
    """One file for a worker, with the report id the caller reserved for it."""

    path: str
    report_id: str
    existed: bool  # the store already holds a report with this id: the outcome says "updated"


@dataclass(frozen=True)
class WorkResult:
    """A worker's outcome; ``report``/``chunks``/``vectors`` are set when the caller must stage them."""

    item: WorkItem
    outcome: IngestOutcome
    report: Report | None = None
    chunks: tuple[Chunk, ...] = ()
    vectors: np.ndarray | None = None


class IngestWorker:
    """The work of one Ray actor (also usable in-process): parse, chunk, embed, and write if shared."""

    def __init__(self, settings_json: str, write_to_store: bool) -> None:
        from rag.index.embed import make_embedder

        self.settings = Settings.model_validate_json(settings_json)
        self.write_to_store = write_to_store
        self.embedder = make_embedder(self.settings.embedder, data_dir=Path(self.settings.data_dir))
        self._store: Any = None

    def _shared_store(self) -> Any:
        if self._store is None:
            from rag.index.stores import open_store

            self._store = open_store(self.settings, self.embedder.name, self.embedder.dim, create=False)
        return self._store

    def ingest(self, item: WorkItem) -> WorkResult:
        from rag.index.staging import embed_report
        from rag.report.parse import load_report

        started = time.perf_counter()
        path = Path(item.path)
        try:
            max_bytes = int(self.settings.ingest.max_file_mb * 1024 * 1024)
            report = load_report(path, max_bytes, report_id=item.report_id)
            chunks, vectors = embed_report(report, self.embedder, self.settings.chunking)
            outcome = IngestOutcome(
                path=item.path, status="updated" if item.existed else "added", report_id=report.report_id,
                message=f"{report.meta.title or path.name}: {len(report.sections)} 个部分，{len(chunks)} 个片段",
                chunks=len(chunks), warnings=tuple(w.message for w in report.warnings),
                seconds=time.perf_counter() - started,
            )
            if not self.write_to_store:
                _fault_point(path)
                return WorkResult(item, outcome, report, tuple(chunks), vectors)
            store = self._shared_store()
            try:
                store.put_report(report, chunks, vectors)
                _fault_point(path)
                store.commit()  # this report alone: fully in, or (on any failure) not at all
            except BaseException:
                store.rollback()
                raise
            return WorkResult(item, outcome)
        except ReportQAError as exc:
            message = exc.reason if isinstance(exc, ReaderError) else str(exc)
            return WorkResult(item, IngestOutcome(item.path, "failed", message=message,
                                                  seconds=time.perf_counter() - started))
        except Exception as exc:  # one bad file never stops the batch
            log.exception("unexpected failure ingesting %s", item.path)
            return WorkResult(item, IngestOutcome(
                item.path, "failed", message=f"内部错误（internal error in a worker: {type(exc).__name__}: {exc}），此文件未导入。",
                seconds=time.perf_counter() - started))


def _fault_point(path: Path) -> None:
    if os.environ.get(FAULT_ENV) and path.name == os.environ[FAULT_ENV]:
        os._exit(17)  # no cleanup, no rollback: as if the machine had gone away


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ReportQAError(INSTALL_HINT) from exc
    return ray


def _connect(ray: Any, settings: Settings) -> bool:
    """Join or start the cluster the settings name; True when this call started it (and must stop it)."""
    if ray.is_initialized():
        return False
    address = settings.ingest.ray_address.strip()
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                               "logging_level": logging.WARNING, "configure_logging": False}
    if not address:  # a local cluster of this machine for this run
        options.update(num_cpus=max(settings.ingest.workers, 1), object_store_memory=256 * 1024 * 1024)
    try:
        _check_reachable(address)  # Ray itself retries an unreachable head for minutes
        ray.init(address=address or None, **options)
    except Exception as exc:  # ConnectionError, a refused or unknown address, a version mismatch…
        raise ReportQAError(
            f"无法连接 Ray 集群 {address or '（本机）'}（could not reach the Ray cluster: {' '.join(str(exc).split())[:300]}）。"
            "请检查 ingest.ray_address（REPORTQA_INGEST__RAY_ADDRESS），或留空以在本机启动；没有导入任何文件。"
        ) from exc
    return not address


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """ConnectionError at once when a host:port (or ray://host:port) address accepts no connection."""
    target = address.removeprefix("ray://")
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or not host:
        return  # "auto", empty or a form Ray resolves itself
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
        pass


def run_workers(
    settings: Settings, items: Sequence[WorkItem], write_to_store: bool,
    progress: Callable[[int, WorkResult], None] | None = None,
) -> Iterator[WorkResult]:
    """Hand ``items`` to ``settings.ingest.workers`` Ray actors; yield each result as it finishes.

    A worker that dies is replaced and its file reported as failed (nothing of it was committed);
    the other files go on. Raises ReportQAError when Ray is missing or the cluster unreachable.
    """
    if not items:
        return
    ray = _ray()
    started_here = _connect(ray, settings)
    from ray.exceptions import RayActorError, WorkerCrashedError

    forwarded = {k: v for k, v in os.environ.items() if k == FAULT_ENV}
    actor_class = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(IngestWorker)
    options = {"runtime_env": {"env_vars": forwarded}} if forwarded else {}
    settings_json = settings.model_dump_json()
    actors: list[Any] = []

    def spawn() -> Any:
        actor = actor_class.options(**options).remote(settings_json, write_to_store)
        actors.append(actor)
        return actor

    try:
        queue = deque(items)
        idle = [spawn() for _ in range(min(settings.ingest.workers, len(items)))]
        spare = len(idle) + 2  # replacements allowed before the batch gives up on its workers
        pending: dict[Any, tuple[Any, WorkItem]] = {}
        done_count = 0
        while queue or pending:
            while idle and queue:
                actor, item = idle.pop(), queue.popleft()
                pending[actor.ingest.remote(item)] = (actor, item)
            if not pending:  # no worker left to run the rest
                for item in queue:
                    yield WorkResult(item, IngestOutcome(item.path, "failed", message=(
                        "导入进程接连退出，此文件未导入（workers keep dying）。请检查集群日志后重新导入。")))
                return
            ready, _ = ray.wait(list(pending), num_returns=1)
            actor, item = pending.pop(ready[0])
            try:
                result = ray.get(ready[0])
                idle.append(actor)
            except (RayActorError, WorkerCrashedError) as exc:
                log.warning("worker died on %s: %s", item.path, exc)
                result = WorkResult(item, IngestOutcome(item.path, "failed", message=(
                    "导入这份报告的工作进程中途退出（the worker died mid-report），它没有写入任何内容；"
                    "请重新导入这个文件（已导入的文件会被跳过）。")))
                if spare > 0:
                    spare -= 1
                    idle.append(spawn())
            done_count += 1
            if progress is not None:
                progress(done_count, result)
            yield result
    finally:
        for actor in actors:
            with contextlib.suppress(Exception):  # already gone
                ray.kill(actor)
        if started_here:
            ray.shutdown()
