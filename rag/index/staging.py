"""Chunk, embed and stage one parsed report: the one path shared by ingest and reindex."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.core.config import ChunkSettings
from rag.core.types import Chunk, Report
from rag.index.chunk import chunk_report, embedding_text

if TYPE_CHECKING:
    from rag.index.embed import Embedder
    from rag.index.store import IndexStore


def stage_report(store: IndexStore, report: Report, embedder: Embedder, chunking: ChunkSettings) -> list[Chunk]:
    """Chunk, embed and stage one parsed report in the store (visible after ``store.commit()``)."""
    chunks = chunk_report(report, chunking.size, chunking.overlap)
    vectors = embedder.embed_documents([embedding_text(c, report.meta.title) for c in chunks])
    store.put_report(report, chunks, vectors)
    return chunks
