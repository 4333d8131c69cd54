"""Dense retrieval files for the index store: a FAISS index plus its row map, in one stamped file.

File layout: 8-byte magic, 4-byte header length, JSON header (stamp, kind, dim, n), the row ids
(int64), then ``faiss.serialize_index`` bytes. One file, so it is replaced atomically.
"""

from __future__ import annotations

import json
import os
import struct
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

MAGIC = b"RQDENSE1"
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
# Below this many allowed rows a restricted HNSW search scores them directly (exact, no selector).
EXACT_LIMIT = 8192


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first (ties: lower index first)."""
    candidates = np.arange(len(scores))
    if len(scores) > k:
        kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
        candidates = np.flatnonzero(scores >= kth)  # every tie at the cut, so the choice is stable
    return candidates[np.lexsort((candidates, -scores[candidates]))][:k]


def temp_path(directory: Path, name: str) -> Path:
    return directory / f".{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"


def atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = temp_path(path.parent, path.name)
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def as_array(rows: Iterable[int] | np.ndarray) -> np.ndarray:
    if isinstance(rows, np.ndarray):
        return rows.astype(np.int64, copy=False).ravel()
    return np.fromiter((int(r) for r in rows), dtype=np.int64)


def positions_of(sorted_rows: np.ndarray, wanted: Iterable[int] | np.ndarray) -> np.ndarray:
    """Positions in ``sorted_rows`` of the wanted row ids that are present (unique, ascending)."""
    want = as_array(wanted)
    if len(sorted_rows) == 0 or len(want) == 0:
        return np.zeros(0, dtype=np.int64)
    at = np.clip(np.searchsorted(sorted_rows, want), 0, len(sorted_rows) - 1)
    return np.unique(at[sorted_rows[at] == want])


@dataclass
class DenseIndex:
    stamp: str
    kind: str
    dim: int
    rows: np.ndarray  # row id of each FAISS position, ascending
    index: Any  # faiss.Index, inner product over L2-normalised vectors

    def _vectors(self) -> np.ndarray:
        """A zero-copy view of the stored vectors (flat storage for both kinds)."""
        flat = self.index if self.kind == "flat" else faiss.downcast_index(self.index.storage)
        if not isinstance(flat, faiss.IndexFlat):  # faiss types downcast_index() as the base Index
            raise TypeError(f"the dense index stores its vectors in a {type(flat).__name__}, not a flat index")
        n = self.index.ntotal
        return faiss.rev_swig_ptr(flat.get_xb(), n * self.dim).reshape(n, self.dim)

    def search(
        self, qvec: np.ndarray, k: int, allowed_rows: Iterable[int] | np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        n = self.index.ntotal
        query = np.asarray(qvec, dtype=np.float32).reshape(1, -1)
        if query.shape[1] != self.dim:
            raise ValueError(f"query vector has {query.shape[1]} dimensions, the index {self.dim}")
        if k <= 0 or n == 0:
            return []
        keep = None if allowed_rows is None else positions_of(self.rows, allowed_rows)
        if keep is not None and len(keep) == 0:
            return []
        if self.kind == "flat" or (keep is not None and len(keep) <= EXACT_LIMIT):
            # Exact scores with one BLAS mat-vec on the stored vectors: faster than FAISS's flat
            # search for a single query, whose OpenMP threads stall on a busy 2-core machine.
            vectors = self._vectors()
            scores = vectors @ query[0] if keep is None else vectors[keep] @ query[0]
            top = _top_k(scores, k)
            where = top if keep is None else keep[top]
            return [(int(self.rows[p]), float(scores[i])) for p, i in zip(where, top, strict=True)]
        # faiss's __init__.pyi omits SearchParametersHNSW, which swigfaiss defines.
        params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, 4 * k))  # type: ignore[attr-defined]
        if keep is not None:
            params.sel = faiss.IDSelectorBatch(keep)
        scores, found = self.index.search(query, min(k, n if keep is None else len(keep)), params=params)
        return [(int(self.rows[p]), float(s)) for p, s in zip(found[0], scores[0], strict=True) if p >= 0]

    def save(self, path: Path) -> None:
        header = json.dumps({"stamp": self.stamp, "kind": self.kind, "dim": self.dim, "n": len(self.rows)}).encode()
        with open(path, "wb") as fh:
            fh.write(MAGIC + struct.pack("<I", len(header)) + header)
            fh.write(self.rows.astype("<i8").tobytes())
            fh.write(faiss.serialize_index(self.index).tobytes())
            fh.flush()
            os.fsync(fh.fileno())


def build_dense(matrix: np.ndarray, rows: np.ndarray, kind: str, stamp: str) -> DenseIndex:
    dim = int(matrix.shape[1])
    index: faiss.Index
    if kind == "hnsw":
        hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index = hnsw
    else:
        index = faiss.IndexFlatIP(dim)
    if len(matrix):
        index.add(np.ascontiguousarray(matrix, dtype=np.float32))
    return DenseIndex(stamp, kind, dim, np.asarray(rows, dtype=np.int64), index)


def load_dense(path: Path) -> DenseIndex:
    """Read a file written by DenseIndex.save; ValueError if it is not one."""
    blob = Path(path).read_bytes()
    if blob[:8] != MAGIC or len(blob) < 12:
        raise ValueError(f"{path} is not a reportqa FAISS file")
    (hlen,) = struct.unpack("<I", blob[8:12])
    header = json.loads(blob[12 : 12 + hlen])
    n, dim, start = int(header["n"]), int(header["dim"]), 12 + hlen
    rows = np.frombuffer(blob, dtype="<i8", count=n, offset=start).astype(np.int64)
    index = faiss.deserialize_index(np.frombuffer(blob, dtype=np.uint8, offset=start + 8 * n).copy())
    if index.ntotal != n or index.d != dim:
        raise ValueError(f"{path}: FAISS index does not match its header")
    return DenseIndex(str(header["stamp"]), str(header["kind"]), dim, rows, index)
