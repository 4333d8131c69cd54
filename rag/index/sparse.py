"""Keyword retrieval: jieba tokens (with a domain dictionary) scored by BM25.

The BM25 weights are computed once with bm25s at indexing time and kept as a sparse
term -> (doc, weight) matrix; a query is scored by summing the columns of its tokens, which is a
few numpy operations even at 50k chunks. The index is one ``.npz`` file.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.lang import words
from rag.lang.script import to_simplified

FORMAT = "reportqa-bm25/1"

# Function words and question words: they would match almost every chunk or none usefully.
_STOPWORD_TEXT = """
    的 了 和 与 及 以及 等 在 是 对 为 以 将 把 被 于 并 或 也 又 其 之 有 中 上 下 个 项 着 所
    这 那 该 此 各 每 从 向 由 按 经 给 而 且 但 就 都 还 已 已经 我 我们 你 您 他 它 他们
    年 月 日 什么 哪些 哪个 哪 多少 几 几个 几件 几次 几项 多少次 多少件 多少项 如何 怎么 怎样 是否 吗 呢 吧 啊 请问 请 一下 有没有
    情况 方面 进行 开展 工作 相关 有关
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Written variants folded to the dictionary form before cutting (jieba never joins across 、).
_REWRITES = (("双随机、一公开", "双随机一公开"), ("双随机,一公开", "双随机一公开"), ("互联网 + ", "互联网+"))
_HAS_WORD = re.compile(r"\w")

def jieba_tokenizer() -> Any:
    """The project's own jieba tokenizer with the domain dictionary (rag.lang.words)."""
    return words.tokenizer()


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens: lower-cased, NFKC-folded (tokens only), no punctuation or stopwords.

    Traditional characters are read as simplified. Numbers stay tokens ("2020年" -> "2020", "93.3%" stays whole); compounds in the domain
    dictionary come out both whole and as their parts ("依申请公开", "申请", "公开").
    """
    if not text:
        return []
    # 繁→简 one character for one, so that 「权责清单」 finds 「權責清單」 and the other way round
    folded = to_simplified(unicodedata.normalize("NFKC", text).lower())
    for old, new in _REWRITES:
        folded = folded.replace(old, new)
    out = []
    for token in jieba_tokenizer().cut_for_search(folded, HMM=True):
        token = token.strip()
        if token and token not in STOPWORDS and _HAS_WORD.search(token):
            out.append(token)
    return out


class SparseIndex:
    """BM25 (Lucene variant) over pre-tokenised documents, each with an integer id (a store row)."""

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.stamp = ""  # the store's generation stamp this index was built from
        self.ids = np.zeros(0, dtype=np.int64)
        self._vocab: dict[str, int] = {}
        self._data = np.zeros(0, dtype=np.float32)
        self._indices = np.zeros(0, dtype=np.int32)
        self._indptr = np.zeros(1, dtype=np.int64)
        self._order = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.ids)

    def build(self, texts: Sequence[str], ids: Sequence[int] | np.ndarray | None = None) -> SparseIndex:
        return self.build_from_tokens([tokenize(t) for t in texts], ids)

    def build_from_tokens(
        self, token_lists: Sequence[list[str]], ids: Sequence[int] | np.ndarray | None = None
    ) -> SparseIndex:
        n = len(token_lists)
        self.ids = np.arange(n, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
        if len(self.ids) != n:
            raise ValueError(f"{n} documents but {len(self.ids)} ids")
        if len(np.unique(self.ids)) != n:
            raise ValueError("document ids must be unique")
        self._order = np.argsort(self.ids, kind="stable")
        if n == 0 or not any(token_lists):
            self._vocab, self._data = {}, np.zeros(0, dtype=np.float32)
            self._indices, self._indptr = np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64)
            return self
        import bm25s
        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on itself

        model = bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
        model.index([list(t) for t in token_lists], show_progress=False, create_empty_token=True)
        scores = model.scores
        self._indptr = np.asarray(scores["indptr"], dtype=np.int64)
        columns = len(self._indptr) - 1  # bm25s adds an empty "" token with no column
        self._vocab = {str(tok): int(i) for tok, i in model.vocab_dict.items() if tok and int(i) < columns}
        self._data = np.asarray(scores["data"], dtype=np.float32)
        self._indices = np.asarray(scores["indices"], dtype=np.int32)
        return self

    def positions(self, allowed_rows: Iterable[int] | np.ndarray) -> np.ndarray:
        """Positions (0..n-1) of the given ids; ids not in the index are ignored."""
        wanted = np.asarray(list(allowed_rows) if not isinstance(allowed_rows, np.ndarray) else allowed_rows)
        wanted = wanted.astype(np.int64, copy=False).ravel()
        if len(self.ids) == 0 or len(wanted) == 0:
            return np.zeros(0, dtype=np.int64)
        sorted_ids = self.ids[self._order]
        at = np.clip(np.searchsorted(sorted_ids, wanted), 0, len(sorted_ids) - 1)
        found = sorted_ids[at] == wanted
        return np.unique(self._order[at[found]])

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document (position order) for the query tokens."""
        n = len(self.ids)
        term_ids = sorted({self._vocab[t] for t in tokens if t in self._vocab})
        if n == 0 or not term_ids:
            return np.zeros(n, dtype=np.float32)
        starts, ends = self._indptr[term_ids], self._indptr[np.asarray(term_ids) + 1]
        docs = np.concatenate([self._indices[s:e] for s, e in zip(starts, ends, strict=True)])
        weights = np.concatenate([self._data[s:e] for s, e in zip(starts, ends, strict=True)])
        return np.bincount(docs, weights=weights, minlength=n).astype(np.float32)

    def search(
        self, query: str, k: int, allowed_rows: Iterable[int] | np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        return self.search_tokens(tokenize(query), k, allowed_rows)

    def search_tokens(
        self, tokens: Sequence[str], k: int, allowed_rows: Iterable[int] | np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (id, score) with score > 0, best first (ties by id); restricted to allowed ids if given."""
        if k <= 0 or len(self.ids) == 0:
            return []
        scores = self.scores(tokens)
        if allowed_rows is not None:
            keep = self.positions(allowed_rows)
            if len(keep) == 0:
                return []
            masked = np.zeros_like(scores)
            masked[keep] = scores[keep]
            scores = masked
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:  # keep every tie at the cut, so the result does not depend on partitioning
            kth = scores[candidates[np.argpartition(-scores[candidates], k - 1)[k - 1]]]
            candidates = candidates[scores[candidates] >= kth]
        ranked = sorted(candidates.tolist(), key=lambda p: (-float(scores[p]), int(self.ids[p])))[:k]
        return [(int(self.ids[p]), float(scores[p])) for p in ranked]

    def save(self, path: str | Path) -> None:
        """Write the index to ``path`` (the exact name: the caller picks temp names and renames)."""
        header = {"format": FORMAT, "k1": self.k1, "b": self.b, "stamp": self.stamp, "vocab": self._vocab}
        with open(path, "wb") as fh:
            np.savez(
                fh,
                header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
                ids=self.ids,
                data=self._data,
                indices=self._indices,
                indptr=self._indptr,
            )

    @classmethod
    def load(cls, path: str | Path) -> SparseIndex:
        """Read an index written by :meth:`save`; ValueError if the file is not one."""
        try:
            with np.load(path, allow_pickle=False) as npz:
                header = json.loads(npz["header"].tobytes().decode("utf-8"))
                arrays = {key: npz[key] for key in ("ids", "data", "indices", "indptr")}
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path} is not a readable BM25 index: {exc}") from exc
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError(f"{path} is not a reportqa BM25 index")
        index = cls(k1=float(header["k1"]), b=float(header["b"]))
        index.stamp = str(header.get("stamp", ""))
        index._vocab = {str(k): int(v) for k, v in header["vocab"].items()}
        index.ids = arrays["ids"].astype(np.int64)
        index._data = arrays["data"].astype(np.float32)
        index._indices = arrays["indices"].astype(np.int32)
        index._indptr = arrays["indptr"].astype(np.int64)
        index._order = np.argsort(index.ids, kind="stable")
        if index._vocab and max(index._vocab.values()) >= len(index._indptr) - 1:
            raise ValueError(f"{path}: BM25 index arrays do not match its vocabulary")
        return index
