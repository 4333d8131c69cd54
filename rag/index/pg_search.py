"""The two searches of the PostgreSQL store, as SQL (tables: ``rag.index.pg_schema``).

Dense: pgvector's HNSW index over the half-precision cast of each vector finds candidates; they
are re-ranked by the exact float32 inner product, so scores equal the embedded store's. A search
restricted to few rows skips the index and scores those rows exactly (cheaper, and exact).

Sparse: BM25, the Lucene variant that bm25s computes for the embedded store
(idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf part = tf / (tf + k1 (1 - b + b dl / avgdl))), over
the jieba tokens kept in a 'simple' tsvector. The GIN index finds the chunks holding any query
term; a lexeme's positions give its term frequency.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from rag.index.pg_schema import tsquery_term

K1 = 1.5  # the embedded store's BM25 parameters (rag.index.sparse.SparseIndex defaults)
B = 0.75
EXACT_LIMIT = 4000  # a filter down to this many rows is scored exactly, without the HNSW index
HNSW_EF_SEARCH = 100  # pgvector's default is 40; more candidates cost little and recall better
MAX_EF_SEARCH = 1000  # pgvector's upper bound


def dense(conn: Any, query: str, dim: int, k: int, allowed: Sequence[int] | None) -> list[tuple[int, float]]:
    """Top-k (row, inner product), best first, ties by row. ``query`` is a pgvector literal."""
    if allowed is not None and len(allowed) <= EXACT_LIMIT:
        rows = conn.execute(
            "SELECT chunk_row, -(embedding <#> %s::vector) AS score FROM chunks WHERE chunk_row = ANY(%s) "
            "ORDER BY score DESC, chunk_row LIMIT %s", (query, list(allowed), k)).fetchall()
        return [(int(r), float(s)) for r, s in rows]
    candidates = min(MAX_EF_SEARCH, max(HNSW_EF_SEARCH, 4 * k))
    where = "" if allowed is None else "WHERE chunk_row = ANY(%(allowed)s)"
    with conn.transaction():  # SET LOCAL lasts until the end of this block only
        conn.execute(f"SET LOCAL hnsw.ef_search = {int(candidates)}")
        if allowed is not None:
            # pgvector 0.8: keep walking the graph until enough rows pass the filter
            conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        rows = conn.execute(
            f"WITH candidates AS (SELECT chunk_row, embedding FROM chunks {where} "
            f"ORDER BY embedding::halfvec({dim}) <#> %(qh)s::halfvec({dim}) LIMIT %(n)s) "
            "SELECT chunk_row, -(embedding <#> %(q)s::vector) AS score FROM candidates "
            "ORDER BY score DESC, chunk_row LIMIT %(k)s",
            # two parameters: one used under both casts would be typed halfvec, and the exact
            # re-ranking would then see the query at half precision
            {"qh": query, "q": query, "n": candidates, "k": k, "allowed": list(allowed or [])}).fetchall()
    return [(int(r), float(s)) for r, s in rows]


def document_frequencies(conn: Any, terms: Sequence[str]) -> dict[str, int]:
    """How many chunks hold each term (one GIN lookup per term)."""
    return {
        term: int(conn.execute("SELECT count(*) FROM chunks WHERE tokens @@ %s::tsquery",
                               (tsquery_term(term),)).fetchone()[0])
        for term in terms
    }


def idf(df: int, n_docs: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


# A query's rarest terms are searched first while the chunks holding them number at most this;
# the rest are scored on those chunks only, unless that could change the top k (see bm25).
CANDIDATE_BUDGET = 5_000


def bm25(
    conn: Any, df: Mapping[str, int], n_docs: int, avg_len: float, k: int, allowed: Sequence[int] | None
) -> list[tuple[int, float]]:
    """Top-k (row, BM25 score > 0), best first, ties by row.

    Exact, and fast on common terms (MaxScore, Turtle & Flood 1995): a term adds at most its idf to a
    chunk's score (tf / (tf + k1 ...) < 1). The chunks holding one of the rare terms are scored on
    every term first; a chunk holding only common terms scores less than the sum of their idfs, so
    when the k-th score found reaches that sum, no other chunk can enter the top k. Otherwise (rare
    case: the common terms alone could win) every chunk holding any term is scored.
    """
    terms = sorted((t for t, n in df.items() if n > 0), key=lambda t: (df[t], t))
    if not terms or avg_len <= 0:
        return []
    idfs = {t: idf(df[t], n_docs) for t in terms}
    rare: list[str] = []
    seen = 0
    for term in terms:  # rarest first; always at least one
        if rare and seen + df[term] > CANDIDATE_BUDGET:
            break
        rare.append(term)
        seen += df[term]
    common_bound = sum(idfs[t] for t in terms[len(rare):])
    hits = _bm25_over(conn, terms, idfs, rare, avg_len, k, allowed)
    if len(rare) < len(terms) and (len(hits) < k or hits[-1][1] <= common_bound):
        hits = _bm25_over(conn, terms, idfs, terms, avg_len, k, allowed)
    return hits


def _bm25_over(
    conn: Any, terms: Sequence[str], idfs: Mapping[str, float], matching: Sequence[str], avg_len: float, k: int,
    allowed: Sequence[int] | None,
) -> list[tuple[int, float]]:
    """Top-k BM25 over every term, among the chunks holding one of ``matching``."""
    query = " | ".join(tsquery_term(t) for t in matching)
    restrict = "" if allowed is None else "AND c.chunk_row = ANY(%(allowed)s)"
    rows = conn.execute(
        "SELECT c.chunk_row, sum(w.idf * t.tf / (t.tf + %(k1)s * (1 - %(b)s + %(b)s * c.token_count / %(avg)s))) "
        "AS score FROM chunks c "
        # only the query's lexemes are unnested: setweight marks them A, ts_filter keeps the A ones (both
        # in C); unnesting the whole tsvector costs ten times more on a common query term
        "CROSS JOIN LATERAL (SELECT u.lexeme, array_length(u.positions, 1)::float8 AS tf "
        "FROM unnest(ts_filter(setweight(c.tokens, 'A', %(terms)s::text[]), '{a}')) u) t "
        "JOIN unnest(%(terms)s::text[], %(idfs)s::float8[]) AS w(term, idf) ON w.term = t.lexeme "
        f"WHERE c.tokens @@ %(q)s::tsquery {restrict} "
        "GROUP BY c.chunk_row ORDER BY score DESC, c.chunk_row LIMIT %(limit)s",
        {"k1": K1, "b": B, "avg": float(avg_len), "terms": list(terms), "idfs": [idfs[t] for t in terms],
         "q": query, "allowed": list(allowed or []), "limit": k},
    ).fetchall()
    return [(int(r), float(s)) for r, s in rows if s > 0]
