"""How an IndexStore keeps its view of the committed index current (split out of rag/store.py).

A store serves searches from a ``Snapshot``: the committed SQLite state plus the FAISS and BM25
files built from it. The snapshot is reloaded when another process commits (the generation stamp
in SQLite changes) or renames a rebuilt index directory over ours (`reportqa reindex`; the database
file's inode changes). Search files whose stamp or rows disagree with SQLite are rebuilt from it.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np

from rag.core.types import Chunk
from rag.index import store_db as db
from rag.index.dense import DenseIndex, atomic_write_json, load_dense, temp_path
from rag.index.sparse import SparseIndex
from rag.index.store_db import DB, DENSE, MANIFEST, SPARSE

log = logging.getLogger("rag.index.store")  # same logger as before the split: these are the store's messages


class CommittedState:
    """The snapshot half of ``IndexStore`` (a base class; ``IndexStore.__init__`` sets the state)."""

    path: Path
    faiss_kind: str
    _conn: sqlite3.Connection  # writes, and reads of the pending transaction
    _reader: sqlite3.Connection  # read-only: the committed state
    _db_ino: int | None
    _settings: dict[str, Any]
    _lock: threading.RLock
    _pending: bool
    _snap: db.Snapshot | None
    _chunk_cache: dict[int, Chunk]

    @property
    def manifest(self) -> dict[str, Any]:
        """Read-only, computed by ``IndexStore`` (what built the index, and its counts)."""
        raise NotImplementedError

    def _connect_reader(self) -> sqlite3.Connection:
        return sqlite3.connect(f"{(self.path / DB).as_uri()}?mode=ro", uri=True, check_same_thread=False, timeout=30)

    def _stat_db_ino(self) -> int | None:
        try:
            return os.stat(self.path / DB).st_ino
        except OSError:  # mid-rename in another process: compare again on the next read
            return None

    def _meta(self, *keys: str) -> dict[str, Any]:
        sql = f"SELECT key, value FROM meta WHERE key IN ({','.join('?' * len(keys))})"
        return {k: json.loads(v) for k, v in self._reader.execute(sql, keys)}

    def _db_stamp(self) -> tuple[int, str]:
        meta = self._meta("generation", "stamp")
        return int(meta["generation"]), str(meta["stamp"])

    def _current(self) -> db.Snapshot:
        """The committed state, reloaded when another process committed since we last looked, or
        replaced the whole directory (`reportqa reindex`)."""
        with self._lock:
            if self._snap is None:
                self._refresh()
            elif not self._pending and self._replaced():
                self._reopen()
            elif not self._pending:
                try:
                    changed = self._db_stamp()[1] != self._snap.stamp
                except sqlite3.OperationalError:  # another process is committing: serve what we have
                    changed = False
                if changed:
                    self._refresh()
            assert self._snap is not None
            return self._snap

    def _replaced(self) -> bool:
        """Whether index.sqlite at our path is no longer the file our connections have open."""
        ino = self._stat_db_ino()
        if ino is None:  # nothing there right now (mid-swap): keep serving what we have
            return False
        if self._db_ino is None:
            self._db_ino = ino
            return False
        return ino != self._db_ino

    def _reopen(self) -> None:
        """Connect to the database now at our path and load its snapshot. The new connections are
        made before the old ones close, so a failure (e.g. the new index was built with other
        settings) raises and leaves this store on the old, still consistent, files."""
        ino = self._stat_db_ino()
        conn = db.connect_db(self.path, self._settings)
        try:
            reader = self._connect_reader()
        except BaseException:
            conn.close()
            raise
        old_conn, old_reader = self._conn, self._reader
        self._conn, self._reader, self._db_ino = conn, reader, ino
        old_reader.close()
        old_conn.close()
        log.info("index in %s was replaced by another process; reopened it", self.path)
        self._snap = None
        self._refresh()

    def _refresh(self) -> None:
        """Load the search files for the committed SQLite state, rebuilding any that are stale."""
        generation, stamp = self._db_stamp()
        rows, report_ids = self._row_table()
        dense = self._load_or_rebuild_dense(stamp, rows)
        self._install(generation, stamp, dense, self._load_or_rebuild_sparse(stamp, rows), rows, report_ids)

    def _install(
        self, generation: int, stamp: str, dense: DenseIndex, sparse: SparseIndex,
        rows: np.ndarray | None = None, report_ids: list[str] | None = None,
    ) -> None:
        if rows is None or report_ids is None:
            rows, report_ids = self._row_table()
        infos = [db.info_from_row(r) for r in self._reader.execute(
            f"SELECT {db.INFO_COLS} FROM reports r ORDER BY r.source_name, r.report_id")]
        self._snap = db.Snapshot.make(generation, stamp, rows, report_ids, infos, dense, sparse)
        self._chunk_cache.clear()
        manifest = self.manifest
        try:
            if json.loads((self.path / MANIFEST).read_text(encoding="utf-8")) != manifest:
                atomic_write_json(self.path / MANIFEST, manifest)
        except (OSError, ValueError) as exc:
            log.warning("could not update %s: %s", self.path / MANIFEST, exc)

    def _row_table(self) -> tuple[np.ndarray, list[str]]:
        pairs = self._reader.execute("SELECT row, report_id FROM chunks ORDER BY row").fetchall()
        return np.array([p[0] for p in pairs], dtype=np.int64), [p[1] for p in pairs]

    def _load_or_rebuild_dense(self, stamp: str, rows: np.ndarray) -> DenseIndex:
        try:
            dense = load_dense(self.path / DENSE)
            if dense.stamp == stamp and dense.kind == self.faiss_kind and np.array_equal(dense.rows, rows):
                return dense
            log.warning("FAISS index in %s is stale; rebuilding it from the database", self.path)
        except (OSError, ValueError, RuntimeError) as exc:
            log.warning("FAISS index in %s is missing or unreadable (%s); rebuilding it", self.path, exc)
        dense = self._build_dense(stamp)
        self._best_effort_replace(dense.save, DENSE)
        return dense

    def _load_or_rebuild_sparse(self, stamp: str, rows: np.ndarray) -> SparseIndex:
        try:
            sparse = SparseIndex.load(self.path / SPARSE)
            if sparse.stamp == stamp and np.array_equal(sparse.ids, rows):
                return sparse
            log.warning("BM25 index in %s is stale; rebuilding it from the database", self.path)
        except (OSError, ValueError) as exc:
            log.warning("BM25 index in %s is missing or unreadable (%s); rebuilding it", self.path, exc)
        sparse = self._build_sparse(stamp)
        self._best_effort_replace(sparse.save, SPARSE)
        return sparse

    def _best_effort_replace(self, save: Any, name: str) -> None:
        tmp = temp_path(self.path, name)
        try:
            save(tmp)
            os.replace(tmp, self.path / name)
        except OSError as exc:  # read-only index: keep the rebuilt copy in memory only
            log.warning("could not write %s (%s); using an in-memory copy", self.path / name, exc)
            tmp.unlink(missing_ok=True)

    def _build_dense(self, stamp: str, incremental: bool = False) -> DenseIndex:
        base = self._snap.dense if incremental and self._snap is not None else None
        return db.dense_from_db(self._conn, self._settings["dim"], self.faiss_kind, stamp, base)

    def _build_sparse(self, stamp: str) -> SparseIndex:
        return db.sparse_from_db(self._conn, stamp)
