"""Rebuild an index with the current settings (embedder, chunking) from the source texts it stores.

Used after changing the embedder or chunk settings (the store refuses to mix them). The new index is
built in a sibling directory and swapped in only when complete, so an interruption leaves the old
index as it was. Reports are re-parsed from their stored source text, so parser improvements apply
too, and the original files need not exist any more.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from rag.config import Settings
from rag.errors import IndexNotFoundError, ReportQAError
from rag.types import IngestOutcome

logger = logging.getLogger(__name__)


def _swap_in(new_dir: Path, target: Path) -> None:
    backup = target.with_name(target.name + ".old")
    shutil.rmtree(backup, ignore_errors=True)
    os.replace(target, backup)
    try:
        os.replace(new_dir, target)
    except BaseException:
        os.replace(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def rebuild_index(settings: Settings, embedder, progress: Callable[[str, float], None] | None = None  # type: ignore[no-untyped-def]
                  ) -> list[IngestOutcome]:
    from rag.chunk import chunk_report, embedding_text
    from rag.clean import clean_text
    from rag.store import IndexStore
    from rag.structure import parse_report

    target = settings.index_path
    if not target.is_dir() or not any(target.iterdir()):
        raise IndexNotFoundError(f"{target} 还没有索引，无需重建（nothing to reindex）：请先 reportqa ingest。")
    old = IndexStore.open_existing(target)
    try:
        infos = old.reports()
        stored = [(info, old.load_report(info.report_id)) for info in infos]
    finally:
        old.close()
    building = target.with_name(target.name + ".reindex")
    shutil.rmtree(building, ignore_errors=True)
    outcomes: list[IngestOutcome] = []
    new = IndexStore.open(building, embedder.name, embedder.dim, settings.chunking,
                          settings.retrieval.faiss_index, create=True)
    try:
        for i, (info, previous) in enumerate(stored):
            started = time.perf_counter()
            if progress:
                progress(f"重建 {info.source}", i / max(len(stored), 1))
            try:
                source = previous.source
                report = parse_report(source, clean_text(source), info.report_id)
                chunks = chunk_report(report, settings.chunking.size, settings.chunking.overlap)
                vectors = embedder.embed_documents([embedding_text(c, report.meta.title) for c in chunks])
                new.put_report(report, chunks, vectors)
                outcomes.append(IngestOutcome(source.path, "updated", report.report_id, "已重建",
                                              len(chunks), seconds=time.perf_counter() - started))
            except ReportQAError as exc:
                outcomes.append(IngestOutcome(info.source_path, "failed", info.report_id, str(exc)))
        new.commit()
    except BaseException:
        new.close()
        shutil.rmtree(building, ignore_errors=True)
        raise
    new.close()
    _swap_in(building, target)
    if progress:
        progress("完成（done）", 1.0)
    logger.info("reindexed %d reports into %s", len(outcomes), target)
    return outcomes
