"""The store the settings choose: the FAISS index directory or PostgreSQL (see rag.index.store_base).

Kept apart from the interface so that each store can import the interface's helpers without the
interface importing the stores back (an import cycle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.index.store_base import ReportStore

if TYPE_CHECKING:
    from rag.core.config import Settings


def store_location(settings: Settings) -> str:
    """Where the configured store lives, for messages (a PostgreSQL DSN is shown without its password)."""
    if settings.store.backend == "postgres":
        from rag.index.pg_schema import redact_dsn

        return redact_dsn(settings.store.dsn)
    return str(settings.index_path)


def open_store(settings: Settings, embedder_name: str, dim: int, create: bool = False) -> ReportStore:
    """The store the settings choose: ``store.backend`` = "faiss" (an index directory) or "postgres"."""
    if settings.store.backend == "postgres":
        from rag.index.pg_store import PgStore

        return PgStore.open(settings.store.dsn, embedder_name, dim, settings.chunking, create=create,
                            read_dsn=settings.store.read_dsn)
    from rag.index.store import IndexStore

    return IndexStore.open(
        settings.index_path, embedder_name=embedder_name, dim=dim, chunking=settings.chunking,
        faiss_kind=settings.retrieval.faiss_index, create=create,
    )
