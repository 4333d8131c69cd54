"""Rebuild an index with the current settings (embedder, chunking) from the source texts it stores.

Used after changing the embedder or chunk settings (the store refuses to mix them). The new index is
built in a sibling directory while the old one stays open and searchable, and is swapped in only
when complete, so an interruption leaves the old index as it was. Reports are re-parsed from their
stored source text, so parser improvements apply too and the original files need not exist any
more. A report that no longer parses keeps its previous parse; if even that cannot be read, the
reindex stops before the swap and nothing is lost.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from rag.core.config import Settings
from rag.core.errors import IndexNotFoundError, ReportQAError
from rag.core.protocols import Embedder
from rag.core.types import IngestOutcome, Report, ReportInfo, SourceDocument
from rag.index.store_base import ReportStore

logger = logging.getLogger(__name__)

_FORMATS = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}


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


def _stored_source(old: ReportStore, info: ReportInfo) -> SourceDocument:
    """The source document as stored in the index (when the stored parse is from an older schema)."""
    text = old.source_text(info.report_id)
    return SourceDocument(
        path=info.source_path, name=info.source, text=text,
        format=_FORMATS.get(Path(info.source).suffix.lower(), "txt"),  # type: ignore[arg-type]
        encoding="utf-8 (stored)", sha256=info.sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        size_bytes=len(text.encode("utf-8")),
    )


def _read_old(old: ReportStore) -> list[tuple[ReportInfo, Report | None, SourceDocument | None]]:
    out: list[tuple[ReportInfo, Report | None, SourceDocument | None]] = []
    for info in old.reports():
        try:
            previous: Report | None = old.load_report(info.report_id)
            source = previous.source if previous else None
        except Exception as exc:  # an older parsed-report schema: fall back to the stored source text
            logger.info("stored parse of %s unreadable (%s); re-parsing its source text", info.report_id, exc)
            previous = None
            source = _stored_source(old, info)
        out.append((info, previous, source))
    return out


def rebuild_index(settings: Settings, embedder: Embedder, progress: Callable[[str, float], None] | None = None
                  ) -> list[IngestOutcome]:
    from rag.index.staging import stage_report
    from rag.index.store import IndexStore
    from rag.ingest.clean import clean_text
    from rag.report.structure import parse_report

    target = settings.index_path
    if not target.is_dir() or not any(target.iterdir()):
        raise IndexNotFoundError(f"{target} 还没有索引，无需重建（nothing to reindex）：请先 reportqa ingest。")
    old = IndexStore.open_existing(target)
    try:
        stored = _read_old(old)
    finally:
        old.close()
    building = target.with_name(target.name + ".reindex")
    shutil.rmtree(building, ignore_errors=True)
    outcomes: list[IngestOutcome] = []
    lost: list[str] = []
    new = IndexStore.open(building, embedder.name, embedder.dim, settings.chunking,
                          settings.retrieval.faiss_index, create=True)
    try:
        for i, (info, previous, source) in enumerate(stored):
            started = time.perf_counter()
            if progress:
                progress(f"重建 {info.source}", i / max(len(stored), 1))
            note = "已重建"
            try:
                assert source is not None
                report = parse_report(source, clean_text(source), info.report_id)
            except Exception as exc:  # keep the report: its previous parse, else stop before the swap
                if previous is None:
                    lost.append(f"{info.source}（{exc}）")
                    continue
                report, note = previous, f"重新解析失败，沿用上次的解析结果（{exc}）"
                logger.warning("re-parsing %s failed, keeping its previous parse: %s", info.report_id, exc)
            chunks = stage_report(new, report, embedder, settings.chunking)
            outcomes.append(IngestOutcome(report.source.path, "updated", report.report_id, note,
                                          len(chunks), seconds=time.perf_counter() - started))
        if lost:
            raise ReportQAError(
                "重建索引已停止，原索引保持不变：以下报告既无法重新解析，也读不出上次的解析结果"
                f"（reindex stopped, nothing changed）：{'；'.join(lost)}"
            )
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
