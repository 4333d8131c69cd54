"""Key-point coverage of the one-page summaries (issue 14), dev and held-out halves scored apart.

Key points: tests/data/summary_keypoints.jsonl (frozen; how they were written:
tests/data/summary_keypoints.md). A point is covered when the Markdown page body, before the
references, contains any one of its evidence strings (whitespace removed, 繁→简 on both sides; an
evidence string that begins with a digit must not follow a digit or a decimal point on the page).
Every summary is also checked against the one-page budget and timed.

    .venv/bin/python scripts/eval_summary.py                  # both halves
    .venv/bin/python scripts/eval_summary.py --split dev -v   # with every dev miss
    .venv/bin/python scripts/eval_summary.py --save-baseline tests/data/summary_coverage_baseline.json
    .venv/bin/python scripts/eval_summary.py --baseline tests/data/summary_coverage_baseline.json
    .venv/bin/python scripts/eval_summary.py --llm path/to/model.gguf   # model-written summaries

Held-out misses are never printed (reading them would be tuning on them); only the figures are.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYPOINTS = ROOT / "tests" / "data" / "summary_keypoints.jsonl"
PARTS = ("measures", "responsibility", "problems", "plans", "basic")
_SPACE = re.compile(r"\s+")


def load_keypoints(path: Path = KEYPOINTS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    from rag.ingest.clean import simplified_shadow

    text = _SPACE.sub("", text)
    return simplified_shadow(text) or text


def covers(page: str, evidence: str) -> bool:
    """``evidence`` stands on the normalised ``page`` (not as the tail of a longer number)."""
    ev = _norm(evidence)
    start = page.find(ev)
    while start >= 0:
        if not (ev[0].isdigit() and start and (page[start - 1].isdigit() or page[start - 1] == ".")):
            return True
        start = page.find(ev, start + 1)
    return False


def page_body(markdown: str) -> str:
    return markdown.split("\n---\n")[0]


def evaluate(points: list[dict[str, Any]], split: str, generator: Any = None, verbose: bool = False
             ) -> dict[str, Any]:
    from rag.report.parse import load_report
    from rag.summary.build import build_summary
    from rag.summary.render import PAGE_LINES, page_lines, summary_to_markdown

    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in points:
        if p["split"] == split:
            by_file[p["file"]].append(p)
    parts = {part: [0, 0] for part in PARTS}
    per_report: dict[str, list[int]] = {}
    seconds: list[float] = []
    over_page: list[str] = []
    misses: list[str] = []
    for rel, kps in by_file.items():
        report = load_report(ROOT / rel, 50 * 2**20)
        t0 = time.perf_counter()
        summary = build_summary(report, generator=generator)
        markdown = summary_to_markdown(summary, references=False)
        seconds.append(time.perf_counter() - t0)
        if page_lines(markdown) > PAGE_LINES:
            over_page.append(Path(rel).name)
        page = _norm(page_body(markdown))
        hits = 0
        for kp in kps:
            ok = any(covers(page, ev) for ev in kp["evidence"])
            parts[kp["part"]][0] += ok
            parts[kp["part"]][1] += 1
            hits += ok
            if not ok:
                misses.append(f"{kp['id']} [{kp['part']}] {kp['point']}  (evidence: {' | '.join(kp['evidence'])})")
        per_report[Path(rel).name] = [hits, len(kps)]
    if verbose and split != "heldout":  # held-out misses are not printed: reading them would be tuning on them
        for miss in misses:
            print("  MISS", miss)
    total = [sum(v[0] for v in parts.values()), sum(v[1] for v in parts.values())]
    return {"reports": len(by_file), "covered": total, "parts": parts, "per_report": per_report,
            "over_page": over_page, "max_seconds": round(max(seconds, default=0.0), 4),
            "mean_seconds": round(sum(seconds) / max(len(seconds), 1), 4)}


def _pct(pair: list[int]) -> str:
    ok, n = pair
    return f"{ok}/{n} ({100 * ok / n:.0f}%)" if n else "—"


def print_results(results: dict[str, dict[str, Any]], baseline: dict[str, dict[str, Any]] | None) -> None:
    for split, r in results.items():
        base = baseline.get(split) if baseline else None
        cell = _pct(r["covered"])
        if base:
            ok, n = base["covered"]
            cell = f"{100 * ok / n:.0f}% -> {cell}"
        print(f"== {split}: {r['reports']} reports, key points covered {cell}")
        if split != "heldout":  # held-out: the figure only, nothing that points at what is missed
            for part, pair in r["parts"].items():
                if pair[1]:
                    was = ""
                    if base and base["parts"][part][1]:
                        was = f"{100 * base['parts'][part][0] / base['parts'][part][1]:.0f}% -> "
                    print(f"   {part:<15}{was}{_pct(pair)}")
            for name, pair in r["per_report"].items():
                print(f"   {name:<34}{pair[0]}/{pair[1]}")
        print(f"   over one page: {len(r['over_page'])}  {' '.join(r['over_page'])}")
        print(f"   summary time: mean {r['mean_seconds'] * 1000:.0f} ms, max {r['max_seconds'] * 1000:.0f} ms "
              "(build + Markdown; parsing not counted)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "heldout", "both"), default="both")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every dev miss")
    ap.add_argument("--save-baseline", type=Path)
    ap.add_argument("--baseline", type=Path)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--llm", metavar="MODEL", help="model-written summaries with this GGUF or registry name (map + reduce)")
    ap.add_argument("--llm-threads", type=int, default=2)
    ap.add_argument("--n-ctx", type=int, default=4096)
    args = ap.parse_args(argv)
    generator = None
    if args.llm:
        from rag.generate.factory import LlamaCppGenerator
        from rag.generate.registry import resolve_model_path

        path = args.llm if Path(args.llm).exists() else str(resolve_model_path(args.llm)[0])
        generator = LlamaCppGenerator(path, n_ctx=args.n_ctx, n_threads=args.llm_threads)
    points = load_keypoints()
    splits = ("dev", "heldout") if args.split == "both" else (args.split,)
    results = {split: evaluate(points, split, generator, args.verbose) for split in splits}
    baseline = json.loads(args.baseline.read_text(encoding="utf-8")) if args.baseline else None
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        print_results(results, baseline)
    if args.save_baseline:
        args.save_baseline.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
