"""Chunk, embed and stage one parsed report: the one path shared by ingest and reindex."""

from __future__ import annotations

from rag.core.config import ChunkSettings
from rag.core.protocols import Embedder
from rag.core.types import Chunk, Report
from rag.index.chunk import chunk_report, embedding_text, metadata_chunk
from rag.index.store_base import ReportStore


def stage_report(store: ReportStore, report: Report, embedder: Embedder, chunking: ChunkSettings) -> list[Chunk]:
    """Chunk, embed and stage one parsed report in the store (visible after ``store.commit()``)."""
    chunks = chunk_report(report, chunking.size, chunking.overlap)
    if (about := metadata_chunk(report, len(chunks))) is not None:
        chunks.append(about)  # who published it, when, 文号, 来源: searchable and citable
    vectors = embedder.embed_documents([embedding_text(c, report.meta.title) for c in chunks])
    store.put_report(report, chunks, vectors)
    return chunks
