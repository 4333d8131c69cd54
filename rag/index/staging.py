"""Chunk, embed and stage one parsed report: the one path shared by ingest, reindex and the Ray workers."""

from __future__ import annotations

import numpy as np

from rag.core.config import ChunkSettings
from rag.core.protocols import Embedder
from rag.core.types import Chunk, Report
from rag.index.chunk import chunk_report, embedding_text, metadata_chunk
from rag.index.store_base import ReportStore


def embed_report(report: Report, embedder: Embedder, chunking: ChunkSettings) -> tuple[list[Chunk], np.ndarray]:
    """A parsed report's chunks (with its metadata passage) and their vectors, ready for any store."""
    chunks = chunk_report(report, chunking.size, chunking.overlap)
    if (about := metadata_chunk(report, len(chunks))) is not None:
        chunks.append(about)  # who published it, when, 文号, 来源: searchable and citable
    vectors = embedder.embed_documents([embedding_text(c, report.meta.title) for c in chunks])
    return chunks, vectors


def stage_report(store: ReportStore, report: Report, embedder: Embedder, chunking: ChunkSettings) -> list[Chunk]:
    """Chunk, embed and stage one parsed report in the store (visible after ``store.commit()``)."""
    chunks, vectors = embed_report(report, embedder, chunking)
    store.put_report(report, chunks, vectors)
    return chunks
